"""Shared machinery of the validation targets: cached runs, replicate statistics, figures.

In-vivo targets run on a 100 x 100 grid (1 mm², a quarter of the default area) for
60 days unless they claim for another size or length (T8: 180 days; T13: 100 x 100
and 200 x 200), so untreated controls can be shared between targets: a run (and a seed's co-culture
arms) is cached in memory per worker and, when the runner sets
``NICHE_VALIDATION_CACHE``, on disk, so a second worker reuses it instead of
simulating it again. The cache key holds every input of a run (scenario, seed, days,
drugs, overrides, grid), not the code: a cache folder serves one version of the model.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import pickle
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from niche_abm import stats
from niche_abm.experiment import RunDescription
from niche_abm.io import model_fingerprint, png_metadata
from niche_abm.scenario import load_scenario
from niche_abm.units import sites_to_mm2

GRID = (100, 100)
"""Validation grid, (width, height) in sites of 10 µm: 1 mm x 1 mm. A target that claims for another size
passes its own to simulate() and states it in its TOLERANCE."""

SCENARIO_GRID = (200, 200)
"""The grid the scenario files give their cell counts for (the default grid.width x grid.height)."""

AREA_SCALED = {
    "mm_advanced": ("mm.initial_count", "mm.initial_foci"),
    "mm_niche": ("mm.initial_count", "mm.initial_foci"),
}
"""Scenario counts scaled by area from SCENARIO_GRID to the grid simulated, so each scenario keeps its MM density
per mm² and the spacing of its foci on every grid: mm_niche's 600 MM cells in 6 foci become 150 in 2 foci on
100 x 100 (1.5 foci per mm² rounded to whole foci), mm_advanced's 3000 in 12 become 750 in 3; a target that needs
another count passes it as an override."""

DAYS = 60
"""Length of the in-vivo runs shared between targets, days."""

SNAPSHOT_EVERY_DAYS = 10
IN_VIVO_SEEDS = tuple(range(1, 25))
"""Seeds 1-24 for the in-vivo targets: the smallest count at which every in-vivo target that passes on seeds
1-40 passes in at least 90% of resampled seed sets (T11 0.90, T9 and T5 from 16; analysis/seed_power.py at 6629a3e,
decided before the validation was run on them). On 1-8 T5, T9 and T11 passed in 0.84, 0.50 and 0.23 of the sets
and flipped between blocks of seeds (docs/validation/blocks)."""
COCULTURE_SEEDS = tuple(range(1, 7))
"""Seeds 1-6 for the co-culture targets: T1 passes in 0.90 of resampled sets of 6 against 0.58 of sets of 3
(analysis/seed_power.py at 6629a3e)."""

CACHE_ENV = "NICHE_VALIDATION_CACHE"
FIGURE_ENV = "NICHE_VALIDATION_FIGURES"

_recorded: list[RunDescription] | None = None
"""The runs of the target being evaluated (:func:`recording_runs`), or None when no target is."""


@contextlib.contextmanager
def recording_runs() -> Iterator[list[RunDescription]]:
    """Collect the description of every run made through :func:`simulate`, :func:`coculture_table` and
    :func:`culture` inside the block, whether computed or read from a cache."""
    global _recorded
    _recorded = []
    try:
        yield _recorded
    finally:
        _recorded = None


def _record(description: RunDescription) -> None:
    if _recorded is not None:
        _recorded.append(description)


def runs_record(descriptions: list[RunDescription]) -> dict:
    """The runs of a target as plain data for its entry: each run (scenario, overrides, drugs, seed, days) naming
    its parameter set, and each distinct set of every parameter value once."""
    parameter_sets: dict[str, dict] = {}
    runs = []
    for record in (description.record() for description in descriptions):
        parameters = record.pop("parameters")
        key = hashlib.sha1(json.dumps(parameters, sort_keys=True, default=str).encode()).hexdigest()[:12]
        parameter_sets.setdefault(key, parameters)
        runs.append(record | {"parameter_set": key})
    return {"runs": runs, "parameter_sets": parameter_sets}


@dataclass(frozen=True)
class Run:
    """One simulated run: daily metrics, final counters and state snapshots every 10 days.

    snapshots maps a day to ``model.snapshot()`` (occupancy, marrow, bone_surface, bone_template, bone_fraction).
    """

    series: pd.DataFrame
    counters: dict
    snapshots: dict[int, dict[str, np.ndarray]]


def tissue_area_mm2(grid: tuple[int, int] = GRID) -> float:
    """Area of a grid of (width, height) sites, mm²."""
    return sites_to_mm2(grid[0] * grid[1])


def area_scaled_counts(scenario: str, grid: tuple[int, int]) -> dict[str, int]:
    """The scenario's counts named in AREA_SCALED, scaled from SCENARIO_GRID to grid by area (to the nearest whole
    number, halves up; at least one focus)."""
    keys = AREA_SCALED.get(scenario, ())
    if not keys:
        return {}
    params = load_scenario(scenario).params
    factor = (grid[0] * grid[1]) / (SCENARIO_GRID[0] * SCENARIO_GRID[1])
    scaled = {key: int(np.floor(params[key] * factor + 0.5)) for key in keys}  # halves round up
    if "mm.initial_foci" in scaled:
        scaled["mm.initial_foci"] = max(scaled["mm.initial_foci"], 1)
    return scaled


def simulate(
    scenario: str,
    seed: int,
    days: int = DAYS,
    drugs: tuple[str, ...] = (),
    overrides: dict | None = None,
    grid: tuple[int, int] = GRID,
) -> Run:
    """Run a scenario on a grid with the given regimens and parameter overrides (memory and disk cached).

    Args:
        scenario: a scenario name (scenarios/*.toml).
        seed: model seed.
        days: simulated days.
        drugs: regimens in the command-line syntax (niche_abm.drugs.regimen).
        overrides: parameter overrides by dotted name, applied after the area scaling (not grid.*: use grid).
        grid: (width, height) in sites.
    """
    overrides = dict(overrides or {})
    grid_keys = sorted(k for k in overrides if k.startswith("grid."))
    if grid_keys:
        raise ValueError(f"simulate overrides: got {', '.join(grid_keys)}; give the grid size as grid=(width, height)")
    key = (scenario, seed, days, tuple(drugs), tuple(sorted(overrides.items())), tuple(grid))
    _record(_description(*key))
    return _simulate(*key)


@functools.lru_cache(maxsize=256)
def _description(
    scenario: str, seed: int, days: int, drugs: tuple[str, ...], overrides: tuple, grid: tuple[int, int]
) -> RunDescription:
    """The run simulate() makes: the scenario on the grid, its counts scaled by area, then the overrides (kept, so
    a run simulate() is asked for again, to record or to compute, reads its scenario file once)."""
    size = {"grid.width": grid[0], "grid.height": grid[1]}
    settings = {**size, **area_scaled_counts(scenario, grid), **dict(overrides)}
    snapshot_days = tuple(range(SNAPSHOT_EVERY_DAYS, days + 1, SNAPSHOT_EVERY_DAYS))
    return RunDescription(scenario, settings, drugs, seed, days, snapshot_days)


@functools.lru_cache(maxsize=64)
def _simulate(
    scenario: str, seed: int, days: int, drugs: tuple[str, ...], overrides: tuple, grid: tuple[int, int]
) -> Run:
    def compute() -> Run:
        result = _description(scenario, seed, days, drugs, overrides, grid).run()
        return Run(result.timeseries, result.counters, result.snapshots)

    return disk_cached((scenario, seed, days, drugs, overrides, grid), compute)


def kept_runs_folder(runs: Path) -> Path:
    """Where runs kept in the folder `runs` for this model live: runs/<model fingerprint>, made if missing; a
    validation (``--runs``) and analysis/seed_power share it, and a change to the model starts a new one."""
    folder = Path(runs).resolve() / model_fingerprint()
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def disk_cached(key: tuple, compute):
    """compute(), or what it returned before for the same key when ``NICHE_VALIDATION_CACHE`` names a folder
    (written whole, so workers sharing the folder never read half a file); key holds every input of the run."""
    cache_dir = os.environ.get(CACHE_ENV)
    digest = hashlib.sha1(repr(key).encode()).hexdigest()[:16]
    path = Path(cache_dir) / f"{digest}.pkl" if cache_dir else None
    if path is not None and path.is_file():
        with path.open("rb") as handle:
            return pickle.load(handle)
    value = compute()
    if path is not None:
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        with tmp.open("wb") as handle:
            pickle.dump(value, handle)
        tmp.replace(path)
    return value


# --- statistics: computed in niche_abm.stats, under the names the targets use ------------------
interval = stats.mean_interval
"""Mean and 95% t-interval of replicate values (mean, low, high); NaN bounds below two finite values."""

difference_interval = stats.welch_difference
"""Difference of means treated − control and its Welch t-interval (difference, low, high)."""

rank_correlation = stats.rank_correlation
"""Spearman's rank correlation of paired values and its 95% bootstrap interval (rho, low, high)."""

ratio_of_means = stats.ratio_of_means
"""mean(treated) / mean(control) of arms run with the same seeds and its 95% paired bootstrap interval."""


def fmt(values, unit: str = "", digits: int = 3) -> str:
    """'mean [low, high] unit' with n, the number of finite values they were taken over, for the report."""
    mean, low, high = interval(values)
    g = f"{{:.{digits}g}}"
    n = len(stats.finite(values))
    return f"{g.format(mean)} [{g.format(low)}, {g.format(high)}]{(' ' + unit) if unit else ''} (n={n})"


def excludes_zero_below(values) -> bool:
    """The 95% interval of the mean lies entirely below zero."""
    _, _, high = interval(values)
    return bool(np.isfinite(high) and high < 0)


def excludes_zero_above(values) -> bool:
    """The 95% interval of the mean lies entirely above zero."""
    _, low, _ = interval(values)
    return bool(np.isfinite(low) and low > 0)


def relative_change(treated, control) -> np.ndarray:
    """Per-seed (paired) relative change treated / control − 1 (NaN where the control is zero)."""
    t, c = np.asarray(treated, float), np.asarray(control, float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(c != 0, t / c - 1.0, np.nan)


def window_mean(series: pd.DataFrame, column: str, first_day: float, last_day: float) -> float:
    """Mean of a daily column over first_day ≤ day ≤ last_day."""
    rows = series[(series["day"] >= first_day) & (series["day"] <= last_day)]
    return float(rows[column].mean())


def second_half_mean(series: pd.DataFrame, column: str) -> float:
    """Mean of a daily column over the second half of the run (days > last day / 2)."""
    last = float(series["day"].max())
    return window_mean(series, column, last / 2 + 1e-9, last)


def at_day(series: pd.DataFrame, column: str, day: float) -> float:
    return float(series.loc[series["day"] == day, column].iloc[0])


# --- figures --------------------------------------------------------------------------------
def figure_path(name: str) -> Path:
    """Where a target writes its figure (the runner's out_dir/figures, else results/validation/figures)."""
    folder = Path(os.environ.get(FIGURE_ENV, "results/validation/figures"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder / name


def bar_figure(name: str, panels: list[tuple[str, dict[str, list[float]]]], title: str) -> str:
    """One panel per measure, one bar per arm with its 95% interval and the replicates as dots; returns the path."""
    fig = Figure(figsize=(3.2 * len(panels), 3.4), layout="constrained")
    axes = fig.subplots(1, len(panels), squeeze=False)[0]
    for ax, (ylabel, arms) in zip(axes, panels, strict=True):
        for i, values in enumerate(arms.values()):
            mean, low, high = interval(values)
            err = [[mean - low], [high - mean]] if np.isfinite(low) else None
            ax.bar(i, mean, color=f"C{i}", alpha=0.6, yerr=err, capsize=4)
            ax.plot(np.full(len(values), i), values, "k.", ms=3)
        ax.set_xticks(range(len(arms)), list(arms), rotation=30, ha="right", fontsize=7)
        ax.set_ylabel(ylabel, fontsize=8)
    fig.suptitle(title, fontsize=9)
    path = figure_path(name)
    fig.savefig(path, dpi=110, metadata=png_metadata())
    return str(path)


def timecourse_figure(name: str, panels: list[tuple[str, dict[str, list[pd.Series]]]], title: str) -> str:
    """Per panel, the mean daily course of each arm with its 95% band over seeds; returns the path."""
    fig = Figure(figsize=(3.6 * len(panels), 3.2), layout="constrained")
    axes = fig.subplots(1, len(panels), squeeze=False)[0]
    for ax, (ylabel, arms) in zip(axes, panels, strict=True):
        for i, (arm, courses) in enumerate(arms.items()):
            table = np.vstack([c.to_numpy(float) for c in courses])
            days = courses[0].index.to_numpy(float)
            bounds = np.array([interval(col) for col in table.T])
            ax.plot(days, bounds[:, 0], color=f"C{i}", label=arm)
            ax.fill_between(days, bounds[:, 1], bounds[:, 2], color=f"C{i}", alpha=0.2)
        ax.set_xlabel("day", fontsize=8)
        ax.set_ylabel(ylabel, fontsize=8)
        ax.legend(fontsize=7)
    fig.suptitle(title, fontsize=9)
    path = figure_path(name)
    fig.savefig(path, dpi=110, metadata=png_metadata())
    return str(path)


def trend_figure(name: str, panels: list[tuple[str, dict[float, list[float]]]], xlabel: str, title: str) -> str:
    """Per panel, every replicate as a dot at its x and the mean with its 95% interval per x; returns the path."""
    fig = Figure(figsize=(3.4 * len(panels), 3.2), layout="constrained")
    axes = fig.subplots(1, len(panels), squeeze=False)[0]
    for ax, (ylabel, groups) in zip(axes, panels, strict=True):
        xs = np.array(sorted(groups), float)
        bounds = np.array([interval(groups[x]) for x in sorted(groups)])
        for x in sorted(groups):
            ax.plot(np.full(len(groups[x]), x), groups[x], "k.", ms=3, alpha=0.6)
        err = np.abs(bounds[:, 1:] - bounds[:, :1]).T
        ax.errorbar(xs, bounds[:, 0], yerr=np.nan_to_num(err), color="C0", marker="o", capsize=4)
        ax.set_xlabel(xlabel, fontsize=8)
        ax.set_ylabel(ylabel, fontsize=8)
    fig.suptitle(title, fontsize=9)
    path = figure_path(name)
    fig.savefig(path, dpi=110, metadata=png_metadata())
    return str(path)


def course(run: Run, column: str) -> pd.Series:
    """A daily column indexed by day."""
    return run.series.set_index("day")[column]


def coculture_table(seeds: tuple[int, ...]) -> pd.DataFrame:
    """Every co-culture arm (niche_abm.coculture.ARMS) for every seed, 48 h: one row each."""
    from niche_abm.coculture import ARMS, description

    for seed in seeds:
        for arm in ARMS:
            _record(description(arm, seed))
    return pd.DataFrame([row for seed in seeds for row in _coculture_rows(seed)])


@functools.lru_cache(maxsize=64)
def _coculture_rows(seed: int) -> list[dict[str, float]]:
    """Every co-culture arm cultured 48 h on one seed (memory and disk cached like simulate)."""
    from niche_abm.coculture import ARMS, run_arm

    return disk_cached(("coculture", seed), lambda: [run_arm(arm, seed) for arm in ARMS])


def culture(arm, seed: int, hours: int = 48) -> dict[str, float]:
    """One co-culture well of an arm (niche_abm.coculture.run_arm), not cached."""
    from niche_abm.coculture import description, run_arm

    _record(description(arm, seed, hours))
    return run_arm(arm, seed, hours)


def arm_values(table: pd.DataFrame, arm: str, column: str) -> list[float]:
    """One measure of one co-culture arm, ordered by seed."""
    return table[table["arm"] == arm].sort_values("seed", kind="stable")[column].tolist()
