"""Why fewer osteoclasts need not mean less tumour: the APRIL MM cells sense under anti-resorptives.

Zoledronic acid halves the osteoclasts of `mm_niche` and leaves the tumour as it is (README, `dissect`), while
cutting the osteoclasts' support altogether slows it by a fifth (`cycle`). This runs `mm_niche` on 1 mm² (150 MM
cells in two foci, 60 days) untreated, with zoledronic acid (4 mg every 4 weeks), with denosumab (120 mg every
4 weeks) and with the osteoclasts' support cut (contact and APRIL), seeds 101-116, and prints per arm the MM
cells at day 60, the osteoclasts and the marrow APRIL (mean of days 31-60), and the APRIL the MM cells sense and
the share of them within contact reach of an osteoclast (means over days 31-60), each with its 95% t-interval.
About 2 minutes on 2 cores::

    python -m analysis.osteoclast_drugs
"""

from __future__ import annotations

import numpy as np

from analysis.seeded_arms import SeededJob, by_arm, run_arms
from niche_abm import NicheModel, load_scenario
from niche_abm.cells import MyelomaCell
from niche_abm.cycle import arrows
from niche_abm.drugs.regimen import parse_regimen
from niche_abm.units import STEP_H
from niche_abm.validation.common import fmt

ONE_MM2 = {"grid.width": 100, "grid.height": 100, "mm.initial_count": 150, "mm.initial_foci": 2}
CUT = dict(next(arrow.cut for arrow in arrows() if arrow.name == "osteoclast_support"))
ARMS = ("untreated", "zoledronic-acid=4mg/4w", "denosumab=120mg/4w", "support cut")
SEEDS = tuple(range(101, 117))
DAYS, FROM_DAY = 60, 31


def measure(job: SeededJob) -> tuple[float, float, float, float, float]:
    """(MM cells at day 60; means over days 31-60 of osteoclasts, marrow APRIL in pg/mL, the APRIL MM cells
    sense in pM, and the share of MM cells within contact reach of an osteoclast)."""
    overrides = {**ONE_MM2, **(CUT if job.arm == "support cut" else {})}
    drugs = (parse_regimen(job.arm),) if "=" in job.arm else ()
    model = NicheModel(load_scenario("mm_niche", overrides), seed=job.seed, drugs=drugs)
    model.run(FROM_DAY - 1)
    sensed = []
    for _ in range(DAYS - FROM_DAY + 1):
        for _ in range(int(round(24 / STEP_H))):
            model.step()
        sites = model.lattice.sites_of(MyelomaCell)
        sensed.append(float(model.signals.at("april", sites).mean()) if len(sites) else 0.0)
    series = model.timeseries()
    late = series[series["day"] >= FROM_DAY]
    return (
        float(series["n_mm"].iloc[-1]),
        float(late["n_oc"].mean()),
        float(late["april_mean"].mean()),
        float(np.mean(sensed)),
        float(late["mm_near_oc"].mean()),
    )


def main() -> None:
    results = by_arm(run_arms(__doc__, ARMS, measure, seeds=lambda arm: SEEDS), ARMS)
    names = ("MM cells at day 60", "osteoclasts", "marrow APRIL, pg/mL", "APRIL at MM cells, pM", "MM near an OC")
    for arm, runs in zip(ARMS, results, strict=True):
        columns = list(zip(*runs, strict=True))
        print(f"{arm}: " + "; ".join(f"{name} {fmt(column)}" for name, column in zip(names, columns, strict=True)))


if __name__ == "__main__":
    main()
