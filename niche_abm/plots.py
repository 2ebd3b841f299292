"""Pictures of the niche: the grid as one RGB raster, field maps and metric time courses.

The grid is composed as a single image with numpy (bone shaded by its
fraction, each cell kind in its own colour) rather than one marker per agent.
Figures use matplotlib's object API (no pyplot state), so they are safe in
worker processes and servers.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from matplotlib.colors import LogNorm
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from niche_abm.cells import CELL_KINDS
from niche_abm.units import pm_to_pg_per_ml
from niche_abm.world.signals import BY_NAME

if TYPE_CHECKING:
    from niche_abm.model import NicheModel

MARROW_RGB = np.array([0.13, 0.10, 0.12])
BONE_RGB = np.array([0.93, 0.90, 0.80])
LOST_BONE_RGB = np.array([0.55, 0.20, 0.15])


def compose_rgb(bone: np.ndarray, bone_start: np.ndarray, occupancy: np.ndarray) -> np.ndarray:
    """The grid as an (height, width, 3) image, origin at the bottom left when shown with origin='lower'.

    Bone is shaded by its fraction; marrow that was bone at the start (lost bone)
    is rust-coloured; every cell is one pixel in the colour of its kind.
    """
    fraction = np.clip(bone, 0, 1)[..., None]
    image = MARROW_RGB + fraction * (BONE_RGB - MARROW_RGB)
    lost = (bone_start >= 0.5) & (bone < 0.5)
    image[lost] = LOST_BONE_RGB
    for kind in CELL_KINDS:
        image[occupancy == kind.code] = kind.colour
    return np.transpose(image, (1, 0, 2))


def legend_handles() -> list[Patch]:
    """Legend entries for compose_rgb."""
    handles = [Patch(color=BONE_RGB, label="bone"), Patch(color=LOST_BONE_RGB, label="lost bone")]
    handles += [Patch(color=kind.colour, label=kind.label) for kind in CELL_KINDS]
    return handles


def extent_mm(shape: tuple[int, int]) -> tuple[float, float, float, float]:
    """Image extent in mm of a grid of shape [x, y] (10 µm sites)."""
    return (0.0, shape[0] * 0.01, 0.0, shape[1] * 0.01)


def _field_map(ax, values: np.ndarray, marrow: np.ndarray, title: str, unit: str, fig: Figure, log: bool) -> None:
    shown = np.ma.masked_where(~marrow, values).T
    positive = values[marrow & (values > 0)]
    norm = LogNorm(vmin=max(positive.min(), 1e-3), vmax=positive.max()) if log and positive.size else None
    im = ax.imshow(shown, origin="lower", cmap="magma", norm=norm, extent=extent_mm(values.shape))
    ax.set_facecolor(BONE_RGB)
    ax.set_title(title)
    ax.set_xlabel("mm")
    fig.colorbar(im, ax=ax, shrink=0.8, label=unit)


def overview_figure(model: NicheModel, timeseries: pd.DataFrame, title: str) -> Figure:
    """Bone and cells, three field maps, and the metric time courses of one run."""
    fig = Figure(figsize=(16, 9), layout="constrained")
    fig.suptitle(f"{title}: day {model.day:g}")
    axes = fig.subplots(2, 4)
    grid = axes[0, 0]
    grid.imshow(
        compose_rgb(model.bone.fraction, model.bone.template, model.lattice.occupancy()),
        origin="lower",
        extent=extent_mm(model.lattice.shape),
    )
    grid.set_title("bone and cells")
    grid.set_xlabel("mm")
    fig.legend(handles=legend_handles(), loc="outside right upper", fontsize=8)
    signals, marrow = model.signals, model.bone.marrow
    _field_map(axes[0, 1], signals.map("free_rankl"), marrow, "free RANKL", "pM", fig, log=False)
    ratio = signals.map("rankl") / np.maximum(signals.map("opg"), 1e-12)
    _field_map(axes[0, 2], ratio, marrow, "RANKL / OPG", "ratio", fig, log=True)
    ccl3 = pm_to_pg_per_ml(signals.map("ccl3"), BY_NAME["ccl3"].mass_kda)
    _field_map(axes[0, 3], ccl3, marrow, "CCL3 / MIP-1α", "pg/mL", fig, log=False)
    plot_time_courses(axes[1], {title: timeseries})
    return fig


def plot_time_courses(axes, runs: dict[str, pd.DataFrame]) -> None:
    """BV/TV, MM burden, osteoclasts and osteoblasts, RANKL/OPG over days, one line per run."""
    panels = (
        ("bv_tv", "BV/TV (%)"),
        ("mm_fraction", "MM share of marrow"),
        ("n_oc", "osteoclasts (—), osteoblasts (- -)"),
        ("rankl_opg_ratio", "RANKL/OPG, marrow mean"),
    )
    for ax, (column, label) in zip(axes, panels, strict=True):
        for index, (name, frame) in enumerate(runs.items()):
            color = f"C{index}"
            ax.plot(frame["day"], frame[column], color=color, label=name)
            if column == "n_oc":
                ax.plot(frame["day"], frame["n_ob"], color=color, linestyle="--")
        ax.set_xlabel("day")
        ax.set_title(label)
        ax.grid(alpha=0.3)
    axes[0].legend(fontsize=8)


def comparison_figure(runs: dict[str, tuple[dict[str, np.ndarray], pd.DataFrame]]) -> Figure:
    """Bone before and after for each run (niche_abm.io.bone_and_cells), and their time courses overlaid."""
    fig = Figure(figsize=(4.5 * max(len(runs), 2) + 2, 7.0), layout="constrained")
    top, bottom = fig.subfigures(2, 1, height_ratios=(3.2, 3.8))
    image_axes = top.subplots(1, 2 * len(runs))
    for index, (name, (state, _)) in enumerate(runs.items()):
        shape = state["bone"].shape
        start = np.zeros_like(state["occupancy"])
        before = compose_rgb(state["bone_start"], state["bone_start"], start)
        after = compose_rgb(state["bone"], state["bone_start"], state["occupancy"])
        for ax, image, when in ((image_axes[2 * index], before, "start"), (image_axes[2 * index + 1], after, "end")):
            ax.imshow(image, origin="lower", extent=extent_mm(shape))
            ax.set_title(f"{name}: {when}")
            ax.set_xlabel("mm")
    top.legend(handles=legend_handles(), loc="outside right upper", fontsize=8)
    plot_time_courses(bottom.subplots(1, 4), {name: frame for name, (_, frame) in runs.items()})
    return fig
