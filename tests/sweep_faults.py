"""Faulty run functions for the sweep tests: they wrap the real one and fail on purpose.

Imported by worker processes (spawned, so this module must be importable by
name); markers in the folder named by NICHE_ABM_FAULT_DIR make a fault happen
once per run, the way a flaky node or an out-of-memory kill would.
"""

from __future__ import annotations

import os
import signal
from pathlib import Path

from niche_abm.sweep.design import RunTask
from niche_abm.sweep.worker import RunOutcome, simulate_run

FAULT_DIR = "NICHE_ABM_FAULT_DIR"


def _first_time(task: RunTask, kind: str) -> bool:
    """True the first time this run reaches this fault (and marks it)."""
    marker = Path(os.environ[FAULT_DIR]) / f"{kind}-{task.index}"
    try:
        marker.touch(exist_ok=False)
    except FileExistsError:
        return False
    return True


def fails_at_point_one(task: RunTask) -> RunOutcome:
    """Every run at point 1 raises; the others run normally."""
    if task.point == 1:
        raise RuntimeError(f"injected failure in run {task.index}")
    return simulate_run(task)


def flaky(task: RunTask) -> RunOutcome:
    """Each run fails on its first attempt and succeeds on the second."""
    if _first_time(task, "flaky"):
        raise RuntimeError("injected transient failure")
    return simulate_run(task)


def kills_worker_in_run_two(task: RunTask) -> RunOutcome:
    """The first attempt of run 2 kills its own worker process (SIGKILL), as the OOM killer would."""
    if task.index == 2 and _first_time(task, "kill"):
        os.kill(os.getpid(), signal.SIGKILL)
    return simulate_run(task)
