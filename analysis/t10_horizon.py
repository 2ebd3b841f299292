"""T10 over a longer horizon: does bortezomib raise bone formation by day 120?

An exploration beside the validation target, not a change of it: T10 (bortezomib
raises osteoblast surface and formed area over 60 days) fails with both
intervals touching zero, and this asks whether a longer run resolves it. Same
world and seeds as T10 (mm_niche on 100 x 100 sites, 8 seeds, default
bortezomib regimen from day 0), run for 120 days; prints formation, osteoblast
surface and resorption, untreated and as paired differences (bortezomib −
untreated), each with its 95% t-interval. About 2 minutes on 2 cores::

    python -m analysis.t10_horizon
"""

from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor

import numpy as np
from scipy import stats

from analysis.validation.common import IN_VIVO_SEEDS, simulate

DAYS = 120
ARMS = ((), ("bortezomib",))
MEASURES = (
    "formed area by day 60, mm²",
    "formed area by day 120, mm²",
    "Ob.S/BS over days 91-120, %",
    "resorbed area by day 120, mm²",
)


def measure(job: tuple[int, tuple[str, ...]]) -> tuple[float, ...]:
    """The measures of one seed and arm, in the order of MEASURES."""
    seed, drugs = job
    series = simulate("mm_niche", seed, days=DAYS, drugs=drugs).series
    by_day = series.set_index("day")
    late = series[(series["day"] > 90) & (series["day"] <= DAYS)]
    return (
        float(by_day.loc[60, "formed_mm2"]),
        float(by_day.loc[DAYS, "formed_mm2"]),
        float(late["ob_s_bs"].mean()),
        float(by_day.loc[DAYS, "resorbed_mm2"]),
    )


def interval(values: np.ndarray) -> str:
    """Mean [95% t-interval]."""
    half = stats.t.ppf(0.975, len(values) - 1) * values.std(ddof=1) / np.sqrt(len(values))
    return f"{values.mean():.4g} [{values.mean() - half:.4g}, {values.mean() + half:.4g}]"


def main() -> None:
    jobs = [(seed, drugs) for drugs in ARMS for seed in IN_VIVO_SEEDS]
    with ProcessPoolExecutor(2) as pool:
        results = np.array(list(pool.map(measure, jobs))).reshape(len(ARMS), len(IN_VIVO_SEEDS), len(MEASURES))
    untreated, treated = results
    for i, name in enumerate(MEASURES):
        effect = interval(treated[:, i] - untreated[:, i])
        print(f"{name}: untreated {interval(untreated[:, i])}; bortezomib − untreated {effect}")


if __name__ == "__main__":
    main()
