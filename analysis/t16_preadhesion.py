"""T16 with the cells adhered before the drug: does Damiano's pre-adhesion change the contact advantage?

An exploration beside the validation target, not a change of it. Damiano et al.
1999 (Blood 93:1658) exposed myeloma cells to melphalan after they had adhered
to fibronectin; T16 adds each drug at hour 0, when the MM cells seeded among the
stroma have not yet adhered (about a third of them are adherent after the first
hour, nine in ten after a day). This runs T16's wells (co-culture, 100 x 100
sites, seeds 1-5) with the drug added after 0, 2 or 24 h of culture and kept
for 48 h after that, and prints each drug's contact advantage (MM survival in
contact over survival across a transwell, per seed; survival = MM count under
the drug over the untreated count of the same setting, seed and hours) with its
95% t-interval. About 1 minute on 2 cores::

    python -m analysis.t16_preadhesion
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from analysis.seeded_arms import SeededJob, run_arms
from niche_abm.coculture import CAM_DR_DRUGS, CONTACT, TRANSWELL, cam_dr_arm, run_arm
from niche_abm.validation.common import fmt
from niche_abm.validation.t16_cam_dr import SEEDS

PRE_ADHESION_H = (0, 2, 24)
"""Hours of culture before the drug is added."""
DRUG_HOURS = 48
"""Hours of culture with the drug, as in T16."""
WELLS = tuple(
    (drug, setting, pre) for pre in PRE_ADHESION_H for drug in CAM_DR_DRUGS for setting in (CONTACT, TRANSWELL)
)
"""One arm per pre-adhesion time, drug and setting (contact or transwell)."""


def measure(job: SeededJob) -> float:
    """MM survival of one well: MM count with the drug added after `pre` hours over the untreated count."""
    drug, setting, pre = job.arm
    arm = cam_dr_arm(drug, setting)
    arm = replace(arm, drugs=tuple(f"{regimen}@day{pre / 24:.6f}" for regimen in arm.drugs))
    hours = pre + DRUG_HOURS
    return run_arm(arm, job.seed, hours)["n_mm"] / run_arm(setting, job.seed, hours)["n_mm"]


def main() -> None:
    survival = np.array(run_arms(__doc__, WELLS, measure, seeds=lambda arm: SEEDS)).reshape(len(WELLS), len(SEEDS))
    by_well = dict(zip(WELLS, survival, strict=True))
    for pre in PRE_ADHESION_H:
        advantages = (
            f"{drug} {fmt(by_well[(drug, CONTACT, pre)] / by_well[(drug, TRANSWELL, pre)], 'x')}"
            for drug in CAM_DR_DRUGS
        )
        print(f"drug added after {pre} h: contact advantage " + "; ".join(advantages))


if __name__ == "__main__":
    main()
