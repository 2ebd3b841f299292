"""T5 against the OPG uptake by MM cells: is the near/far osteoclast ratio set by the uptake's estimated rate?

`mm.opg_clearance_pl_per_h` (Standal et al. 2002: MM cells bind, internalise and
degrade OPG) is an estimate, and the rule was added after T5 failed, so this
checks that T5 does not hang on the chosen value: T5's own measure (osteoclasts
per mm of bone surface within 100 µm of MM clusters over those farther away,
mm_niche on 100 x 100 sites, snapshots at days 30-60, 8 seeds pooled) at no
uptake, a tenth of the default, the default and ten times it. About 8 minutes
on 2 cores::

    python -m analysis.opg_uptake_sensitivity
"""

from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor

from niche_abm.params import BY_NAME
from niche_abm.validation.common import IN_VIVO_SEEDS
from niche_abm.validation.t05_oc_near_mm import near_far_ratio, seed_counts

PARAMETER = "mm.opg_clearance_pl_per_h"
FACTORS = (0.0, 0.1, 1.0, 10.0)


def _job(job: tuple[float, int]) -> tuple[float, dict[str, float]]:
    clearance, seed = job
    return clearance, seed_counts(seed, {PARAMETER: clearance})


def main() -> None:
    default = BY_NAME[PARAMETER].default
    values = [factor * default for factor in FACTORS]
    jobs = [(value, seed) for value in values for seed in IN_VIVO_SEEDS]
    with ProcessPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(_job, jobs))
    print(f"{PARAMETER:>28}  near /mm  far /mm  near/far (T5 passes at ≥ 2)")
    for value in values:
        near, far, ratio = near_far_ratio([counts for v, counts in results if v == value])
        print(f"{value:>28g}  {near:8.3g}  {far:7.3g}  {ratio:8.3g}x")


if __name__ == "__main__":
    main()
