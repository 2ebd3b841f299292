"""The OPG uptake by MM cells as a hypothesis: what it does to T5, and what it does to marrow OPG.

`mm.opg_clearance_pl_per_h` (Standal et al. 2002: MM cells bind, internalise and
degrade OPG) is off by default. This measures, per uptake rate, T5's own readout
(osteoclasts per mm of bone surface within 100 µm of MM clusters over those
farther away; mm_niche on 100 x 100 sites, snapshots at days 30-60, 8 seeds
pooled) beside the marrow RANKL/OPG ratio at day 60 (mean of the seeds; healthy
marrow 0.015), the readout patients' marrow constrains: an uptake strong enough
to localise osteoclasts also empties the marrow of OPG. The runs go to the engine
layer like any batch's (``--workers``, ``--engine dask``, ``--scheduler``). About
8 minutes on 2 cores::

    python -m analysis.opg_uptake_sensitivity
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass

from niche_abm.commands.command import add_engine_arguments, engine_from
from niche_abm.jobs import map_jobs
from niche_abm.validation.common import IN_VIVO_SEEDS, at_day, simulate
from niche_abm.validation.t05_oc_near_mm import near_far_ratio, seed_counts

PARAMETER = "mm.opg_clearance_pl_per_h"
CLEARANCES = (0.0, 1.0, 10.0, 100.0)
"""Uptake rates compared, pL of marrow fluid per hour per MM cell."""
DAY = 60


@dataclass(frozen=True)
class Job:
    """One seed at one uptake (pL/h of fluid cleared per MM cell)."""

    index: int
    clearance: float
    seed: int


def counts(job: Job) -> tuple[float, dict[str, float], float]:
    """The uptake, T5's near/far counts of one seed at it and its marrow RANKL/OPG ratio on DAY."""
    overrides = {PARAMETER: job.clearance}
    ratio = at_day(simulate("mm_niche", job.seed, overrides=overrides).series, "rankl_opg_ratio", DAY)
    return job.clearance, seed_counts(job.seed, overrides), ratio


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_engine_arguments(parser, workers=2)
    args = parser.parse_args()
    pairs = [(value, seed) for value in CLEARANCES for seed in IN_VIVO_SEEDS]
    jobs = [Job(index, value, seed) for index, (value, seed) in enumerate(pairs)]
    results = map_jobs(jobs, engine_from(args, counts))
    print(f"{PARAMETER:>26}  near /mm  far /mm  near/far (T5: ≥ 2)  RANKL/OPG day {DAY}")
    for value in CLEARANCES:
        near, far, ratio = near_far_ratio([tally for v, tally, _ in results if v == value])
        marrow = [r for v, _, r in results if v == value]
        print(f"{value:>26g}  {near:8.3g}  {far:7.3g}  {ratio:17.3g}x  {sum(marrow) / len(marrow):15.3g}")


if __name__ == "__main__":
    main()
