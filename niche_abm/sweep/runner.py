"""Drive a sweep: hand runs to an engine, store each as it finishes, retry, resume.

Results stream to disk as runs finish (one Parquet file a run), so the driver
holds no more than the attempts in flight. A run that raises or loses its
worker is retried up to ``retries`` times and then recorded as failed with its
error; the other runs go on. On Ctrl-C (or SIGTERM from a batch system) the
workers are stopped, the runs table is written, and ``--resume`` later runs
only what is missing. An interrupt that arrives while a finished run is being
stored waits until its files are in place, so the run is kept whole.
"""

from __future__ import annotations

import signal
import threading
import time
from collections import defaultdict, deque
from collections.abc import Iterator
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tqdm import tqdm

from niche_abm.sweep.design import RunTask, plan
from niche_abm.sweep.engines import DaskEngine, LocalEngine
from niche_abm.sweep.spec import SweepSpec
from niche_abm.sweep.store import SweepStore
from niche_abm.sweep.worker import RunOutcome


@dataclass(frozen=True)
class SweepReport:
    """How a session of a sweep ended."""

    runs: int
    done: int
    failed: int
    skipped: int
    """Runs already finished by an earlier session (--resume)."""
    wall_time_s: float
    interrupted: bool

    @property
    def pending(self) -> int:
        return self.runs - self.done - self.failed


def prepare(spec: SweepSpec, out: Path, resume: bool) -> tuple[SweepStore, list[RunTask]]:
    """The store and the runs; checks the output folder, writing nothing yet."""
    store = SweepStore(out)
    tasks = plan(spec)
    if resume:
        store.reopen(spec)
    else:
        store.check_new()
    return store, tasks


def describe_failure(outcome: RunOutcome | BaseException) -> str:
    """One line on why an attempt failed."""
    if isinstance(outcome, RunOutcome):
        return outcome.error or "unknown error"
    if isinstance(outcome, BrokenProcessPool):
        return "the worker process died (killed or out of memory)"
    return f"{type(outcome).__name__}: {outcome}"


SIGNALS = (signal.SIGINT, signal.SIGTERM)
"""The signals that stop a sweep (Ctrl-C, and a batch system's SIGTERM)."""


@contextmanager
def interrupts_deferred() -> Iterator[None]:
    """Hold SIGINT and SIGTERM until the block ends, then raise KeyboardInterrupt if one came.

    Only the main thread can handle signals; elsewhere the block runs as is.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    received: list[int] = []
    previous = {sig: signal.signal(sig, lambda number, _frame: received.append(number)) for sig in SIGNALS}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    if received:
        raise KeyboardInterrupt


def run_sweep(
    spec: SweepSpec, store: SweepStore, tasks: list[RunTask], engine: LocalEngine | DaskEngine, progress: bool = True
) -> SweepReport:
    """Compute every run not yet finished (creating the store if new); returns counts for this session."""
    started = time.perf_counter()
    if not store.manifest_path.exists():
        store.create(spec, tasks)
    already = store.finished(tasks)
    todo = deque(t for t in tasks if t.index not in already)
    attempts: dict[int, int] = defaultdict(int)
    done = failed = 0
    interrupted = False
    bar = tqdm(total=len(tasks), initial=len(already), unit="run", desc=spec.name, disable=not progress)
    try:
        while todo or engine.running:
            while todo and engine.running < engine.capacity:
                task = todo.popleft()
                attempts[task.index] += 1
                engine.submit(task)
            bar.set_postfix(done=len(already) + done, failed=failed, running=engine.running)
            for task, outcome in engine.wait():
                if isinstance(outcome, RunOutcome) and outcome.error is None:
                    with interrupts_deferred():
                        store.record_done(task, outcome.timeseries, attempts[task.index], outcome.wall_time_s)
                    done += 1
                    bar.update(1)
                elif attempts[task.index] <= spec.retries:
                    todo.appendleft(task)
                else:
                    wall = outcome.wall_time_s if isinstance(outcome, RunOutcome) else 0.0
                    store.record_failed(task, attempts[task.index], wall, describe_failure(outcome))
                    failed += 1
                    bar.update(1)
    except KeyboardInterrupt:
        interrupted = True
        engine.close(cancel=True)
    else:
        engine.close()
    finally:
        bar.close()
        store.write_runs_table()
    wall = time.perf_counter() - started
    return SweepReport(len(tasks), len(already) + done, failed, len(already), wall, interrupted)
