"""T5 against the OPG uptake by MM cells: is the near/far osteoclast ratio set by the uptake's estimated rate?

`mm.opg_clearance_pl_per_h` (Standal et al. 2002: MM cells bind, internalise and
degrade OPG) is an estimate, and the rule was added after T5 failed, so this
checks that T5 does not hang on the chosen value: T5's own measure (osteoclasts
per mm of bone surface within 100 µm of MM clusters over those farther away,
mm_niche on 100 x 100 sites, snapshots at days 30-60, 8 seeds pooled) at no
uptake, a tenth of the default, the default and ten times it. The runs go to
the engine layer like any batch's (``--workers``, ``--engine dask``,
``--scheduler``). About 8 minutes on 2 cores::

    python -m analysis.opg_uptake_sensitivity
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass

from niche_abm.commands.command import add_engine_arguments, engine_from
from niche_abm.jobs import map_jobs
from niche_abm.params import BY_NAME
from niche_abm.validation.common import IN_VIVO_SEEDS
from niche_abm.validation.t05_oc_near_mm import near_far_ratio, seed_counts

PARAMETER = "mm.opg_clearance_pl_per_h"
FACTORS = (0.0, 0.1, 1.0, 10.0)


@dataclass(frozen=True)
class Job:
    """One seed at one uptake (pL/h of fluid cleared per MM cell)."""

    index: int
    clearance: float
    seed: int


def counts(job: Job) -> tuple[float, dict[str, float]]:
    """The uptake and T5's near/far counts of one seed at it."""
    return job.clearance, seed_counts(job.seed, {PARAMETER: job.clearance})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_engine_arguments(parser, workers=2)
    args = parser.parse_args()
    default = BY_NAME[PARAMETER].default
    values = [factor * default for factor in FACTORS]
    pairs = [(value, seed) for value in values for seed in IN_VIVO_SEEDS]
    jobs = [Job(index, value, seed) for index, (value, seed) in enumerate(pairs)]
    results = map_jobs(jobs, engine_from(args, counts))
    print(f"{PARAMETER:>28}  near /mm  far /mm  near/far (T5 passes at ≥ 2)")
    for value in values:
        near, far, ratio = near_far_ratio([counts for v, counts in results if v == value])
        print(f"{value:>28g}  {near:8.3g}  {far:7.3g}  {ratio:8.3g}x")


if __name__ == "__main__":
    main()
