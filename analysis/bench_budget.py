"""Measure what niche_abm.budget's cost model rests on: a run's peak memory and time per site and per cell.

Each case builds ``mm_niche`` on a square grid (the second case of a size adds MM cells, to tell the cost of a
cell from the cost of a site), steps one simulated day and reports its process's peak memory, build time and
mean step time, each in a fresh process. A least-squares fit of the cases gives the coefficients; the table
puts the model's estimate (niche_abm.budget.estimate_run) beside each measurement. Run::

    python analysis/bench_budget.py            # 100 to 1,000 sites a side, about 2 min
    python analysis/bench_budget.py --quick    # 100 to 400 sites a side, seconds
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
from peak_memory import peak_rss_mb

SIZES = (100, 200, 400, 700, 1000)
EXTRA_MM = 0.06
"""MM cells added in the second case of each size, per site."""


def measure(size: int, mm_cells: int) -> dict[str, float]:
    """Build mm_niche on size x size sites with mm_cells MM cells, step one day; runs in this process."""
    from niche_abm import NicheModel, load_scenario

    scenario = load_scenario(
        "mm_niche",
        {"grid.width": size, "grid.height": size, "mm.initial_count": mm_cells, "mm.initial_foci": 20},
    )
    started = time.perf_counter()
    model = NicheModel(scenario, seed=1)
    built = time.perf_counter()
    model.run(1)
    stepped = time.perf_counter()
    return {
        "sites": size * size,
        "cells": len(model.agents),
        "peak_mb": peak_rss_mb(),
        "build_s": built - started,
        "step_ms": (stepped - built) / 24 * 1e3,
        "bv_tv": scenario.params.bone.bv_tv,
        "mm_cells": mm_cells,
    }


def in_fresh_process(size: int, mm_cells: int) -> dict[str, float]:
    """measure() in a new Python process, so its peak memory is this case's alone."""
    code = f"import json, bench_budget; print(json.dumps(bench_budget.measure({size}, {mm_cells})))"
    found = subprocess.run(
        [sys.executable, "-c", code], cwd=Path(__file__).parent, capture_output=True, text=True, check=True
    )
    return json.loads(found.stdout)


def fit(rows: list[dict[str, float]], column: str) -> np.ndarray:
    """Least-squares (constant, per site, per cell) of a column."""
    design = np.array([[1.0, r["sites"], r["cells"]] for r in rows])
    return np.linalg.lstsq(design, np.array([r[column] for r in rows]), rcond=None)[0]


def main() -> None:
    from niche_abm.budget import estimate_run

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="grids up to 400 x 400 only")
    sizes = SIZES[:3] if parser.parse_args().quick else SIZES
    rows = []
    print(f"{'sites':>9} {'cells':>7} {'peak MB':>8} {'est. MB':>8} {'build s':>8} {'step ms':>8} {'est. ms':>8}")
    for size in sizes:
        for mm_cells in (60, int(EXTRA_MM * size * size)):
            row = in_fresh_process(size, mm_cells)
            rows.append(row)
            estimate = estimate_run(size, size, mm_cells, row["bv_tv"], 1)
            est_step_ms = (estimate.hours * 3600 - 4e-6 * row["sites"]) / 24 * 1e3
            print(
                f"{row['sites']:>9,} {row['cells']:>7,} {row['peak_mb']:>8.0f} {estimate.process_gb * 1e3:>8.0f} "
                f"{row['build_s']:>8.2f} {row['step_ms']:>8.1f} {est_step_ms:>8.1f}"
            )
    memory, step = fit(rows, "peak_mb"), fit(rows, "step_ms")
    build = np.polyfit([r["sites"] for r in rows], [r["build_s"] for r in rows], 1)
    print(f"memory: {memory[0]:.0f} MB + {memory[1] * 1e3:.2f} kB a site + {memory[2] * 1e3:.2f} kB a cell")
    print(f"step:   {step[0]:.2f} ms + {step[1] * 1e6:.0f} ns a site + {step[2] * 1e3:.2f} µs a cell")
    print(f"build:  {build[0] * 1e6:.1f} µs a site")


if __name__ == "__main__":
    main()
