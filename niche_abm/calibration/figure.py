"""The calibration's figure: each parameter's posterior by generation, each readout against its data, the
tolerance by generation."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib import ticker
from pyabc.visualization.kde import kde_1d

from niche_abm.calibration.simulator import particle_name
from niche_abm.calibration.spec import CalibrationSpec
from niche_abm.io import png_metadata

GRID_POINTS = 200


def draw_posterior(spec: CalibrationSpec, table: pd.DataFrame, summary: dict[str, Any], path: Path) -> None:
    """Save the figure to path (PNG, with the project's provenance)."""
    panels = len(spec.prior) + len(spec.data) + 1
    fig, axes = plt.subplots(1, panels, figsize=(4.2 * panels, 3.6), squeeze=False)
    axes = axes[0]
    last = int(table["generation"].max())
    colours = plt.cm.viridis(np.linspace(0.15, 0.9, last + 1))
    for ax, (name, prior) in zip(axes, spec.prior.items(), strict=False):
        _parameter_panel(ax, name, prior, table, colours, summary["parameters"][name])
    for ax, (name, statistic) in zip(axes[len(spec.prior) :], spec.data.items(), strict=False):
        _readout_panel(ax, name, statistic, table[table["generation"] == last], spec.replicates)
    _tolerance_panel(axes[-1], summary["generations"])
    fig.suptitle(f"{spec.name}: {spec.description}", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, format="png", dpi=120, metadata=png_metadata())
    plt.close(fig)


def _parameter_panel(ax, name, prior, table, colours, posterior) -> None:
    """Weighted kernel density of each generation (pyABC's kde_1d, in the space the prior is uniform in)."""
    low, high = prior.bounds()
    column = particle_name(name, prior.scale)
    for t, colour in enumerate(colours):
        rows = table[table["generation"] == t]
        values = np.log10(rows[name]) if prior.scale == "log" else rows[name]
        x, density = kde_1d(pd.DataFrame({column: values}), rows["weight"].to_numpy(), column, low, high, GRID_POINTS)
        shown = 10.0**x if prior.scale == "log" else x
        ax.plot(shown, density, color=colour, lw=2.0 if t == len(colours) - 1 else 1.0, label=f"generation {t}")
    ax.axhline(1.0 / (high - low), color="0.6", ls=":", lw=1, label="prior")
    if posterior["default"] is not None:  # a strength the table's values do not share has none
        ax.axvline(posterior["default"], color="k", ls="--", lw=1, label="table default")
    ax.axvspan(*posterior["ci95"], color=colours[-1], alpha=0.12, label="95% interval")
    if prior.scale == "log":
        ax.set_xscale("log")
        ax.xaxis.set_major_formatter(ticker.FormatStrFormatter("%g"))
        ax.xaxis.set_minor_formatter(ticker.NullFormatter())
    ax.set_xlim(prior.low, prior.high)
    ax.set_xlabel(f"{name} ({posterior['unit']})")
    ax.set_ylabel("density" + (" per log10 unit" if prior.scale == "log" else ""))
    ax.legend(fontsize=7, frameon=False)


def _readout_panel(ax, name, statistic, last, replicates) -> None:
    """The last generation's simulated readouts (weighted histogram) against the observed value ± its spread."""
    values = last[f"readout.{name}"].to_numpy()
    ax.hist(
        values,
        bins=min(20, max(5, len(values) // 3)),
        weights=last["weight"],
        color="C0",
        alpha=0.7,
        label=f"last generation (mean of {replicates} run{'s' * (replicates > 1)})",
    )
    ax.axvspan(
        statistic.value - statistic.sd, statistic.value + statistic.sd, color="C1", alpha=0.2, label="observed ± sd"
    )
    ax.axvline(statistic.value, color="C1", lw=2)
    what = statistic.label() if statistic.label() == name else f"{name}: {statistic.label()}"
    ax.set_xlabel(textwrap.fill(f"{what}, days {statistic.window[0]}-{statistic.window[1]}", 50))
    ax.set_ylabel("weight")
    ax.set_title(textwrap.fill(statistic.source, 70), fontsize=7)
    ax.legend(fontsize=7, loc="upper left", framealpha=0.8)


def _tolerance_panel(ax, generations) -> None:
    """The tolerance ε and the acceptance rate of each generation."""
    t = [g["generation"] for g in generations]
    ax.plot(t, [g["epsilon"] for g in generations], "o-", color="C2", label="tolerance ε")
    ax.set_xlabel("generation")
    ax.set_ylabel("tolerance ε (distance in sds)")
    ax.set_xticks(t)
    rate = ax.twinx()
    rate.plot(t, [100 * g["acceptance_rate"] for g in generations], "s--", color="C3", label="acceptance %")
    rate.set_ylabel("acceptance, %")
    ax.legend(handles=[*ax.get_lines(), *rate.get_lines()], fontsize=7, frameon=False)
