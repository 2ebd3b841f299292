"""What the app exports: the current picture as a PNG figure, and the metrics so far as CSV."""

from __future__ import annotations

import io
import re
from typing import TYPE_CHECKING

from matplotlib.cm import ScalarMappable
from matplotlib.colors import LogNorm, Normalize
from matplotlib.figure import Figure

from niche_abm.app.raster import COLOUR_MAP, FIELDS, NO_OVERLAY, compose_frame, field_scale
from niche_abm.io import png_metadata
from niche_abm.plots import legend_handles

if TYPE_CHECKING:
    from niche_abm.app.session import AppModel


def file_stem(title: str) -> str:
    """A run title as a file name: lower case, words joined by underscores."""
    return re.sub(r"[^a-z0-9]+", "_", title.lower()).strip("_") or "niche"


def picture_png(model: AppModel, overlay: str = NO_OVERLAY, opacity: float = 0.6, title: str = "") -> bytes:
    """The grid as the app shows it (bone, cells, overlay on its held scale) with legend, colour bar and day: PNG,
    carrying the run it shows (:func:`run_shown`)."""
    with model.lock:
        scale = model.held_scales.widen(overlay, field_scale(model, overlay)) if overlay != NO_OVERLAY else None
        image = compose_frame(model, overlay, opacity, scale)
        day = model.day
        run = run_shown(model)
    width_mm, height_mm = model.lattice.shape[0] * 0.01, model.lattice.shape[1] * 0.01
    fig = Figure(figsize=(9, 6.5))
    ax = fig.subplots()
    ax.imshow(image, extent=(0, width_mm, 0, height_mm), interpolation="nearest")
    ax.set_xlabel("mm")
    ax.set_ylabel("mm")
    heading = f"{title or 'niche'}: day {day:.1f}"
    if overlay != NO_OVERLAY:
        field = FIELDS[overlay]
        norm = LogNorm(scale.low, scale.high) if scale.log else Normalize(scale.low, scale.high)
        fig.colorbar(ScalarMappable(norm, COLOUR_MAP), ax=ax, shrink=0.8, label=f"{field.label}, {field.unit}")
        heading += f", overlay {field.label} at {opacity:.0%}"
    ax.set_title(heading)
    ax.legend(handles=legend_handles(), loc="upper center", bbox_to_anchor=(0.5, -0.09), ncol=4, fontsize=8)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110, bbox_inches="tight", metadata=png_metadata(run))
    return buffer.getvalue()


def run_shown(model: AppModel) -> dict:
    """What reproduces the picture: the scenario, seed and overrides the run was built from, every drug given so
    far (the scenario's, the command line's and those dosed in the app), the day shown and every parameter value."""
    return {
        "scenario": model.built_from["scenario"],
        "seed": model.built_from["seed"],
        "overrides": model.built_from["overrides"],
        "drugs": [regimen.text for regimen in model.treatment.regimens],
        "day": model.day,
        "parameters": model.params.as_dict(),
    }


def metrics_csv(model: AppModel) -> bytes:
    """The daily metrics recorded so far (thinned on very long runs, see DecimatedHistory) as CSV bytes."""
    with model.lock:
        table = model.timeseries()
    return table.to_csv(index=False).encode("utf-8")
