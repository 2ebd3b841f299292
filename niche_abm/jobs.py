"""Drive a batch through an engine: keep jobs in flight, keep each as it finishes, retry lost attempts.

Every batch (sweep, dose-response, validation, demo, co-culture) runs its jobs
with :func:`run_jobs` on an engine of :mod:`niche_abm.engines`. The batch says
what a finished job is worth keeping (``keep``, typically an atomic write into
its output folder, so a later ``--resume`` skips it) and what to record for a
job that failed for good (``give_up``). An attempt that fails (its run raised,
or its worker died) is tried again up to ``retries`` times. On Ctrl-C (or
SIGTERM from a batch system) the workers are stopped and the session ends with
``interrupted``; an interrupt that arrives while a finished job is being kept
waits until its files are in place, so the job is kept whole. A batch that keeps
nothing on disk (the main job, an analysis script) takes the outcomes back in job
order with :func:`map_jobs`.
"""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Any

from tqdm import tqdm

from niche_abm.engines import Engine, interrupts_deferred


class JobFailed(RuntimeError):
    """A batch could not finish: a job failed after its retries (the message names it and why)."""


@dataclass(frozen=True)
class Session:
    """How one session of a batch ended: jobs kept, jobs given up after their retries, interrupted or not."""

    done: int
    failed: int
    interrupted: bool


def describe_lost(error: BaseException) -> str:
    """One line on why an attempt came back as an exception instead of an outcome."""
    if isinstance(error, BrokenProcessPool):
        return "the worker process died (killed or out of memory)"
    return f"{type(error).__name__}: {error}"


def returned(outcome: Any) -> bool:
    """The attempt finished: its run returned instead of raising or losing its worker."""
    return not isinstance(outcome, BaseException)


def run_jobs(
    jobs: Iterable[Any],
    engine: Engine,
    keep: Callable[[Any, Any, int], None],
    give_up: Callable[[Any, Any, int], None],
    retries: int,
    succeeded: Callable[[Any], bool] = returned,
    bar: tqdm | None = None,
    keep_open: bool = False,
) -> Session:
    """Compute every job on engine, at most engine.capacity at a time, and close the engine (unless keep_open,
    for a caller that hands it more jobs later; an interrupt or an error closes it anyway).

    Args:
        jobs: the jobs still to compute (each with an ``index`` unique in the batch).
        engine: where they run (its run function computes one job).
        keep: called with (job, outcome, attempts) when a job succeeded; signals wait until it returns.
        give_up: called with (job, last outcome or exception, attempts) when a job failed retries + 1 times.
        retries: how often a failed attempt is tried again.
        succeeded: whether an outcome is a success (default: the run returned at all).
        bar: a progress bar to advance by one for every job kept or given up.
        keep_open: leave the engine running when every job is done.
    """
    todo = deque(jobs)
    attempts: dict[int, int] = defaultdict(int)
    done = failed = 0
    try:
        while todo or engine.running:
            while todo and engine.running < engine.capacity:
                job = todo.popleft()
                attempts[job.index] += 1
                engine.submit(job)
            if bar is not None:
                bar.set_postfix(done=bar.n - failed, failed=failed, running=engine.running)
            for job, outcome in engine.wait():
                if succeeded(outcome):
                    with interrupts_deferred():
                        keep(job, outcome, attempts[job.index])
                    done += 1
                elif attempts[job.index] <= retries:
                    todo.appendleft(job)
                    continue
                else:
                    with interrupts_deferred():
                        give_up(job, outcome, attempts[job.index])
                    failed += 1
                if bar is not None:
                    bar.update(1)
    except KeyboardInterrupt:
        engine.close(cancel=True)
        return Session(done, failed, interrupted=True)
    except BaseException:
        engine.close(cancel=True)
        raise
    if not keep_open:
        engine.close()
    return Session(done, failed, interrupted=False)


def map_jobs(jobs: Sequence[Any], engine: Engine) -> list[Any]:
    """What engine's run returned for each job, in the order of jobs (run_jobs keeping the outcomes in memory).

    The first job that fails stops the batch with its error (no retries); Ctrl-C or SIGTERM raises
    KeyboardInterrupt once the workers are stopped.
    """
    outcomes: dict[int, Any] = {}

    def give_up(job: Any, error: BaseException, attempts: int) -> None:
        raise error

    session = run_jobs(jobs, engine, lambda job, outcome, _: outcomes.update({job.index: outcome}), give_up, 0)
    if session.interrupted:
        raise KeyboardInterrupt
    return [outcomes[job.index] for job in jobs]
