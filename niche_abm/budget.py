"""Memory and time a piece of work needs, estimated before anything is allocated, and the limits it must fit.

One run in one process needs about::

    memory ≈ 200 MB + 0.9 kB a site + 1 kB a cell
    time   ≈ 4 µs a site to build + (1.5 ms + 120 ns a site + 0.5 µs a cell) a step (one step = 1 h)

``python analysis/bench_budget.py`` measures runs from 100 x 100 to 1,000 x 1,000 sites (on a 2-core machine,
after issue 12's DKK1, VEGF and IL-6 fields: e.g. 1,000 x 1,000 sites with 57,869 cells peaked at 1.06 GB and
took 149 ms a step); the model rounds its fit up, so its memory lies 5–25% above each measured peak and its step time
within 30% of each measured one. The cells are those seeded at the model's default densities (about 0.055 a
site: stroma, vessels, precursors) plus the MM cells, which grow about 3.5-fold in 60 days (T17: mm_niche's MM
x3.49 in 60 days, human kinetics) up to one a marrow site. A batch's driver process holds about 2 kB for each
run it plans, besides its own 200 MB.

The limits: no process may need more than ``--max-memory-gb`` (default 2 GB: room for the 1,000 x 1,000
marrow, yet a mistyped grid cannot take a shared machine's memory), all processes together no more than the
memory available now, and the work no longer than ``--max-hours`` (default 24 h) of wall time.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import psutil

from niche_abm.params import ParameterError

BASE_MB = 200.0
"""A process with niche_abm and its libraries imported, MB."""
SITE_KB = 0.9
CELL_KB = 1.0
PLANNED_RUN_KB = 2.0
"""Memory of one planned run in a batch's driver (its task, design row and status), kB."""
BUILD_US_PER_SITE = 4.0
STEP_MS = 1.5
STEP_NS_PER_SITE = 120.0
STEP_US_PER_CELL = 0.5
CELLS_PER_SITE = 0.055
"""Stroma, vessels and precursors seeded at the default densities, cells per site."""
MM_GROWTH_PER_60_DAYS = 3.5

DEFAULT_MAX_MEMORY_GB = 2.0
DEFAULT_MAX_HOURS = 24.0


@dataclass(frozen=True)
class Estimate:
    """What a piece of work needs.

    Attributes:
        process_gb: peak memory of its largest process, GB.
        total_gb: peak memory of all its processes together, GB.
        hours: wall time, h.
    """

    process_gb: float
    total_gb: float
    hours: float

    def __str__(self) -> str:
        together = f" ({self.total_gb:.1f} GB in all)" if self.total_gb > self.process_gb * 1.01 else ""
        return f"{self.process_gb:.1f} GB a process{together} and {duration(self.hours)}"


@dataclass(frozen=True)
class Limits:
    """What a piece of work may need.

    Attributes:
        process_gb: memory of any one process, GB (--max-memory-gb).
        available_gb: memory of all processes together: what this machine has available, GB.
        hours: wall time, h (--max-hours).
    """

    process_gb: float
    available_gb: float
    hours: float

    @classmethod
    def here(cls, process_gb: float = DEFAULT_MAX_MEMORY_GB, hours: float = DEFAULT_MAX_HOURS) -> Limits:
        """The limits on this machine now: the given ones and the memory available."""
        return cls(process_gb, psutil.virtual_memory().available / 1e9, hours)

    def __str__(self) -> str:
        return (
            f"{self.process_gb:g} GB a process (--max-memory-gb), {self.available_gb:.1f} GB available on this "
            f"machine, {duration(self.hours)} (--max-hours)"
        )


def duration(hours: float) -> str:
    """A duration as a person reads it: seconds, minutes, hours or days."""
    if hours < 1 / 60:
        return f"{hours * 3600:.0f} s"
    if hours < 1:
        return f"{hours * 60:.0f} min"
    if hours < 48:
        return f"{hours:.1f} h"
    return f"{hours / 24:,.0f} days"


def peak_cells(sites: int, mm_cells: int, bv_tv: float, days: float) -> float:
    """Cells at the end of a run: the seeded background plus the MM cells grown for `days` (at most the marrow)."""
    marrow = (1.0 - bv_tv) * sites
    grown = mm_cells * MM_GROWTH_PER_60_DAYS ** (days / 60.0)
    return CELLS_PER_SITE * sites + min(grown, marrow)


def run_memory_gb(sites: int, cells: float) -> float:
    """Peak memory of one run's process, GB."""
    return (BASE_MB + SITE_KB * sites / 1e3 + CELL_KB * cells / 1e3) / 1e3


def run_hours(sites: int, cells: float, days: float) -> float:
    """Wall time of one run, h: building the marrow, then one step an hour."""
    step_s = STEP_MS / 1e3 + STEP_NS_PER_SITE * sites / 1e9 + STEP_US_PER_CELL * cells / 1e6
    seconds = BUILD_US_PER_SITE * sites / 1e6 + days * 24 * step_s
    return seconds / 3600


def estimate_run(width: int, height: int, mm_cells: int, bv_tv: float, days: float) -> Estimate:
    """One run of `days` days on width x height sites with mm_cells MM cells at the start, in its own process."""
    sites = width * height
    cells = peak_cells(sites, mm_cells, bv_tv, days)
    memory = run_memory_gb(sites, cells)
    return Estimate(memory, memory, run_hours(sites, cells, days))


def estimate_batch(run: Estimate, runs: int, workers: int, workers_here: int) -> Estimate:
    """`runs` runs like `run` on `workers` worker processes, `workers_here` of them on this machine (0 on a remote
    cluster), planned and stored by a driver process."""
    driver = (BASE_MB + PLANNED_RUN_KB * runs / 1e3) / 1e3
    in_parallel = min(workers, runs)
    total = driver + run.process_gb * min(workers_here, runs)
    return Estimate(max(driver, run.process_gb), total, run.hours * math.ceil(runs / in_parallel))


def check_fits(what: str, estimate: Estimate, limits: Limits) -> None:
    """Raise ParameterError(what, ...) stating the estimate and the limits unless the work fits all of them."""
    fits = (
        estimate.process_gb <= limits.process_gb
        and estimate.total_gb <= limits.available_gb
        and estimate.hours <= limits.hours
    )
    if not fits:
        raise ParameterError(what, f"needs an estimated {estimate}; allowed: {limits}")
