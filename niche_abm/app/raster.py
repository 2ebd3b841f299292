"""The picture the app shows: bone and cells as one RGB image, with one field as a colour overlay.

Drawing one marker per agent is what makes Mesa's default space view slow; here
the whole grid is composed with numpy (:func:`niche_abm.plots.compose_rgb`:
bone shaded by its fraction, lost bone in rust, each cell kind in its colour),
a field is blended over the marrow through a colour map, and the result is
encoded once as a small PNG (one pixel per 10 µm site) that the browser scales
up without smoothing.
"""

from __future__ import annotations

import functools
import io
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import matplotlib
import numpy as np
from matplotlib.colors import to_hex
from PIL import Image

from niche_abm.plots import compose_rgb, legend_handles
from niche_abm.units import pm_to_pg_per_ml
from niche_abm.world.signals import BY_NAME, FACTORS

if TYPE_CHECKING:
    from niche_abm.model import NicheModel

COLOUR_MAP = "magma"
LUT = (matplotlib.colormaps[COLOUR_MAP](np.linspace(0.0, 1.0, 256))[:, :3] * 255).astype(np.uint8)
"""The overlay's colour map as 256 RGB rows, dark (low) to bright (high)."""


@dataclass(frozen=True)
class FieldOverlay:
    """A field the app can lay over the marrow.

    Attributes:
        label: its name on screen.
        unit: the unit of its colour scale.
        log: shown on a logarithmic scale (ratios spanning decades), else linear from zero.
        values: the field per site [x, y] of a model, in `unit`.
    """

    label: str
    unit: str
    log: bool
    values: Callable[[NicheModel], np.ndarray]


def _pg_per_ml(name: str, model: NicheModel) -> np.ndarray:
    """A secreted factor's field per site, pg/mL."""
    return pm_to_pg_per_ml(model.signals.map(name), BY_NAME[name].mass_kda)


FIELDS: dict[str, FieldOverlay] = {
    "RANKL": FieldOverlay("RANKL (total)", "pM", False, lambda m: m.signals.map("rankl")),
    "OPG": FieldOverlay("OPG (total)", "pM", False, lambda m: m.signals.map("opg")),
    "free RANKL": FieldOverlay("free RANKL (not bound to OPG)", "pM", False, lambda m: m.signals.map("free_rankl")),
    "RANKL/OPG": FieldOverlay(
        "RANKL/OPG ratio", "ratio", True, lambda m: m.signals.map("rankl") / np.maximum(m.signals.map("opg"), 1e-12)
    ),
    **{
        BY_NAME[name].label.split("/")[0]: FieldOverlay(
            BY_NAME[name].label, "pg/mL", False, functools.partial(_pg_per_ml, name)
        )
        for name in FACTORS
    },
}
"""The switchable overlays, by the name the picker shows."""

NO_OVERLAY = "none"


@dataclass(frozen=True)
class ColourScale:
    """The range an overlay's colours span: low maps to the darkest colour, high to the brightest."""

    low: float
    high: float
    log: bool

    def fraction(self, values: np.ndarray) -> np.ndarray:
        """Position of each value on the scale, 0 (low) to 1 (high), clipped."""
        if self.log:
            span = np.log(self.high / self.low)
            position = np.log(np.maximum(values, self.low) / self.low) / span
        else:
            position = (values - self.low) / (self.high - self.low)
        return np.clip(position, 0.0, 1.0)

    def widened(self, other: ColourScale) -> ColourScale:
        """The scale spanning both this one and other."""
        return ColourScale(min(self.low, other.low), max(self.high, other.high), self.log)

    def ticks(self, n: int = 3) -> list[float]:
        """n values evenly spaced along the scale (geometrically on a log scale), low to high."""
        if self.log:
            return list(np.geomspace(self.low, self.high, n))
        return list(np.linspace(self.low, self.high, n))


def field_scale(model: NicheModel, overlay: str) -> ColourScale:
    """The colour scale spanning an overlay's field over the marrow now."""
    field = FIELDS[overlay]
    return colour_scale(field.values(model), model.bone.marrow, field.log)


def colour_scale(values: np.ndarray, marrow: np.ndarray, log: bool) -> ColourScale:
    """The scale spanning a field over the marrow now: 0 to its maximum, or its positive range on a log scale."""
    inside = values[marrow]
    if log:
        positive = inside[inside > 0]
        if positive.size == 0:
            return ColourScale(1e-3, 1.0, True)
        low, high = float(positive.min()), float(positive.max())
        return ColourScale(low, max(high, low * 1.01), True)
    high = float(inside.max()) if inside.size else 0.0
    return ColourScale(0.0, high if high > 0 else 1.0, False)


class HeldScales:
    """The colour scale of each overlay over a run: it widens to every range seen and never narrows,

    so a field that falls (a drug starting) visibly darkens instead of being rescaled to look the same.
    """

    def __init__(self) -> None:
        self._held: dict[str, ColourScale] = {}

    def widen(self, overlay: str, now: ColourScale) -> ColourScale:
        """The held scale of an overlay, widened to its range now (:func:`colour_scale` of the field now)."""
        held = self._held.get(overlay)
        self._held[overlay] = now if held is None else held.widened(now)
        return self._held[overlay]


def compose_frame(
    model: NicheModel, overlay: str = NO_OVERLAY, opacity: float = 0.6, scale: ColourScale | None = None
) -> np.ndarray:
    """The grid as a uint8 (height, width, 3) image with the top row at the top of the section.

    Args:
        model: the niche.
        overlay: a key of FIELDS, or NO_OVERLAY.
        opacity: weight of the overlay colour over the marrow and its cells, 0 to 1.
        scale: the overlay's colour scale (default: the field's range now, :func:`colour_scale`).
    """
    image = compose_rgb(model.bone.fraction, model.bone.template, model.lattice.occupancy())
    rgb = (image * 255.0).astype(np.uint8)
    if overlay != NO_OVERLAY:
        field = FIELDS[overlay]
        values = field.values(model)
        scale = scale or colour_scale(values, model.bone.marrow, field.log)
        colour = LUT[(scale.fraction(values) * 255.0).astype(np.intp)].transpose(1, 0, 2)
        marrow = model.bone.marrow.T
        blended = (1.0 - opacity) * rgb[marrow] + opacity * colour[marrow]
        rgb[marrow] = blended.astype(np.uint8)
    return np.ascontiguousarray(rgb[::-1])


def png_bytes(image: np.ndarray) -> bytes:
    """A uint8 RGB image encoded as PNG with fast compression (Pillow; faster than matplotlib's imsave)."""
    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, format="PNG", compress_level=1)
    return buffer.getvalue()


def legend_entries() -> list[tuple[str, str]]:
    """(label, hex colour) of bone, lost bone and every cell kind, as in the picture."""
    return [(handle.get_label(), to_hex(handle.get_facecolor())) for handle in legend_handles()]


def gradient_css(stops: int = 11) -> str:
    """The overlay colour map as a CSS linear gradient, low on the left."""
    colours = [to_hex(LUT[int(i)] / 255.0) for i in np.linspace(0, 255, stops)]
    return f"linear-gradient(to right, {', '.join(colours)})"
