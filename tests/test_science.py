"""Direction-only science checks: the suite fails when the biology breaks.

Each test states one published direction and checks its sign on the mean of a few
seeds, on a small piece of marrow (80 x 80 sites of 10 µm = 0.64 mm²) over 40
days. The runs are made once per arm and shared between tests (module-scoped
fixtures). These are not the validation targets (``python run.py validate``
measures sizes with intervals): they only ask whether an effect points the right
way, so that a change to the rules that reverses it fails here in a minute or two.

Arms: ``healthy``; ``mm`` is mm_niche at its file's density and focus spacing,
scaled to the area as the validation scales it (150 MM cells and 1.5 foci per mm²:
96 cells in 1 focus); ``mm_high`` holds 192 MM cells (300 per mm², T12's highest
burden) in that focus; ``mm`` with denosumab (its clinical 120 mg every 4 weeks), with
atacicept (700 mg every week), without the osteoclasts' support of MM (contact and APRIL,
the cycle's cut), with lenalidomide held at 1 µM (its Cmax on 25 mg daily is about
1.7 µM; also without its stromal-response action) or with the anti-DKK1 antibody
BHQ880 held at 0.07 µM (10 µg/mL, its in-vitro dose). Lenalidomide
is held, not dosed daily: its half-life is 3 h and the daily metrics are taken
23 h after each dose, so a daily regimen would test the trough, not the drug.

``mm_established`` is T5's setting (150 MM cells in 2 foci on 1 mm², 8 seeds, snapshots
on days 30-60): the claim is about marrow already infiltrated. In the first weeks the
osteoclasts sit at the seeded foci, so an early window (or a 0.64 mm² grid, where
MM soon fills nearly all the marrow and leaves a few bone-surface sites "far" from
it) would pass on the seeding transient rather than test the claim.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pytest
from scipy import ndimage

from niche_abm import NicheModel, load_scenario
from niche_abm.cells import MyelomaCell, Osteoclast
from niche_abm.cycle import arrows
from niche_abm.drugs.regimen import parse_regimen
from niche_abm.units import SITE_UM
from niche_abm.validation.common import area_scaled_counts

GRID = (80, 80)
SEEDS = (1, 2, 3, 4, 5)
DAYS = 40
LATE = (21, 40)
"""Days averaged for readouts that need the tumour and the osteoclasts to have built up (the second half)."""
MM = area_scaled_counts("mm_niche", GRID)
"""mm_niche's 600 MM cells in 6 foci per 4 mm², on the 0.64 mm² grid: 96 cells in 1 focus."""
HIGH_MM = 192
OSTEOCLAST_SUPPORT_CUT = dict(next(arrow.cut for arrow in arrows() if arrow.name == "osteoclast_support"))
"""The parameter values that switch off the osteoclasts' support of MM cells, by contact and through APRIL."""
NEAR_UM = 100.0
ESTABLISHED = {
    "overrides": area_scaled_counts("mm_niche", (100, 100)),
    "grid": (100, 100),
    "seeds": (1, 2, 3, 4, 5, 6, 7, 8),
    "snapshot_days": (30, 40, 50, 60),
}


@dataclass(frozen=True, repr=False)
class Run:
    """One seed of an arm: daily metrics, osteoclasts formed, and a snapshot on each snapshot day."""

    series: pd.DataFrame
    osteoclasts_formed: int
    snapshots: tuple[dict[str, np.ndarray], ...]

    def __repr__(self) -> str:
        return f"Run(days 0-{self.series['day'].iloc[-1]:g}, {len(self.snapshots)} snapshots)"


