"""What a worker does with one run: build the model, run it, send back the daily metrics.

Only the kept daily metrics travel back (a few kB a run), never the model's
state, so the memory of the driver and the network stay small whatever the
grid.
"""

from __future__ import annotations

import time
import traceback
from dataclasses import dataclass

import pandas as pd

from niche_abm.experiment import RunDescription
from niche_abm.sweep.design import RunTask


@dataclass(frozen=True)
class RunOutcome:
    """A finished attempt: the daily metrics, or the error that stopped it."""

    index: int
    timeseries: pd.DataFrame | None
    wall_time_s: float
    error: str | None = None


def simulate_run(task: RunTask) -> RunOutcome:
    """Run one task; an exception inside the model comes back as the outcome's error text."""
    started = time.perf_counter()
    try:
        description = RunDescription(task.scenario_path, task.overrides, task.regimens, task.seed, task.days)
        timeseries = description.run().timeseries[["day", *task.metrics]]
    except Exception as error:
        last = traceback.format_exception_only(error)[-1].strip()
        return RunOutcome(task.index, None, time.perf_counter() - started, last)
    return RunOutcome(task.index, timeseries, time.perf_counter() - started)
