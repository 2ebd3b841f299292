"""What puts T5's osteoclasts next to MM: one mechanism off at a time, OPG's loss rate, and OPG uptake by MM cells.

T5 (osteoclasts per mm of bone surface within 100 µm of MM clusters at least 2x
those farther away) read 1.71x while OPG left the marrow at the whole-body
0.35/day of the compartment models: a 3 mm reach spread contact's OPG drop over
the whole marrow. OPG now leaves the marrow fluid at a tissue rate (1/h, the
rate at which albumin is cleared from bone's extravascular fluid). This measures
T5's own readout (mm_niche on 100 x 100 sites, snapshots at days 30-60, 8 seeds
pooled) beside the marrow RANKL/OPG ratio at day 60 (mean of the seeds; healthy
marrow 0.015), the readout patients' marrow constrains, in these arms:

- the model as it is, and OPG's loss at 0.0146 (the former value), 0.17 and
  0.5 /h, each with the stromal and osteoblast OPG secretion rescaled by the
  same factor so that healthy marrow OPG is unchanged;
- one mechanism off: contact's OPG drop (``stroma.contact_opg_fold`` 1),
  contact's RANKL rise (``stroma.contact_rankl_fold`` 1), DKK1's cut of
  osteoblast OPG (``ob.dkk1_opg_suppression`` 0) and MM CCL3
  (``mm.ccl3_secretion`` 0);
- OPG uptake by MM cells (``mm.opg_clearance_pl_per_h``, off in the model;
  Standal et al. 2002) at 1, 10 and 100 pL/h;
- the model on 200 x 200 sites (4 mm², the scenario's own 600 MM cells in 6 foci): whether the
  hallmark holds on a larger piece of marrow.

The runs go to the engine layer like any batch's (``--workers``, ``--engine dask``,
``--scheduler``). About 10 minutes on 2 cores::

    python -m analysis.t5_far_field
"""

from __future__ import annotations

from typing import NamedTuple

from analysis.seeded_arms import SeededJob, run_arms
from niche_abm.params import build_parameters
from niche_abm.validation.common import GRID, at_day, simulate
from niche_abm.validation.t05_oc_near_mm import near_far_ratio, seed_counts

DEFAULTS = build_parameters()


def opg_loss(rate_per_h: float) -> dict[str, float]:
    """Overrides giving OPG the loss rate rate_per_h, its stromal and osteoblast secretion rescaled by the same
    factor (both share the stromal default), so that healthy marrow OPG is unchanged."""
    secretion = DEFAULTS.stroma.opg_secretion * rate_per_h / DEFAULTS.opg.decay_per_h
    return {"opg.decay_per_h": rate_per_h, "stroma.opg_secretion": secretion, "ob.opg_secretion": secretion}


class Arm(NamedTuple):
    """One arm: its label, parameter overrides and grid (MM cells are scaled to the area, 150 per mm²)."""

    label: str
    overrides: dict[str, float]
    grid: tuple[int, int] = GRID


ARMS: tuple[Arm, ...] = (
    Arm("the model as it is", {}),
    Arm("OPG loss 0.0146/h (0.35/day)", opg_loss(0.0146)),
    Arm("OPG loss 0.17/h", opg_loss(0.17)),
    Arm("OPG loss 0.5/h", opg_loss(0.5)),
    Arm("no OPG drop on contact", {"stroma.contact_opg_fold": 1.0}),
    Arm("no RANKL rise on contact", {"stroma.contact_rankl_fold": 1.0}),
    Arm("no DKK1 cut of osteoblast OPG", {"ob.dkk1_opg_suppression": 0.0}),
    Arm("no MM CCL3", {"mm.ccl3_secretion": 0.0}),
    Arm("OPG uptake 1 pL/h per MM cell", {"mm.opg_clearance_pl_per_h": 1.0}),
    Arm("OPG uptake 10 pL/h per MM cell", {"mm.opg_clearance_pl_per_h": 10.0}),
    Arm("OPG uptake 100 pL/h per MM cell", {"mm.opg_clearance_pl_per_h": 100.0}),
    Arm("the model on 200 x 200 (4 mm²)", {}, (200, 200)),
)
DAY = 60


def measure(job: SeededJob) -> tuple[int, dict[str, float], float]:
    """The arm (job.arm: an index into ARMS), T5's near/far counts of one seed in it and its marrow RANKL/OPG
    ratio on DAY."""
    arm = ARMS[job.arm]
    run = simulate("mm_niche", job.seed, overrides=arm.overrides, grid=arm.grid)
    return job.arm, seed_counts(job.seed, arm.overrides, arm.grid), at_day(run.series, "rankl_opg_ratio", DAY)


def main() -> None:
    results = run_arms(__doc__, range(len(ARMS)), measure)
    print(f"{'arm':<34}  near /mm  far /mm  near/far (T5: ≥ 2)  RANKL/OPG day {DAY}")
    for arm, (label, *_) in enumerate(ARMS):
        near, far, ratio = near_far_ratio([tally for a, tally, _ in results if a == arm])
        marrow = [r for a, _, r in results if a == arm]
        print(f"{label:<34}  {near:8.3g}  {far:7.3g}  {ratio:17.3g}x  {sum(marrow) / len(marrow):15.3g}")


if __name__ == "__main__":
    main()