def simulate(
    scenario: str,
    overrides: dict | None = None,
    drugs: tuple[str, ...] = (),
    grid: tuple[int, int] = GRID,
    seeds: tuple[int, ...] = SEEDS,
    snapshot_days: tuple[int, ...] = (DAYS,),
) -> list[Run]:
    """Run an arm for every seed on a (width, height) grid up to the last snapshot day."""
    runs = []
    for seed in seeds:
        params = load_scenario(scenario, {"grid.width": grid[0], "grid.height": grid[1], **(overrides or {})})
        model = NicheModel(params, seed=seed, drugs=tuple(parse_regimen(d) for d in drugs))
        snapshots, series, done = [], None, 0
        for day in snapshot_days:
            series = model.run(day - done)
            done = day
            snapshots.append(model.snapshot())
        runs.append(Run(series, int(model.counters["osteoclasts_formed"]), tuple(snapshots)))
    return runs


def late_mean(runs: list[Run], column: str) -> float:
    """Mean over seeds of a daily column averaged over the LATE days."""
    first, last = LATE
    return float(np.mean([r.series.loc[r.series["day"].between(first, last), column].mean() for r in runs]))


def final_mean(runs: list[Run], column: str) -> float:
    """Mean over seeds of a daily column on the last day."""
    return float(np.mean([r.series[column].iloc[-1] for r in runs]))


def osteoclast_density_near_and_far(runs: list[Run]) -> tuple[float, float, int, int]:
    """Osteoclasts per bone-surface site within NEAR_UM of an MM cell and farther, pooled over seeds and snapshots.

    Returns (near density, far density, near surface sites, far surface sites).
    """
    oc_near = oc_far = bs_near = bs_far = 0
    for run in runs:
        for snap in run.snapshots:
            mm = snap["occupancy"] == MyelomaCell.code
            near = ndimage.distance_transform_edt(~mm) * SITE_UM <= NEAR_UM if mm.any() else np.zeros_like(mm)
            surface = snap["bone_surface"]
            oc = (snap["occupancy"] == Osteoclast.code) & surface
            oc_near += int((oc & near).sum())
            oc_far += int((oc & ~near).sum())
            bs_near += int((surface & near).sum())
            bs_far += int((surface & ~near).sum())
    return oc_near / max(bs_near, 1), oc_far / max(bs_far, 1), bs_near, bs_far


@pytest.fixture(scope="module")
def healthy() -> list[Run]:
    return simulate("healthy")


@pytest.fixture(scope="module")
def mm() -> list[Run]:
    return simulate("mm_niche", MM)


@pytest.fixture(scope="module")
def mm_established() -> list[Run]:
    return simulate("mm_niche", **ESTABLISHED)


@pytest.fixture(scope="module")
def mm_advanced() -> list[Run]:
    return simulate("mm_advanced", area_scaled_counts("mm_advanced", GRID))


@pytest.fixture(scope="module")
def mm_high() -> list[Run]:
    return simulate("mm_niche", MM | {"mm.initial_count": HIGH_MM})


@pytest.fixture(scope="module")
def mm_denosumab() -> list[Run]:
    return simulate("mm_niche", MM, drugs=("denosumab=120mg/4w",))


@pytest.fixture(scope="module")
def mm_lenalidomide() -> list[Run]:
    return simulate("mm_niche", MM, drugs=("lenalidomide=1uM",))


@pytest.fixture(scope="module")
def mm_lenalidomide_without_contact_response() -> list[Run]:
    return simulate("mm_niche", MM, drugs=("lenalidomide~stroma_contact_response=1uM",))


@pytest.fixture(scope="module")
def mm_bhq880() -> list[Run]:
    return simulate("mm_niche", MM, drugs=("bhq880=0.07uM",))


@pytest.fixture(scope="module")
def mm_without_osteoclast_support() -> list[Run]:
    return simulate("mm_niche", MM | OSTEOCLAST_SUPPORT_CUT)


@pytest.fixture(scope="module")
def mm_atacicept() -> list[Run]:
    return simulate("mm_niche", MM, drugs=("atacicept=700mg/1w",))


