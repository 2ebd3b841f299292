"""How much of the tumour's growth the osteoclast arm of the vicious cycle carries in `mm_niche`.

Osteoclasts keep MM cells alive two ways: an MM cell within `mm.osteoclast_support_radius_um` (50 µm) of one
dies at `mm.osteoclast_support_death_factor` (0.4) times its rate (contact), and the APRIL they secrete lowers
MM death further away. This runs `mm_niche` on 1 mm² (100 x 100 sites, 150 MM cells in two foci, as the
validation runs it) for 60 days with that support and with both routes switched off (the cycle's
`osteoclast_support` cut), seeds 101-116, and prints the MM cells at day 60 with their paired difference, and the
share of MM cells within contact reach of an osteoclast over days 30-60. About 1 minute on 2 cores::

    python -m analysis.osteoclast_support
"""

from __future__ import annotations

from analysis.seeded_arms import SeededJob, by_arm, run_arms
from niche_abm.cycle import arrows
from niche_abm.experiment import RunDescription
from niche_abm.stats import paired_contrast
from niche_abm.validation.common import fmt

ONE_MM2 = {"grid.width": 100, "grid.height": 100, "mm.initial_count": 150, "mm.initial_foci": 2}
ARMS = ("with support", "without")
CUT = next(dict(arrow.cut) for arrow in arrows() if arrow.name == "osteoclast_support")
"""The parameter values that switch the osteoclasts' support off (contact and APRIL)."""
SEEDS = tuple(range(101, 117))


def measure(job: SeededJob) -> tuple[float, float]:
    """(MM cells at day 60, mean share of MM cells within reach of an osteoclast over days 30-60)."""
    overrides = {**ONE_MM2, **(CUT if job.arm == "without" else {})}
    series = RunDescription("mm_niche", overrides, seed=job.seed, days=60).run().timeseries
    return float(series["n_mm"].iloc[-1]), float(series.loc[series["day"] >= 30, "mm_near_oc"].mean())


def main() -> None:
    supported, unsupported = by_arm(run_arms(__doc__, ARMS, measure, seeds=lambda arm: SEEDS), ARMS)
    for arm, runs in zip(ARMS, (supported, unsupported), strict=True):
        cells, near = zip(*runs, strict=True)
        print(
            f"{arm}: MM cells at day 60 {fmt(cells)}; share within contact reach of an osteoclast, days 30-60, "
            f"{fmt(near)}"
        )
    difference = paired_contrast([run[0] for run in supported], [run[0] for run in unsupported])
    print(
        f"MM cells at day 60, with support minus without (paired by seed): {difference.estimate:.3g} "
        f"[{difference.low:.3g}, {difference.high:.3g}]"
    )


if __name__ == "__main__":
    main()
