"""How much of the tumour's growth the osteoclast arm of the vicious cycle carries in `mm_niche`.

An MM cell within `mm.osteoclast_support_radius_um` (50 µm) of an osteoclast dies at
`mm.osteoclast_support_death_factor` (0.4) times its rate. This runs `mm_niche` on 1 mm² (100 x 100 sites,
150 MM cells in two foci, as the validation runs it) for 60 days with that support and with it switched off
(the factor 1), seeds 101-116, and prints the MM cells at day 60 with their paired difference, and the share of
MM cells within reach of an osteoclast over days 30-60. About 1 minute on 2 cores::

    python -m analysis.osteoclast_support
"""

from __future__ import annotations

from analysis.seeded_arms import SeededJob, by_arm, run_arms
from niche_abm.experiment import RunDescription
from niche_abm.params import build_parameters
from niche_abm.stats import paired_contrast
from niche_abm.validation.common import fmt

ONE_MM2 = {"grid.width": 100, "grid.height": 100, "mm.initial_count": 150, "mm.initial_foci": 2}
ARMS = (build_parameters().mm.osteoclast_support_death_factor, 1.0)
"""The death-rate factor near an osteoclast: the table's, and none (support switched off)."""
SEEDS = tuple(range(101, 117))


def measure(job: SeededJob) -> tuple[float, float]:
    """(MM cells at day 60, mean share of MM cells within reach of an osteoclast over days 30-60)."""
    overrides = {**ONE_MM2, "mm.osteoclast_support_death_factor": job.arm}
    series = RunDescription("mm_niche", overrides, seed=job.seed, days=60).run().timeseries
    return float(series["n_mm"].iloc[-1]), float(series.loc[series["day"] >= 30, "mm_near_oc"].mean())


def main() -> None:
    supported, unsupported = by_arm(run_arms(__doc__, ARMS, measure, seeds=lambda arm: SEEDS), ARMS)
    for factor, runs in zip(ARMS, (supported, unsupported), strict=True):
        cells, near = zip(*runs, strict=True)
        print(
            f"death factor near an osteoclast {factor:g}: MM cells at day 60 {fmt(cells)}; "
            f"share within reach of an osteoclast, days 30-60, {fmt(near)}"
        )
    difference = paired_contrast([run[0] for run in supported], [run[0] for run in unsupported])
    print(
        f"MM cells at day 60, with support minus without (paired by seed): {difference.estimate:.3g} "
        f"[{difference.low:.3g}, {difference.high:.3g}]"
    )


if __name__ == "__main__":
    main()
