"""Is T13's grid effect an edge effect? Healthy turnover of the bone near the section's border and inside it.

The simulated marrow ends at the section's border: no cells beyond it, no flux
of any signal across it. Bone near the border therefore has marrow on one side
only, and a 1 x 1 mm section has about twice the share of its area within
100 µm of the border that a 2 x 2 mm one has (36% against 19%). This runs the
healthy scenario for T13's 90 days, records where every osteoclast resorbs
(per site), and reports the turnover (bone resorbed over days 31-90, per year,
over the bone at day 0, as in T13) of the bone in the border band (within
EDGE_UM of the border) and of the bone inside it, at both of T13's sizes, seeds
1-8. About 3 minutes on 2 cores::

    python -m analysis.t13_edges
"""

from __future__ import annotations

import numpy as np

from analysis.seeded_arms import SeededJob, run_arms
from niche_abm import NicheModel, load_scenario
from niche_abm.units import SITE_UM
from niche_abm.validation.common import fmt
from niche_abm.validation.t13_grid import DAYS, LARGE, SMALL, WARM_UP

EDGE_UM = 100.0
"""Width of the border band, µm."""


def _border_band(shape: tuple[int, int]) -> np.ndarray:
    """Sites within EDGE_UM of the section's border."""
    width = int(EDGE_UM / SITE_UM)
    band = np.zeros(shape, dtype=bool)
    band[:width], band[-width:], band[:, :width], band[:, -width:] = True, True, True, True
    return band


def measure(job: SeededJob) -> tuple[tuple[int, int], int, float, float]:
    """(grid, seed, turnover of the border band's bone, turnover of the inner bone), %/yr."""
    grid = job.arm
    model = NicheModel(load_scenario("healthy", {"grid.width": grid[0], "grid.height": grid[1]}), seed=job.seed)
    bone_at_start = model.bone.fraction.copy()
    model.run(WARM_UP)
    resorbed = np.zeros(grid)
    resorb = model.bone.resorb

    def resorb_and_record(sites: np.ndarray, amount: np.ndarray) -> np.ndarray:
        removed = resorb(sites, amount)
        np.add.at(resorbed.ravel(), sites, removed)
        return removed

    model.bone.resorb = resorb_and_record
    model.run(DAYS - WARM_UP)
    band = _border_band(grid)
    per_year = 100 * 365 / (DAYS - WARM_UP)
    edge, inner = (per_year * resorbed[m].sum() / bone_at_start[m].sum() for m in (band, ~band))
    return grid, job.seed, float(edge), float(inner)


def main() -> None:
    results = run_arms(__doc__, (SMALL, LARGE), measure)
    for grid in (SMALL, LARGE):
        rows = [(edge, inner) for g, _, edge, inner in results if g == grid]
        edge, inner = np.array(rows).T
        share = _border_band(grid).mean()
        print(
            f"{grid[0]} x {grid[1]} ({100 * share:.0f}% of the area within {EDGE_UM:g} µm of the border): turnover of "
            f"the border band's bone {fmt(edge, '%/yr')}, of the inner bone {fmt(inner, '%/yr')}, paired difference "
            f"band − inner {fmt(edge - inner, '%/yr')}"
        )


if __name__ == "__main__":
    main()
