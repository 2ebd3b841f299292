"""How long the app takes per frame on a class-sized grid: the model's hour plus the drawing of the picture.

A frame in the app is one model step (one simulated hour) and the picture: the
grid composed as one RGB image with numpy, a field laid over the marrow, and the
image encoded as PNG. The time courses are redrawn in the browser once a
simulated day; building their chart option is timed separately. Both PNG
encoders the app could use are timed on the same picture (Pillow is what the
app uses).

Run: ``python analysis/bench_app.py [--size 200] [--frames 20]``.
"""

from __future__ import annotations

import argparse
import io
import json
import statistics
import time

import matplotlib.image
import numpy as np

from niche_abm.app.charts import drug_starts, time_course_option
from niche_abm.app.raster import compose_frame, png_bytes
from niche_abm.app.session import AppModel

SCENARIO = "mm_niche"
OVERLAY = "RANKL/OPG"
WARM_UP_H = 24


def _matplotlib_png(image: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    matplotlib.image.imsave(buffer, image, format="png")
    return buffer.getvalue()


def _ms(samples: list[float]) -> dict[str, float]:
    return {"mean": round(1e3 * statistics.fmean(samples), 2), "median": round(1e3 * statistics.median(samples), 2)}


def measure_frame(size: int = 200, frames: int = 20) -> dict:
    """Time `frames` app frames on a size x size grid of mm_niche (after a day's warm-up).

    Returns milliseconds (mean and median) of: the model step (`step_ms`), the drawing
    (`draw_ms`: compose with the RANKL/OPG overlay and encode with Pillow), the whole
    frame (`frame_ms`: step plus drawing), the two PNG encoders on the same picture
    (`encode_pillow_ms`, `encode_matplotlib_ms`) and the chart option of the time courses
    (`chart_option_ms`, once a simulated day), with the grid size, frame count and PNG size.
    """
    model = AppModel(SCENARIO, seed=1, overrides={"grid.width": size, "grid.height": size})
    for _ in range(WARM_UP_H):
        model.step()
    step, draw, frame, pillow, mpl, chart = [], [], [], [], [], []
    png_size = 0
    for _ in range(frames):
        started = time.perf_counter()
        model.step()
        stepped = time.perf_counter()
        image = compose_frame(model, OVERLAY, 0.6)
        composed = time.perf_counter()
        png = png_bytes(image)
        drawn = time.perf_counter()
        step.append(stepped - started)
        draw.append(drawn - stepped)
        frame.append(drawn - started)
        pillow.append(drawn - composed)
        png_size = len(png)
        started = time.perf_counter()
        _matplotlib_png(image)
        mpl.append(time.perf_counter() - started)
        started = time.perf_counter()
        time_course_option(model.records.rows(), drug_starts(model.treatment.regimens))
        chart.append(time.perf_counter() - started)
    return {
        "grid": f"{size} x {size}",
        "scenario": SCENARIO,
        "overlay": OVERLAY,
        "frames": frames,
        "step_ms": _ms(step),
        "draw_ms": _ms(draw),
        "frame_ms": _ms(frame),
        "encode_pillow_ms": _ms(pillow),
        "encode_matplotlib_ms": _ms(mpl),
        "chart_option_ms": _ms(chart),
        "png_bytes": png_size,
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=200, help="grid sites per side (default 200)")
    parser.add_argument("--frames", type=int, default=20, help="frames timed (default 20)")
    arguments = parser.parse_args()
    print(json.dumps(measure_frame(arguments.size, arguments.frames), indent=2))
