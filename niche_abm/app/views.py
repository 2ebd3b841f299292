"""What the app shows: the marrow picture with its legend and colour scale, the time courses, the status line
and a demo's explanation.

Views that change every frame read Mesa's ``update_counter`` (bumped by Mesa's
ModelController after each frame, and by the drug panel), so only they are
redrawn while the model plays.
"""

from __future__ import annotations

from html import escape

import solara
from mesa.visualization.utils import update_counter

from niche_abm.app.charts import drug_starts, time_course_option
from niche_abm.app.raster import (
    FIELDS,
    ColourScale,
    FieldOverlay,
    compose_frame,
    field_scale,
    gradient_css,
    legend_entries,
    png_bytes,
)
from niche_abm.app.session import AppModel
from niche_abm.cells import MyelomaCell, Osteoblast, Osteoclast, OsteoclastPrecursor, StromalCell
from niche_abm.demos import Demo

CSS = """
.niche-grid-image { image-rendering: pixelated; image-rendering: crisp-edges; border: 1px solid #888; }
.niche-legend { display: flex; flex-wrap: wrap; gap: 4px 12px; font-size: 13px; }
.niche-legend span.swatch { display: inline-block; width: 12px; height: 12px; margin-right: 4px;
  vertical-align: middle; border: 1px solid #555; }
.niche-scale { font-size: 12px; max-width: 520px; }
.niche-scale .bar { height: 12px; border: 1px solid #555; }
.niche-scale .ticks { display: flex; justify-content: space-between; }
.niche-status { font-size: 15px; }
.niche-slider-label { font-size: 13px; display: block; margin-top: 6px; }
"""

COUNTED = (
    (MyelomaCell, "MM cells"),
    (Osteoclast, "osteoclasts"),
    (Osteoblast, "osteoblasts"),
    (OsteoclastPrecursor, "osteoclast precursors"),
    (StromalCell, "stromal cells"),
)
"""The cell counts of the status line, in the order a class looks for them."""


@solara.component
def MarrowView(model: AppModel, overlay: str, opacity: float):
    """The grid as one image (one pixel per 10 µm site, scaled up without smoothing), its legend and colour scale."""
    update_counter.get()
    field = FIELDS.get(overlay)
    with model.lock:
        now = field_scale(model, overlay) if field else None
        scale = model.held_scales.widen(overlay, now) if field else None
        image = compose_frame(model, overlay, opacity, scale)
    width, height = model.lattice.shape
    with solara.Column(gap="6px"):
        solara.Image(png_bytes(image), width="100%", classes=["niche-grid-image"])
        solara.Text(
            f"{width} x {height} sites = {width * 0.01:g} x {height * 0.01:g} mm; top = far side of the section"
        )
        if field is not None:
            ColourScaleBar(field, scale, now)
        Legend()


@solara.component
def ColourScaleBar(field: FieldOverlay, scale: ColourScale, now: ColourScale):
    """The overlay's colour map over the widest range of the run, its unit, its kind, and the range now."""
    ticks = "".join(f"<span>{value:.3g}</span>" for value in scale.ticks())
    range_now = f"now {now.low:.3g} to <span class='now-high'>{now.high:.3g}</span> {escape(field.unit)}"
    kind = "log scale" if field.log else "linear from 0"
    solara.HTML(
        unsafe_innerHTML=(
            f'<div class="bar" style="background: {gradient_css()}"></div>'
            f'<div class="ticks">{ticks}</div>'
            f"<div><b>{escape(field.label)}</b> ({escape(field.unit)}; {kind}; the widest range of the run so far, "
            f"so a falling field darkens; bone not coloured); {range_now}</div>"
        ),
        classes=["niche-scale"],
    )


@solara.component
def Legend():
    """A colour swatch for bone, lost bone and each cell kind."""
    items = "".join(
        f'<span><span class="swatch" style="background:{colour}"></span>{escape(label)}</span>'
        for label, colour in legend_entries()
    )
    solara.HTML(unsafe_innerHTML=items, classes=["niche-legend"])


@solara.component
def TimeCourses(model: AppModel):
    """BV/TV, MM burden, osteoclasts and osteoblasts, RANKL/OPG over simulated days; one point a day."""
    update_counter.get()
    with model.lock:
        rows = model.records.rows()
        regimens = model.treatment.regimens
        every = model.records.every
    option = solara.use_memo(
        lambda: time_course_option(rows, drug_starts(regimens)),
        [id(model), len(rows), rows[-1]["day"], len(regimens)],
    )
    with solara.Column(gap="2px"):
        solara.FigureEcharts(option=option, attributes={"style": "height: 460px; width: 100%;"})
        spacing = "one a day" if every == 1 else f"one every {every} days (thinned to keep memory bounded)"
        points = "1 point" if len(rows) == 1 else f"{len(rows)} points"
        solara.Text(f"{points}, {spacing}; hover for values; dashed lines: a drug started")


@solara.component
def StatusLine(model: AppModel):
    """Day, hour, the number of each cell kind and BV/TV now."""
    update_counter.get()
    with model.lock:
        counts = " · ".join(f"{label} {model.count(kind):,}" for kind, label in COUNTED)
        bv_tv, day, hour = model.bone.bv_tv(), model.day, model.hour
    solara.HTML(
        unsafe_innerHTML=f"<b>Day {day:.1f}</b> (hour {hour}) · BV/TV {bv_tv:.2f}% · {escape(counts)}",
        classes=["niche-status"],
    )


@solara.component
def DemoExplanation(demo: Demo, arm: int):
    """What to look for, a question for the class and, folded, what happened."""
    with solara.Card(f"{demo.title} — {demo.arms[arm].label}"):
        solara.HTML(tag="p", unsafe_innerHTML=f"<b>What to look for.</b> {escape(demo.look_for)}")
        solara.HTML(tag="p", unsafe_innerHTML=f"<b>Question to ask.</b> {escape(demo.question)}")
        solara.Details(
            summary="What happened (open after the run)",
            children=[solara.HTML(tag="p", unsafe_innerHTML=escape(demo.what_happened))],
        )
        solara.Text(f"Headless, for slides: python run.py demo {demo.name}  (all arms, {demo.days} days)")
