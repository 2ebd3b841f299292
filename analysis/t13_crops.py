"""Is T13's grid effect the size of the marrow, or the bone drawn on it? The same bone, whole and in quarters.

T13 finds healthy turnover higher on 100 x 100 sites than on 200 x 200 (25.4
against 19.8 %/yr, 20 seeds each, at de859b0), with different bone on each
grid. Here each seed's 200 x 200 bone (4 mm², the generator's) is run whole and
as its four 100 x 100 quarters, each quarter a marrow of its own (bone from
``bone=``; cells, vessels and fields seeded on the quarter). The bone is then
the same at both sizes, so a difference between the whole and its quarters
pooled (bone resorbed over days 31-90, per year, over the bone at day 0, as in
T13) is an effect of the marrow's size alone. Seeds 1-8, healthy, 90 days;
about 15 minutes on 2 shared cores (at de859b0: whole 21.2 %/yr, quarters
pooled 20.2, paired difference -1.0 [-6.6, 4.7])::

    python -m analysis.t13_crops
"""

from __future__ import annotations

import numpy as np

from analysis.seeded_arms import SeededJob, run_arms
from niche_abm import NicheModel, load_scenario
from niche_abm.validation.common import fmt
from niche_abm.validation.t13_grid import DAYS, LARGE, SMALL, WARM_UP

ARMS = ("whole", 0, 1, 2, 3)
"""The 200 x 200 marrow, then its quarters (x half, y half) = (q // 2, q % 2)."""


def _grid(grid: tuple[int, int]) -> dict[str, int]:
    return {"grid.width": grid[0], "grid.height": grid[1]}


def measure(job: SeededJob) -> tuple[object, int, float, float]:
    """(arm, seed, bone resorbed over days 31-90 in site areas, bone at day 0 in site areas) of one run."""
    whole = NicheModel(load_scenario("healthy", _grid(LARGE)), seed=job.seed)
    if job.arm == "whole":
        model = whole
    else:
        qx, qy = divmod(job.arm, 2)
        quarter = whole.bone.template[qx * SMALL[0] : (qx + 1) * SMALL[0], qy * SMALL[1] : (qy + 1) * SMALL[1]]
        model = NicheModel(load_scenario("healthy", _grid(SMALL)), seed=job.seed, bone=quarter.copy())
    bone_at_start = float(model.bone.fraction.sum())
    model.run(WARM_UP)
    before = model.bone.resorbed
    model.run(DAYS - WARM_UP)
    return job.arm, job.seed, model.bone.resorbed - before, bone_at_start


def _per_year(resorbed: np.ndarray, bone: np.ndarray) -> np.ndarray:
    """Turnover, %/yr of the bone at day 0."""
    return 100 * resorbed * 365 / (DAYS - WARM_UP) / bone


def main() -> None:
    results = run_arms(__doc__, ARMS, measure)
    seeds = sorted({seed for _, seed, _, _ in results})
    by = {(arm, seed): (resorbed, bone) for arm, seed, resorbed, bone in results}
    whole = np.array([_per_year(*by["whole", s]) for s in seeds])
    pooled = np.array(
        [_per_year(sum(by[q, s][0] for q in range(4)), sum(by[q, s][1] for q in range(4))) for s in seeds]
    )
    quarters = np.array([[_per_year(*by[q, s]) for q in range(4)] for s in seeds])
    for s, w, p, q in zip(seeds, whole, pooled, quarters, strict=True):
        print(f"seed {s}: whole {w:5.1f}  quarters pooled {p:5.1f}  quarters " + " ".join(f"{v:5.1f}" for v in q))
    print(f"turnover, %/yr: whole 200 x 200 {fmt(whole)}; its quarters pooled {fmt(pooled)}")
    ratio = pooled.mean() / whole.mean()
    print(f"paired difference quarters − whole {fmt(pooled - whole)}; ratio of means {ratio:.2f}")


if __name__ == "__main__":
    main()
