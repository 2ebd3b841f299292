"""The engines of a sweep: the engines of :mod:`niche_abm.engines`, computing sweep runs (simulate_run)."""

from __future__ import annotations

from niche_abm import engines
from niche_abm.engines import Run
from niche_abm.sweep.worker import simulate_run


class LocalEngine(engines.LocalEngine):
    """Worker processes on this machine computing sweep runs (or another run function, for tests)."""

    def __init__(self, workers: int, run: Run = simulate_run):
        super().__init__(workers, run)


class DaskEngine(engines.DaskEngine):
    """A Dask cluster (at scheduler, or a local one of workers processes) computing sweep runs."""

    def __init__(self, workers: int, scheduler: str | None = None, run: Run = simulate_run):
        super().__init__(workers, run, scheduler)


def make_engine(name: str | None, workers: int | None, scheduler: str | None) -> engines.Engine:
    """The engine asked for on the command line, computing sweep runs; --scheduler implies Dask."""
    return engines.make_engine(name, workers, scheduler, simulate_run)