def test_mm_raises_the_marrow_rankl_opg_ratio_over_healthy(healthy, mm):
    """Giuliani 2001; Terpos 2003: MM contact raises stromal RANKL and lowers OPG."""
    with_mm, without = late_mean(mm, "rankl_opg_ratio"), late_mean(healthy, "rankl_opg_ratio")
    assert with_mm > without, f"RANKL/OPG days 21-40: mm_niche {with_mm:.4g} vs healthy {without:.4g}"


def test_mm_increases_resorbed_bone_over_healthy(healthy, mm):
    """Roodman 2004; Abe 2011: myeloma bone disease is excess resorption."""
    with_mm, without = final_mean(mm, "resorbed_mm2"), final_mean(healthy, "resorbed_mm2")
    assert with_mm > without, f"resorbed by day 40: mm_niche {with_mm:.4g} mm² vs healthy {without:.4g} mm²"


def test_more_initial_mm_forms_more_osteoclasts(healthy, mm_high):
    """Durie & Salmon 1975: bone disease grows with tumour mass (0 vs 300 MM cells per mm²)."""
    high = float(np.mean([r.osteoclasts_formed for r in mm_high]))
    none = float(np.mean([r.osteoclasts_formed for r in healthy]))
    assert high > none, f"osteoclasts formed in 40 d: {HIGH_MM} MM cells {high:.3g} vs none {none:.3g}"


def test_more_initial_mm_resorbs_more_bone(healthy, mm_high):
    """Durie & Salmon 1975: lytic lesions grow with tumour mass (0 vs 300 MM cells per mm²)."""
    high, none = final_mean(mm_high, "resorbed_mm2"), final_mean(healthy, "resorbed_mm2")
    assert high > none, f"resorbed by day 40: {HIGH_MM} MM cells {high:.4g} mm² vs none {none:.4g} mm²"


def test_osteoclasts_are_denser_on_bone_within_100_um_of_mm_than_far_from_it(mm_established):
    """Valentin-Opran 1982; Bataille 1986: osteoclasts concentrate where MM infiltrates (T5's direction)."""
    near, far, bs_near, bs_far = osteoclast_density_near_and_far(mm_established)
    assert bs_near > 0 and bs_far > 0, f"bone-surface sites near MM {bs_near}, far {bs_far}: nothing to compare"
    assert near > far, (
        f"osteoclasts per bone-surface site, days {ESTABLISHED['snapshot_days']} pooled over "
        f"{len(ESTABLISHED['seeds'])} seeds: within 100 µm of MM {near:.4g} ({bs_near} sites) vs farther {far:.4g} "
        f"({bs_far} sites)"
    )


def test_denosumab_cuts_osteoclast_surface(mm, mm_denosumab):
    """Kostenuik 2009: RANKL blockade removes osteoclasts."""
    treated, untreated = late_mean(mm_denosumab, "oc_s_bs"), late_mean(mm, "oc_s_bs")
    assert treated < untreated, f"Oc.S/BS days 21-40: denosumab {treated:.3g}% vs untreated {untreated:.3g}%"


def test_lenalidomide_lowers_the_rankl_opg_ratio_in_mm_marrow(mm, mm_lenalidomide):
    """Bolzoni 2013: lenalidomide blunts the MM-induced RANKL rise and normalises RANKL/OPG."""
    treated, untreated = late_mean(mm_lenalidomide, "rankl_opg_ratio"), late_mean(mm, "rankl_opg_ratio")
    assert treated < untreated, f"RANKL/OPG days 21-40: lenalidomide 1 µM {treated:.4g} vs untreated {untreated:.4g}"


def test_lenalidomide_lowers_rankl_opg_through_the_stromal_contact_response(
    mm, mm_lenalidomide, mm_lenalidomide_without_contact_response
):
    """Bolzoni 2013 (direction): the IMiDs normalise RANKL/OPG by blunting the stroma's response to MM contact.
    Left without that one action, lenalidomide keeps less than half of its fall in RANKL/OPG (`run.py dissect`)."""
    untreated, whole = late_mean(mm, "rankl_opg_ratio"), late_mean(mm_lenalidomide, "rankl_opg_ratio")
    without = late_mean(mm_lenalidomide_without_contact_response, "rankl_opg_ratio")
    assert untreated - without < 0.5 * (untreated - whole), (
        f"RANKL/OPG days 21-40: untreated {untreated:.4g}, lenalidomide {whole:.4g}, "
        f"without its contact-response action {without:.4g}"
    )


