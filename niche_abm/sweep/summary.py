"""``run.py summarize DIR``: statistics, figures and sensitivity indices of a sweep.

Everything lands in DIR/summary/:

- final_metrics.csv: per arm and parameter point, the last day's metrics and the
  BV/TV loss (percentage points since day 0): n, mean, SD and the 95% confidence
  interval of the mean (Student's t with n − 1 degrees of freedom).
- time_courses.csv: the same statistics for every metric on every day.
- contrasts.csv (two or more arms): each arm against the first (the reference)
  at every parameter point, as paired differences. Replicate r has the same
  seed in every arm (common random numbers), so the difference arm − reference
  is taken replicate by replicate: the noise the arms share cancels, so its
  95% t-interval is narrower than the arms' intervals side by side suggest.
- time_courses.png: BV/TV, RANKL/OPG and MM burden over time, mean with 95% CI
  band; one row of panels per arm, one line per parameter point.
- response.png: BV/TV loss against each varied parameter (per arm), or per arm
  when nothing is varied (a dose–response when the arms are doses); with two or
  more arms, a second row shows the paired effect of each arm with its 95% CI.
- sensitivity.csv, sensitivity.png (Sobol' and Morris designs): the indices of
  BV/TV loss per arm with their 95% confidence intervals (SALib's bootstrap).
  Each point's output is the mean loss over its replicates.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib import colormaps
from matplotlib.figure import Figure
from matplotlib.ticker import NullFormatter
from SALib.analyze import morris as morris_analysis
from SALib.analyze import sobol as sobol_analysis

from niche_abm import io
from niche_abm.folders import atomic_text, atomic_write
from niche_abm.params import ParameterError
from niche_abm.stats import describe
from niche_abm.sweep.design import salib_problem, sample_matrix
from niche_abm.sweep.spec import SweepSpec
from niche_abm.sweep.store import SweepStore

LOSS = "bv_tv_loss"
"""Derived outcome: BV/TV on day 0 minus BV/TV on the last day, percentage points."""
SHOWN = (("bv_tv", "BV/TV (%)"), ("rankl_opg_ratio", "RANKL/OPG"), ("n_mm", "MM cells"))
MAX_LINES = 8
"""More points than this and the time-course figure pools each arm over its points."""


def final_values(timeseries: pd.DataFrame, metrics: list[str]) -> pd.DataFrame:
    """The last day of every run, with BV/TV loss since day 0."""
    ordered = timeseries.sort_values(["run", "day"])
    first = ordered.groupby("run", sort=True).first()
    last = ordered.groupby("run", sort=True).last()
    last[LOSS] = first["bv_tv"] - last["bv_tv"]
    return last.reset_index()[["run", "arm", "point", "replicate", *metrics, LOSS]]


def paired_contrasts(finals: pd.DataFrame, spec: SweepSpec, varied: list[str], outcomes: list[str]) -> pd.DataFrame:
    """Every arm minus the first arm, replicate by replicate at each point: n, mean, SD, 95% CI.

    Runs are paired on (point, replicate), which share a seed across arms; a
    pair with either run missing is left out.
    """
    reference, *others = spec.arms
    keys = ["point", "replicate"]
    base = finals[finals["arm"] == reference].set_index(keys)
    rows = []
    for arm in others:
        treated = finals[finals["arm"] == arm].set_index(keys)
        common = treated.index.intersection(base.index)
        difference = treated.loc[common, outcomes] - base.loc[common, outcomes]
        difference = difference.join(treated.loc[common, varied]).reset_index()
        long = difference.melt(id_vars=["point", *varied], value_vars=outcomes, var_name="metric")
        stats_ = long.groupby(["point", *varied, "metric"], sort=True)["value"].apply(describe).unstack()
        stats_ = stats_.reset_index()
        stats_.insert(0, "reference", reference)
        stats_.insert(0, "arm", arm)
        rows.append(stats_)
    table = pd.concat(rows, ignore_index=True)
    table["n"] = table["n"].astype(int)
    return table


def summarize(folder: Path) -> list[Path]:
    """Write the summary tables and figures of the sweep in folder; returns the files written."""
    store = SweepStore(folder)
    manifest, spec = store.recorded("folder")
    timeseries = store.timeseries()
    if timeseries.empty:
        raise ParameterError("folder", f"{folder} has no finished runs yet")
    design = store.design()
    varied = list(spec.varied)
    metrics = [m for m in spec.metrics if m in timeseries.columns]
    groups = ["arm", "point", *varied]
    finals = final_values(timeseries, metrics).merge(design[["run", *varied]], on="run")
    final_stats = _long_stats(finals, groups, [*metrics, LOSS])
    contrasts = paired_contrasts(finals, spec, varied, [*metrics, LOSS]) if len(spec.arms) > 1 else None
    tables = {
        "final_metrics.csv": final_stats,
        "time_courses.csv": _long_stats(timeseries, [*groups, "day"], metrics),
    }
    if contrasts is not None:
        tables["contrasts.csv"] = contrasts
    figures = {
        "time_courses.png": time_course_figure(timeseries, spec, varied),
        "response.png": response_figure(final_stats, finals, contrasts, spec, varied),
    }
    notes = []
    if spec.design in ("sobol", "morris"):
        try:
            indices = sensitivity(finals, spec)
        except ParameterError as error:
            notes.append(f"sensitivity indices skipped: {error.message}")
        else:
            tables["sensitivity.csv"] = indices
            figures["sensitivity.png"] = sensitivity_figure(indices, spec)
    out = folder / "summary"
    for name, table in tables.items():
        atomic_write(out / name, lambda tmp, table=table: table.to_csv(tmp, index=False))
    for name, fig in figures.items():
        atomic_write(
            out / name, lambda tmp, fig=fig: fig.savefig(tmp, dpi=120, format="png", metadata=io.png_metadata())
        )
    summary_manifest = {
        "sweep": spec.name,
        "fingerprint": manifest["fingerprint"],
        "runs_included": int(timeseries["run"].nunique()),
        "runs_in_sweep": manifest["runs"],
        "notes": notes,
        "sweep_manifest": manifest,  # the runs summarised: the sweep, its seed, base parameters, versions, commit
        **io.provenance(),
    }
    atomic_text(out / "manifest.json", json.dumps(summary_manifest, indent=2) + "\n")
    return [out / name for name in (*tables, *figures, "manifest.json")]


def _long_stats(table: pd.DataFrame, groups: list[str], metrics: list[str]) -> pd.DataFrame:
    long = table.melt(id_vars=groups, value_vars=metrics, var_name="metric")
    result = long.groupby([*groups, "metric"], sort=True, observed=True)["value"].apply(describe).unstack()
    result = result.reset_index()
    result["n"] = result["n"].astype(int)
    return result


def _point_label(row: pd.Series, varied: list[str]) -> str:
    return ", ".join(f"{name.split('.', 1)[1]}={row[name]:.3g}" for name in varied) or "all runs"


def time_course_figure(timeseries: pd.DataFrame, spec: SweepSpec, varied: list[str]):
    """Mean with 95% CI band of BV/TV, RANKL/OPG and MM burden over time.

    One row of panels per arm (axes shared down each column), one line per
    parameter point coloured along the points' order. With more than MAX_LINES
    points, or a sampled design, each arm is pooled over its points and all
    arms share one row.
    """
    shown = [(m, label) for m, label in SHOWN if m in timeseries.columns]
    n_points = timeseries["point"].nunique()
    pooled = n_points > MAX_LINES or (spec.design != "grid" and bool(varied))
    arms = [arm for arm in spec.arms if arm in set(timeseries["arm"])]
    rows = [None] if pooled else arms
    keys = ["arm"] if pooled else ["arm", "point", *varied]
    course = _long_stats(timeseries, [*keys, "day"], [m for m, _ in shown])
    fig = Figure(figsize=(4.8 * len(shown), 3.3 * len(rows) + 0.6), layout="constrained")
    axes = fig.subplots(len(rows), len(shown), squeeze=False, sharex=True, sharey="col")
    for row_axes, arm in zip(axes, rows, strict=True):
        for ax, (metric, label) in zip(row_axes, shown, strict=True):
            data = course[course["metric"] == metric]
            if arm is not None:
                data = data[data["arm"] == arm]
            lines = list(data.groupby(keys[1:] if arm is not None else keys, sort=True, observed=True))
            colours = _line_colours(len(lines), sequential=arm is not None and len(lines) > 1)
            for colour, (_, group) in zip(colours, lines, strict=True):
                first = group.iloc[0]
                name = first["arm"] if arm is None else _point_label(first, varied)
                ax.plot(group["day"], group["mean"], color=colour, label=name, lw=1.6)
                ax.fill_between(group["day"], group["ci_low"], group["ci_high"], color=colour, alpha=0.18, lw=0)
            ax.set_title(label if arm is None else f"{arm}: {label}", fontsize=10)
            ax.grid(alpha=0.3)
        row_axes[0].legend(fontsize=7, loc="best")
    for ax in axes[-1]:
        ax.set_xlabel("day")
    grouping = "each arm pooled over its points" if pooled else f"{spec.replicates} replicates per line"
    fig.suptitle(f"{spec.name}: mean and 95% CI, {grouping}")
    return fig


def _line_colours(n: int, sequential: bool) -> list:
    """Ordered colours for parameter points (viridis), distinct ones for arms (tab10)."""
    if sequential:
        return [colormaps["viridis"](x) for x in np.linspace(0.0, 0.85, n)]
    palette = colormaps["tab10"] if n <= 10 else colormaps["viridis"].resampled(n)
    return [palette(i) for i in range(n)]


def response_figure(
    final_stats: pd.DataFrame, finals: pd.DataFrame, contrasts: pd.DataFrame | None, spec: SweepSpec, varied: list[str]
):
    """BV/TV loss against each varied parameter, per arm; below it, each arm's paired effect.

    Grid designs: mean ± 95% CI at each value, joined by lines. Sampled designs:
    every run as a dot (points differ in every parameter, so a per-value mean
    means nothing). Nothing varied: one bar per arm with its 95% CI, a
    dose–response when the arms are doses. The effect row (two or more arms)
    shows arm − reference BV/TV loss, paired by replicate, with its 95% CI.
    """
    loss = final_stats[final_stats["metric"] == LOSS]
    panels = varied or [None]
    columns = min(3, len(panels))
    blocks = -(-len(panels) // columns)
    effects = contrasts is not None and (spec.design == "grid" or not varied)
    rows = blocks * (2 if effects else 1)
    fig = Figure(figsize=(5.2 * columns, 3.8 * rows), layout="constrained")
    grid = fig.subplots(rows, columns, squeeze=False)
    for ax in grid.ravel():
        ax.set_visible(False)
    for i, name in enumerate(panels):
        block, column = divmod(i, columns)
        top = grid[block * (2 if effects else 1), column]
        top.set_visible(True)
        _loss_panel(top, name, loss, finals, spec)
        if effects:
            bottom = grid[block * 2 + 1, column]
            bottom.set_visible(True)
            _effect_panel(bottom, name, contrasts[contrasts["metric"] == LOSS], spec)
    shown = "mean and 95% CI" if spec.design == "grid" or not varied else "one dot per run"
    fig.suptitle(f"{spec.name}: bone lost by day {spec.days}, {shown}")
    return fig


def _loss_panel(ax, name: str | None, loss: pd.DataFrame, finals: pd.DataFrame, spec: SweepSpec) -> None:
    if name is None:
        _arm_bars(ax, loss.set_index("arm").loc[list(spec.arms)], colour="#b5651d")
    elif spec.design == "grid":
        for arm, group in loss.groupby("arm", sort=False, observed=True):
            _errorbar(ax, group.sort_values(name), name, arm)
    else:
        for arm, group in finals.groupby("arm", sort=False, observed=True):
            ax.plot(group[name], group[LOSS], "o", ms=3, alpha=0.6, label=arm)
    _axes_style(ax, name, spec, "BV/TV loss (percentage points)")


def _effect_panel(ax, name: str | None, effect: pd.DataFrame, spec: SweepSpec) -> None:
    reference = next(iter(spec.arms))
    if name is None:
        _arm_bars(ax, effect.set_index("arm"), colour="#4a7ab5")
    else:
        colours = colormaps["tab10"]
        for i, (arm, group) in enumerate(effect.groupby("arm", sort=False, observed=True)):
            _errorbar(ax, group.sort_values(name), name, f"{arm} − {reference}", colour=colours(i + 1))
    _axes_style(ax, name, spec, f"effect on BV/TV loss vs {reference} (pp)")
    ax.set_title("paired by replicate (same seeds)", fontsize=9)


def _errorbar(ax, group: pd.DataFrame, x: str, label: str, colour=None) -> None:
    errors = [group["mean"] - group["ci_low"], group["ci_high"] - group["mean"]]
    ax.errorbar(group[x], group["mean"], yerr=errors, fmt="o-", capsize=3, ms=4, label=label, color=colour)


def _axes_style(ax, name: str | None, spec: SweepSpec, ylabel: str) -> None:
    if name is not None:
        if _geometric(name, spec):
            ax.set_xscale("log")
            if name in spec.grid_values:
                values = spec.grid_values[name]
                ax.set_xticks(values, [f"{v:g}" for v in values])
                ax.xaxis.set_minor_formatter(NullFormatter())
        ax.set_xlabel(name)
        ax.legend(fontsize=8)
    ax.set_ylabel(ylabel)
    ax.axhline(0.0, color="grey", lw=0.8)
    ax.grid(alpha=0.3)


def _geometric(name: str, spec: SweepSpec) -> bool:
    """A log axis for a log range, or for a grid of positive values with constant ratios (1, 2, 4, 8)."""
    if name in spec.ranges:
        return spec.ranges[name].scale == "log"
    values = np.sort(np.asarray(spec.grid_values[name], dtype=float))
    if len(values) < 3 or values[0] <= 0:
        return False
    ratios = values[1:] / values[:-1]
    return bool(np.allclose(ratios, ratios[0], rtol=1e-6) and ratios[0] > 1.0)


def _arm_bars(ax, rows: pd.DataFrame, colour: str) -> None:
    errors = [rows["mean"] - rows["ci_low"], rows["ci_high"] - rows["mean"]]
    ax.bar(rows.index, rows["mean"], yerr=errors, capsize=4, color=colour, alpha=0.8)
    ax.set_xlabel("arm")
    ax.tick_params(axis="x", rotation=30)


def sensitivity(finals: pd.DataFrame, spec: SweepSpec) -> pd.DataFrame:
    """Sobol' (S1, ST) or Morris (mu*, sigma) indices of BV/TV loss per arm, with 95% CIs."""
    problem = salib_problem(spec)
    matrix = sample_matrix(spec)
    n_points = len(matrix)
    rows = []
    for arm in spec.arms:
        per_point = finals[finals["arm"] == arm].groupby("point")[LOSS].mean().reindex(range(n_points))
        missing = int(per_point.isna().sum())
        if missing:
            raise ParameterError(
                "folder", f"arm {arm!r} lacks {missing} of {n_points} points; finish the sweep (--resume) first"
            )
        y = per_point.to_numpy()
        if spec.design == "sobol":
            result = sobol_analysis.analyze(problem, y, calc_second_order=False, seed=spec.seed % 2**32)
            for i, name in enumerate(problem["names"]):
                for index in ("S1", "ST"):
                    value, half = result[index][i], result[f"{index}_conf"][i]
                    rows.append(_index_row(arm, name, index, value, half))
        else:
            result = morris_analysis.analyze(problem, matrix, y, num_levels=spec.levels, seed=spec.seed % 2**32)
            for i, name in enumerate(problem["names"]):
                rows.append(_index_row(arm, name, "mu_star", result["mu_star"][i], result["mu_star_conf"][i]))
                rows.append(_index_row(arm, name, "sigma", result["sigma"][i], np.nan))
    return pd.DataFrame(rows)


