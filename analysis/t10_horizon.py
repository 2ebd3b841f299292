"""T10 over a longer horizon: does bortezomib raise bone formation by day 120?

An exploration beside the validation target, not a change of it: T10 (bortezomib
raises osteoblast surface and formed area over 60 days) fails with both
intervals touching zero, and this asks whether a longer run resolves it. Same
world and seeds as T10 (mm_niche on 100 x 100 sites, 8 seeds, default
bortezomib regimen from day 0), run for 120 days; prints formation, osteoblast
surface and resorption, untreated and as paired differences (bortezomib −
untreated), each with its 95% t-interval. The runs go to the engine layer like
any batch's (``--workers``, ``--engine dask``, ``--scheduler``). About 2 minutes
on 2 cores::

    python -m analysis.t10_horizon
"""

from __future__ import annotations

import numpy as np

from analysis.seeded_arms import SEEDS, SeededJob, run_arms
from niche_abm.validation.common import at_day, fmt, simulate, window_mean

DAYS = 120
ARMS = ((), ("bortezomib",))
MEASURES = (
    ("formed area by day 60", "mm²"),
    ("formed area by day 120", "mm²"),
    ("Ob.S/BS over days 91-120", "%"),
    ("resorbed area by day 120", "mm²"),
)


def measure(job: SeededJob) -> tuple[float, ...]:
    """The measures of one seed and arm (job.arm: regimens in the --drug syntax), in the order of MEASURES."""
    series = simulate("mm_niche", job.seed, days=DAYS, drugs=job.arm).series
    return (
        at_day(series, "formed_mm2", 60),
        at_day(series, "formed_mm2", DAYS),
        window_mean(series, "ob_s_bs", 91, DAYS),
        at_day(series, "resorbed_mm2", DAYS),
    )


def main() -> None:
    outcomes = run_arms(__doc__, ARMS, measure)
    results = np.array(outcomes).reshape(len(ARMS), len(SEEDS), len(MEASURES))
    untreated, treated = results
    for i, (name, unit) in enumerate(MEASURES):
        effect = fmt(treated[:, i] - untreated[:, i], unit, digits=2)
        print(f"{name}: untreated {fmt(untreated[:, i], unit, digits=2)}; bortezomib − untreated {effect}")


if __name__ == "__main__":
    main()