def test_mm_raises_microvessel_density_over_healthy(healthy, mm_advanced):
    """Vacca 1994; Rajkumar 2002: marrow microvessel density is higher in active MM (VEGF-driven sprouting).

    T15's arm (mm_advanced, its MM density per mm²) at day 40; sprouting takes weeks, so a smaller tumour (192 MM
    cells, mm_niche) or the mean over days 21-40 is within a few % of health. Measured 17.1 against 14.8 /mm².
    """
    with_mm, without = final_mean(mm_advanced, "microvessel_density"), final_mean(healthy, "microvessel_density")
    assert with_mm > without, f"microvessels /mm² at day 40: mm_advanced {with_mm:.3g} vs healthy {without:.3g}"


def test_mm_raises_the_eroded_surface_over_healthy(healthy, mm):
    """Bataille, Chappard & Basle 1996: the eroded surface of overt MM (median 12.2%) exceeds the normal level (below
    6%); ES leaves out the surface already carrying osteoid, as in histomorphometry."""
    with_mm, without = late_mean(mm, "es_bs"), late_mean(healthy, "es_bs")
    assert with_mm > without, f"ES/BS days 21-40: mm_niche {with_mm:.3g} vs healthy {without:.3g} %"


def test_mm_contact_raises_marrow_il6_over_healthy(healthy, mm):
    """Uchiyama 1993: MM adhesion to stroma triggers stromal IL-6."""
    with_mm, without = late_mean(mm, "il6_mean"), late_mean(healthy, "il6_mean")
    assert with_mm > without, f"IL-6 days 21-40: mm_niche {with_mm:.3g} vs healthy {without:.3g} pg/mL"


def test_anti_dkk1_restores_osteoblasts_in_mm_marrow(mm, mm_bhq880):
    """Fulciniti 2009: BHQ880 (anti-DKK1) raises osteoblast numbers in myeloma-bearing bone."""
    treated, untreated = late_mean(mm_bhq880, "n_ob"), late_mean(mm, "n_ob")
    assert treated > untreated, f"osteoblasts days 21-40: BHQ880 {treated:.3g} vs untreated {untreated:.3g}"


def test_healthy_bone_stays_within_one_bv_tv_point(healthy):
    """Manolagas 2000: remodelling is balanced in health (the seed-mean BV/TV on every day)."""
    courses = np.vstack([r.series["bv_tv"].to_numpy() - r.series["bv_tv"].iloc[0] for r in healthy])
    drift = courses.mean(axis=0)
    worst = int(np.argmax(np.abs(drift)))
    day = healthy[0].series["day"].iloc[worst]
    assert np.all(np.abs(drift) <= 1.0), f"seed-mean BV/TV moved {drift[worst]:+.3g} points by day {day:g}"


def test_osteoclasts_feed_the_tumour_so_cutting_their_support_slows_it(mm, mm_without_osteoclast_support):
    """Abe et al. 2004 and 2006: osteoclasts keep MM cells alive (by contact and through APRIL); without that
    support the tumour grows less (the vicious cycle's return arm)."""
    with_support, without = final_mean(mm, "n_mm"), final_mean(mm_without_osteoclast_support, "n_mm")
    assert with_support > without


def test_atacicept_slows_the_tumour(mm, mm_atacicept):
    """Yaccoby et al. 2008: atacicept (TACI-Ig) slows MM growth in SCID-hu mice and with osteoclasts; here it acts
    only on APRIL signalling, so any effect on the tumour comes through the osteoclasts' APRIL."""
    assert final_mean(mm_atacicept, "n_mm") < final_mean(mm, "n_mm")
