"""Where a batch's jobs are computed: local worker processes, or a Dask cluster.

Every batch (sweeps, dose-responses, validation, demos, co-culture, the main job)
hands its jobs to one of these engines. An engine is built with the batch's
``run`` function, a module-level function of one job (so a worker can import
it by name); a job is any small picklable object with an ``index`` that is
unique within the batch. Both engines take jobs one at a time (``submit``) and
hand back finished attempts (``wait``) as (job, outcome) pairs, where the
outcome is what ``run`` returned or the exception that lost the attempt (a
worker process that died, a run that raised). The driver
(:func:`niche_abm.jobs.run_jobs`) keeps only ``capacity`` attempts in flight,
so memory stays bounded however many jobs the batch has.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor
from concurrent.futures import wait as wait_futures
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from importlib import metadata
from typing import Any

from niche_abm.params import ParameterError

LOOPBACK = "127.0.0.1"

Run = Callable[[Any], Any]
"""A batch's run function: one job in, its outcome out (module-level, so workers import it by name)."""

Finished = list[tuple[Any, Any]]
"""Finished attempts: (job, what run returned, or the exception that lost the attempt)."""

SIGNALS = (signal.SIGINT, signal.SIGTERM)
"""The signals that stop a batch (Ctrl-C, and a batch system's SIGTERM)."""

POLL_S = 0.2
"""How often a local engine waiting for its workers looks up, s: the longest an interrupt waits to be raised."""


_held: list[int] | None = None
"""The signals received while interrupts are deferred (None: they are not)."""


@contextmanager
def interrupts_deferred() -> Iterator[None]:
    """Hold SIGINT and SIGTERM until the block ends, then raise KeyboardInterrupt if one came.

    Blocks nest: an inner block ends by raising KeyboardInterrupt if a signal came at any time while the outermost
    was open, so a long outer block (a calibration inside pyABC's own code) is stopped at the next inner block's
    end, a point of our own, never halfway through a library's transaction. Only the main thread can handle
    signals; elsewhere the block runs as is.
    """
    global _held
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    if _held is not None:
        yield
        if _held:
            raise KeyboardInterrupt
        return
    received: list[int] = []
    _held = received
    previous = {sig: signal.signal(sig, lambda number, _frame: received.append(number)) for sig in SIGNALS}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        _held = None
    if received:
        raise KeyboardInterrupt


