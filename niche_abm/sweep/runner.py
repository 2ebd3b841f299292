"""Drive a sweep: hand runs to an engine, store each as it finishes, retry, resume.

Results stream to disk as runs finish (one Parquet file a run), so the driver
holds no more than the attempts in flight. The runs go through the driver every
batch uses (:func:`niche_abm.jobs.run_jobs`): a run that raises or loses its
worker is retried up to ``retries`` times and then recorded as failed with its
error; the other runs go on. On Ctrl-C (or SIGTERM from a batch system) the
workers are stopped, the runs table is written, and ``--resume`` later runs
only what is missing. An interrupt that arrives while a finished run is being
stored waits until its files are in place, so the run is kept whole.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from tqdm import tqdm

from niche_abm.engines import Engine
from niche_abm.folders import check_out
from niche_abm.jobs import describe_lost, run_jobs
from niche_abm.sweep.design import RunTask, plan
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


def prepare(spec: SweepSpec, out: Path, resume: bool, overwrite: bool = False) -> tuple[SweepStore, list[RunTask]]:
    """The store and the runs; checks the output folder, writing nothing yet: to continue the sweep there
    (resume), to replace the sweep it may hold (overwrite: the caller removes it), or to start a new one."""
    store = SweepStore(out)
    tasks = plan(spec)
    if resume:
        store.reopen(spec)
    elif overwrite:
        check_out(out, "sweep", overwrite=True)
    else:
        store.check_new()
    return store, tasks


def describe_failure(outcome: RunOutcome | BaseException) -> str:
    """One line on why an attempt failed."""
    if isinstance(outcome, RunOutcome):
        return outcome.error or "unknown error"
    return describe_lost(outcome)


def completed(outcome: RunOutcome | BaseException) -> bool:
    """The run came back with its daily metrics."""
    return isinstance(outcome, RunOutcome) and outcome.error is None


def run_sweep(
    spec: SweepSpec, store: SweepStore, tasks: list[RunTask], engine: Engine, progress: bool = True
) -> SweepReport:
    """Compute every run not yet finished (creating the store if new); returns counts for this session."""
    started = time.perf_counter()
    if not store.manifest_path.exists():
        store.create(spec, tasks)
    else:
        store.restore_design(tasks)
    already = store.finished(tasks)

    def keep(task: RunTask, outcome: RunOutcome, attempts: int) -> None:
        store.record_done(task, outcome.timeseries, attempts, outcome.wall_time_s)

    def give_up(task: RunTask, outcome: RunOutcome | BaseException, attempts: int) -> None:
        wall = outcome.wall_time_s if isinstance(outcome, RunOutcome) else 0.0
        store.record_failed(task, attempts, wall, describe_failure(outcome))

    todo = [t for t in tasks if t.index not in already]
    bar = tqdm(total=len(tasks), initial=len(already), unit="run", desc=spec.name, disable=not progress)
    try:
        session = run_jobs(todo, engine, keep, give_up, spec.retries, completed, bar)
    finally:
        bar.close()
        store.write_runs_table()
    wall = time.perf_counter() - started
    return SweepReport(len(tasks), len(already) + session.done, session.failed, len(already), wall, session.interrupted)
