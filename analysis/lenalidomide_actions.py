"""Why lenalidomide's CD49d cut does nothing and its CCL3 cut little in `mm_niche`: the two checks behind the
README's dissection of lenalidomide (`run.py dissect lenalidomide`).

An exploration beside the dissection, not a part of it, on `mm_niche` over 1 mm² (100 x 100 sites, 150 MM cells
in two foci) as the validation runs it:

- adhesion: the share of the MM cells touching stroma that are adherent at day 30, untreated and with
  lenalidomide's adhesion cut alone (10 µM held, every other effect left out), seeds 1-4. If adhesion
  saturates, the share hardly moves;
- CCL3: the bone resorbed in 60 days with MM cells secreting CCL3 at the table's rate, at the share lenalidomide
  leaves at 10 µM (0.455) and not at all, seeds 101-116. Were CCL3's effects saturated, the lowered secretion
  would resorb about as much as the full one.

About 90 seconds on 2 cores::

    python -m analysis.lenalidomide_actions
"""

from __future__ import annotations

from analysis.seeded_arms import SeededJob, run_arms
from niche_abm.cells.myeloma import MyelomaCell
from niche_abm.cells.stroma import StromalCell
from niche_abm.drugs.regimen import Treatment, parse_regimen
from niche_abm.experiment import RunDescription
from niche_abm.params import build_parameters
from niche_abm.validation.common import fmt

ONE_MM2 = {"grid.width": 100, "grid.height": 100, "mm.initial_count": 150, "mm.initial_foci": 2}
ADHESION_ALONE = "lenalidomide~mm_ccl3_secretion~stroma_contact_response~osteoclast_formation=10uM"
CCL3_LEFT = Treatment([parse_regimen("lenalidomide=10uM")]).multipliers(0.0)["mm_ccl3_secretion"]
"""The share of MM cells' CCL3 secretion that lenalidomide leaves at 10 µM."""
ARMS = (
    ("adhesion", "untreated", ()),
    ("adhesion", "lenalidomide's adhesion cut alone", (ADHESION_ALONE,)),
    ("ccl3", "MM CCL3 at the table's rate", 1.0),
    ("ccl3", f"MM CCL3 x {CCL3_LEFT:.3f}, as lenalidomide leaves it", CCL3_LEFT),
    ("ccl3", "no MM CCL3", 0.0),
)
"""(check, label, regimens of an adhesion arm or the share of MM's CCL3 secretion of a CCL3 arm)."""
SEEDS = {"adhesion": (1, 2, 3, 4), "ccl3": tuple(range(101, 117))}


def measure(job: SeededJob) -> float:
    """An adhesion arm: the adherent share of the MM cells touching stroma at day 30. A CCL3 arm: the bone resorbed
    by day 60, 0.001 mm²."""
    check, _, setting = job.arm
    if check == "adhesion":
        model = RunDescription("mm_niche", ONE_MM2, setting, seed=job.seed, days=30).build()
        for _ in range(30 * 24):
            model.step()
        sites = model.lattice.sites_of(MyelomaCell)
        touching = model.niche.touching(StromalCell.code, sites)
        return float(model.lattice.read(MyelomaCell, "adherent", sites)[touching].mean())
    secretion = build_parameters().mm.ccl3_secretion * setting
    run = RunDescription("mm_niche", {**ONE_MM2, "mm.ccl3_secretion": secretion}, seed=job.seed, days=60).run()
    return 1e3 * float(run.timeseries["resorbed_mm2"].iloc[-1])


def main() -> None:
    outcomes = iter(run_arms(__doc__, ARMS, measure, seeds=lambda arm: SEEDS[arm[0]]))
    for check, label, _ in ARMS:
        values = [next(outcomes) for _ in SEEDS[check]]
        if check == "adhesion":
            print(f"{label}: adherent share of the MM cells touching stroma at day 30 {fmt(values)}")
        else:
            print(f"{label}: resorbed by day 60 {fmt(values, '0.001 mm²')}")


if __name__ == "__main__":
    main()