class LocalEngine:
    """A pool of worker processes on this machine (spawned, one job each at a time).

    When a worker dies, the pool breaks and every attempt in flight is lost;
    those come back as failures (to be retried) and a fresh pool takes the rest.
    Stopping on an interrupt terminates this process's worker children.
    Only ``workers`` attempts are ever in flight, so a death costs at most that many.
    """

    name = "local"

    def __init__(self, workers: int, run: Run):
        self.workers = workers
        self.capacity = workers
        self._run = run
        self._pool = self._new_pool()
        self._futures: dict[Future, Any] = {}

    def _new_pool(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(max_workers=self.workers, mp_context=multiprocessing.get_context("spawn"))

    def submit(self, job) -> None:
        with interrupts_deferred():  # raised inside the pool's locks, an interrupt could leave one held
            try:
                future = self._pool.submit(self._run, job)
            except BrokenProcessPool:
                self._pool = self._new_pool()
                future = self._pool.submit(self._run, job)
            self._futures[future] = job

    def wait(self) -> Finished:
        """The attempts that finished, once at least one has; an interrupt is raised between looks (every
        POLL_S), never inside the futures' locks, where it could leave one held and the exit waiting on it."""
        done: set[Future] = set()
        while not done and self._futures:
            with interrupts_deferred():
                done, _ = wait_futures(list(self._futures), timeout=POLL_S, return_when=FIRST_COMPLETED)
        if any(isinstance(_outcome(future), BrokenProcessPool) for future in done):
            done = set(self._futures)
            wait_futures(done)
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = self._new_pool()
        return [(self._futures.pop(future), _outcome(future)) for future in done]

    @property
    def running(self) -> int:
        return len(self._futures)

    def close(self, cancel: bool = False) -> None:
        if cancel:
            for child in multiprocessing.active_children():
                child.terminate()
        self._pool.shutdown(wait=not cancel, cancel_futures=True)


WORKER_ENVIRON_UNSET = ("MALLOC_TRIM_THRESHOLD_",)
"""Variables of Dask's ``distributed.nanny.pre-spawn-environ`` a local cluster's workers start without. Setting
any of glibc's MALLOC_ variables fixes its mmap threshold at 128 KiB, so every array of more than 128 KiB that a
step makes and frees is mapped and faulted in anew. With Dask's 65536 the 1,000 x 1,000 case of
``analysis/bench.py --part large`` took 0.141 s a step against 0.085 s without (2026-12-02), with 24,000 page
faults and 62 ms of system time a step against 9 faults and 0.1 ms."""


def malloc_environment() -> dict[str, str]:
    """glibc's MALLOC_ variables in this process's environment (any of them fixes the mmap threshold; see
    :data:`WORKER_ENVIRON_UNSET`)."""
    return {name: value for name, value in os.environ.items() if name.startswith("MALLOC_")}


class DaskEngine:
    """Runs on Dask distributed: a cluster at ``scheduler``, or a LocalCluster of ``workers`` processes.

    A local cluster listens on loopback only, with its dashboard on a free
    loopback port. Its workers start without Dask's default
    ``MALLOC_TRIM_THRESHOLD_`` (see :data:`WORKER_ENVIRON_UNSET`), and the
    variables its nannies write into this process's environment before they
    spawn a worker are put back when the engine closes, so later child
    processes (a benchmark's, a local engine's) start as they would have.
    The workers of an existing cluster must run the same versions of
    niche_abm and of the packages that shape a run as this machine, or the
    batch is refused before it starts. Dask reschedules the
    jobs of a worker that dies (up to its
    ``distributed.scheduler.allowed-failures``); a job that keeps killing
    workers comes back as a ``KilledWorker`` failure.
    """

    name = "dask"

    def __init__(self, workers: int, run: Run, scheduler: str | None = None):
        from dask.distributed import Client, LocalCluster

        self._run = run
        self._cluster = None
        if scheduler:
            try:
                self._client = Client(scheduler, timeout="20s")
            except (OSError, ValueError) as error:
                raise ParameterError("--scheduler", f"cannot reach the Dask scheduler {scheduler}: {error}") from None
            try:
                check_worker_versions(self._client, scheduler)
            except ParameterError:
                self._client.close()
                raise
        else:
            import dask

            environ = dict(os.environ)
            unset = {f"distributed.nanny.pre-spawn-environ.{name}": None for name in WORKER_ENVIRON_UNSET}
            with dask.config.set(unset):
                self._cluster = LocalCluster(
                    n_workers=workers,
                    threads_per_worker=1,
                    processes=True,
                    host=LOOPBACK,
                    dashboard_address=f"{LOOPBACK}:0",
                    silence_logs=logging.ERROR,
                )
            self._environ_before = {k: environ.get(k) for k, v in os.environ.items() if environ.get(k) != v}
            self._client = Client(self._cluster)
        self._futures: dict[Any, Any] = {}
        self._submitted = 0

    @property
    def workers(self) -> int:
        return max(1, sum(self._client.nthreads().values()))

    @property
    def dashboard(self) -> str:
        """The address of the cluster's dashboard (on loopback for a local cluster)."""
        return self._client.dashboard_link

    def malloc_note(self) -> str | None:
        """A line for the user when the cluster's workers run with one of glibc's MALLOC_ variables set (a cluster
        started with Dask's defaults does), which slows large grids; None when none does."""
        by_worker = self._client.run(malloc_environment)
        found = {f"{name}={value}" for settings in by_worker.values() for name, value in settings.items()}
        if not found:
            return None
        return (
            f"note: the cluster's workers run with {', '.join(sorted(found))}, which made a 1,000 x 1,000 step 1.7x "
            "slower; the README's Batch experiments section says how to start them without it"
        )

    @property
    def capacity(self) -> int:
        """Twice the cluster's threads, so workers never wait for the next job."""
        return 2 * self.workers

    def submit(self, job) -> None:
        self._submitted += 1
        future = self._client.submit(self._run, job, key=f"job-{job.index}-{self._submitted}", pure=False)
        self._futures[future] = job

    def wait(self) -> Finished:
        """The attempts that finished, once at least one has; an interrupt is raised between looks (every
        POLL_S), as the local engine's."""
        from dask.distributed import wait

        done: set = set()
        while not done and self._futures:
            with interrupts_deferred():
                try:
                    done = wait(list(self._futures), timeout=POLL_S, return_when="FIRST_COMPLETED").done
                except TimeoutError:
                    continue
        finished: Finished = [(self._futures.pop(future), _outcome(future)) for future in done]
        for future in done:
            future.release()
        return finished

    @property
    def running(self) -> int:
        return len(self._futures)

    def close(self, cancel: bool = False) -> None:
        if cancel and self._futures:
            self._client.cancel(list(self._futures))
        self._client.close()
        if self._cluster is not None:
            self._cluster.close()
            for name, value in self._environ_before.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value


REPRODUCIBLE_PACKAGES = ("niche_abm", "mesa", "numpy", "scipy", "pandas", "pyabc")
"""Packages whose version decides a run's numbers (pyabc: a calibration's particles); a cluster's workers must match
this machine."""

Engine = LocalEngine | DaskEngine


def local_versions() -> dict[str, str]:
    return {name: metadata.version(name) for name in REPRODUCIBLE_PACKAGES}


def check_worker_versions(client, scheduler: str) -> None:
    """Refuse a cluster whose workers lack niche_abm or run other versions than this machine.

    The same batch and seed give the same numbers only with the same code, so
    a mismatch would silently change results. A cluster with no workers yet is
    not checked (Dask will start the runs when workers join).
    """
    expected = local_versions()
    for name, version in expected.items():
        found = client.run(metadata.version, name, on_error="return")
        for worker, answer in sorted(found.items()):
            if isinstance(answer, BaseException):
                raise ParameterError(
                    "--scheduler",
                    f"worker {worker} of {scheduler} cannot find {name} ({type(answer).__name__}); "
                    f"install niche_abm {expected['niche_abm']} with {name} {version} on every worker",
                )
            if answer != version:
                raise ParameterError(
                    "--scheduler",
                    f"worker {worker} of {scheduler} has {name} {answer} but this machine has {version}; "
                    "install the same versions on the workers so results stay reproducible",
                )


def _outcome(future) -> Any:
    """What a finished future's run returned, or the exception that ended it (lost worker, cancellation)."""
    try:
        return future.result()
    except Exception as error:
        return error


def make_engine(name: str | None, workers: int | None, scheduler: str | None, run: Run) -> Engine:
    """The engine asked for on the command line (--engine, --workers, --scheduler), computing run; --scheduler
    implies Dask, and no --engine means local processes."""
    count = workers or os.cpu_count() or 1
    if scheduler or name == "dask":
        return DaskEngine(count, run, scheduler)
    return LocalEngine(count, run)