def _index_row(arm: str, parameter: str, index: str, value: float, half: float) -> dict:
    return {
        "arm": arm,
        "parameter": parameter,
        "index": index,
        "value": float(value),
        "ci_low": float(value - half),
        "ci_high": float(value + half),
    }


def sensitivity_figure(indices: pd.DataFrame, spec: SweepSpec):
    """Bars of each index per parameter with 95% CIs, one panel per arm."""
    arms = list(spec.arms)
    fig = Figure(figsize=(5.8 * len(arms), 4.2), layout="constrained")
    axes = fig.subplots(1, len(arms), squeeze=False)
    shown = ["S1", "ST"] if spec.design == "sobol" else ["mu_star"]
    for ax, arm in zip(axes[0], arms, strict=True):
        data = indices[(indices["arm"] == arm) & indices["index"].isin(shown)]
        names = list(dict.fromkeys(data["parameter"]))
        width = 0.8 / len(shown)
        for j, index in enumerate(shown):
            rows = data[data["index"] == index].set_index("parameter").loc[names]
            x = np.arange(len(names)) + (j - (len(shown) - 1) / 2) * width
            errors = [rows["value"] - rows["ci_low"], rows["ci_high"] - rows["value"]]
            ax.bar(x, rows["value"], width, yerr=errors, capsize=3, label=index)
        ax.set_xticks(np.arange(len(names)), names, rotation=30, ha="right", fontsize=8)
        ax.set_ylabel("index of BV/TV loss" if spec.design == "sobol" else "mu* (pp BV/TV loss)")
        ax.set_title(f"{arm}")
        ax.axhline(0.0, color="grey", lw=0.8)
        ax.legend(fontsize=8)
    kind = "Sobol' first (S1) and total (ST) order" if spec.design == "sobol" else "Morris mu*"
    fig.suptitle(f"{spec.name}: {kind} sensitivity of BV/TV loss, 95% CI")
    return fig
