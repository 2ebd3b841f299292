"""Each cell rule, checked on its own on a tiny hand-built niche.

Every test builds a small grid by hand (``conftest.tiny_model``), places the
cells the rule needs (marrow cells on marrow sites, osteoclasts and osteoblasts
on bone-surface sites) and switches off the rules it does not test, so a failure
points at one rule. Stochastic claims use enough cells that the expected
effect is several standard deviations from chance; the bands are binomial
(4 sigma) around the rate the parameter table gives.
"""

from __future__ import annotations

import ast
import re
from dataclasses import replace

import numpy as np
import pytest
from conftest import REPO_ROOT, alive, check_lattice, flat, live_forever, place, settle, tiny_model, xy_of

from niche_abm import NicheModel, build_parameters, load_scenario
from niche_abm.cells import (
    CELL_KINDS,
    EndothelialCell,
    MyelomaCell,
    Osteoblast,
    Osteoclast,
    OsteoclastPrecursor,
    StromalCell,
    endothelium,
    myeloma,
    osteoblast,
    osteoclast,
    precursor,
    stroma,
)
from niche_abm.cells.kind import register
from niche_abm.drugs import DRUGS
from niche_abm.params import BY_NAME
from niche_abm.rules import RULES, probability, rules_text
from niche_abm.units import PM_PER_MOLECULE_PER_PL
from niche_abm.world import kernels
from niche_abm.world.lattice import MARROW, SURFACE
from niche_abm.world.signals import SIGNALS

DEFAULTS = build_parameters()

# MM cells that stay where they are put and neither die nor divide unless a test says so.
STILL_MM = {
    "mm.migration_rate": 0.0,
    "mm.death_rate_free": 0.0,
    "mm.death_rate_adherent": 0.0,
    "mm.division_rate_free": 0.0,
    "mm.division_rate_adherent": 0.0,
}


NO_DRUG = {"mm_death": 1.0, "mm_death_adherent": 1.0, "mm_death_il6": 1.0, "mm_death_adherent_il6": 1.0}
"""The MM-death targets with no drug given."""


def test_il6_blunts_only_the_kill_of_drugs_it_rescues():
    """IL-6 halving death (factor 0.5): spontaneous death and dexamethasone's kill are halved, melphalan's extra kill
    is not (Lichtenstein et al. 1995: IL-6 blocks dexamethasone-, not doxorubicin- or etoposide-induced apoptosis)."""
    free, far, half = np.array([False]), np.array([False]), np.array([0.5])
    base = DEFAULTS.mm.death_rate_free
    melphalan = {**NO_DRUG, "mm_death": 5.0}
    dexamethasone = {**NO_DRUG, "mm_death_il6": 5.0}
    no_april = np.ones(1)
    assert myeloma.death_rate(free, far, half, no_april, NO_DRUG, DEFAULTS)[0] == pytest.approx(0.5 * base)
    assert myeloma.death_rate(free, far, half, no_april, melphalan, DEFAULTS)[0] == pytest.approx(base * (0.5 + 4.0))
    assert myeloma.death_rate(free, far, half, no_april, dexamethasone, DEFAULTS)[0] == pytest.approx(base * 0.5 * 5.0)


def run_hours(model, hours: int) -> None:
    for _ in range(hours):
        model.step()


def within_binomial(events: int, trials: int, p: float, sigmas: float = 4.0) -> bool:
    """Whether events out of trials is within `sigmas` standard deviations of trials x p."""
    return abs(events - trials * p) <= sigmas * np.sqrt(trials * p * (1 - p))


def pairs_layout(n_side: int = 10, spacing: int = 4) -> tuple[list, list]:
    """Stromal sites and the MM site touching each, spaced so no MM cell touches another pair."""
    stroma_sites = [(spacing * i + 1, spacing * j + 1) for i in range(n_side) for j in range(n_side)]
    mm_sites = [(x + 1, y) for x, y in stroma_sites]
    return stroma_sites, mm_sites


def bone_wall(shape=(20, 20), depth: int = 4) -> np.ndarray:
    """Solid bone (fraction 1) in the columns x < depth, marrow elsewhere: the bone surface is x = depth - 1."""
    bone = np.zeros(shape)
    bone[:depth, :] = 1.0
    return bone


def chebyshev(a: tuple[int, int], b: tuple[int, int]) -> int:
    return max(abs(a[0] - b[0]), abs(a[1] - b[1]))


# --- stromal cells (PreOBs) ------------------------------------------------------------------


def test_mm_contact_multiplies_stromal_rankl_and_opg_secretion_by_the_contact_folds():
    rankl, opg = stroma.secretion(np.array([True, False]), DEFAULTS)
    s = DEFAULTS.stroma
    assert rankl == pytest.approx([s.rankl_secretion * s.contact_rankl_fold, s.rankl_secretion])
    assert opg == pytest.approx([s.opg_secretion * s.contact_opg_fold, s.opg_secretion])
    assert s.contact_rankl_fold > 1 and s.contact_opg_fold < 1


def _two_stromal_cells(mm_adherent: bool | None, uptake: float = 0.0):
    """Two stromal cells 600 µm apart (3.75 RANKL diffusion lengths); an MM cell touches the first.

    uptake: the MM cell's OPG clearance, pL/h (0 isolates the stroma's contact response)."""
    model = tiny_model(shape=(80, 40), **{"mm.opg_clearance_pl_per_h": uptake})
    touched, untouched = place(model, StromalCell, (10, 20), (70, 20))
    if mm_adherent is not None:
        (mm,) = place(model, MyelomaCell, (11, 20), cd49d=1.0)
        mm.adherent = mm_adherent
    settle(model)
    return model, touched, untouched


def test_mm_contact_raises_stromal_rankl():
    """RANKL beside a touched stromal cell is about contact_rankl_fold times that beside an untouched one."""
    model, touched, untouched = _two_stromal_cells(mm_adherent=True)
    assert touched.touched_by_adherent_mm and not untouched.touched_by_adherent_mm
    rankl = model.signals.map("rankl")
    ratio = rankl[10, 20] / rankl[70, 20]
    fold = DEFAULTS.stroma.contact_rankl_fold
    # Measured 3.82 for a fold of 4: the far cell adds a little RANKL to each.
    assert 0.9 * fold < ratio <= fold


def test_mm_contact_lowers_the_opg_released_into_the_marrow():
    """With no-flux edges the steady OPG amount is proportional to secretion: (1 + opg_fold) / 2 of baseline."""
    touched_model, _, _ = _two_stromal_cells(mm_adherent=True)
    baseline, _, _ = _two_stromal_cells(mm_adherent=None)
    ratio = touched_model.signals.map("opg").mean() / baseline.signals.map("opg").mean()
    assert ratio == pytest.approx((1 + DEFAULTS.stroma.contact_opg_fold) / 2, rel=1e-6)


def test_mm_cells_take_up_opg_where_they_are():
    """An MM cell clearing OPG (Standal 2002) lowers OPG most where it sits, and at steady state the stroma's OPG
    goes to decay, the edge and the MM cell, which takes its clearance times the OPG of its voxel."""
    clearance = 100.0  # pL/h per cell; the rule is off by default
    taking, _, _ = _two_stromal_cells(uptake=clearance, mm_adherent=False)
    plain, _, _ = _two_stromal_cells(uptake=0.0, mm_adherent=False)
    with_uptake, without = taking.signals.map("opg"), plain.signals.map("opg")
    near, far = with_uptake[11, 20] / without[11, 20], with_uptake[70, 20] / without[70, 20]
    assert near < far < 1.0
    decay, outflow = taking.signals.fields["opg"].loss_rates()
    taken = clearance * with_uptake[11, 20] / PM_PER_MOLECULE_PER_PL  # molecules/h into the MM cell
    secreted = sum(plain.signals.fields["opg"].loss_rates())  # the same stroma secrete the same OPG in both
    assert decay + outflow + taken == pytest.approx(secreted, rel=1e-9)


def test_a_non_adherent_mm_neighbour_does_not_raise_stromal_rankl():
    """Contact needs adhesion: a free MM cell next to a stromal cell leaves its RANKL at baseline."""
    model, touched, _ = _two_stromal_cells(mm_adherent=False)
    baseline, _, _ = _two_stromal_cells(mm_adherent=None)
    assert not touched.touched_by_adherent_mm
    np.testing.assert_array_equal(model.signals.map("rankl"), baseline.signals.map("rankl"))
    np.testing.assert_array_equal(model.signals.map("opg"), baseline.signals.map("opg"))


def test_mm_contact_ccl3_and_dkk1_hold_back_osteoblast_differentiation():
    s = DEFAULTS.stroma
    top = s.osteoblast_differentiation_rate
    wnt = osteoblast.wnt_signalling(np.array([0.0, 0.0, 0.0, 0.0, s.dkk1_ic50_pm]), DEFAULTS)
    rate = stroma.differentiation_rate(
        np.array([top, top, top, 0.0, top]),
        np.array([False, True, False, False, False]),
        np.array([0.0, 0.0, s.ccl3_differentiation_ic50_pm, 0.0, 0.0]),
        wnt,
        DEFAULTS,
    )
    assert rate == pytest.approx([top, top * (1 - s.mm_contact_differentiation_block), top / 2, 0.0, top / 2])


def test_dkk1_halves_wnt_signalling_at_its_ic50_and_lowers_osteoblast_opg():
    s = DEFAULTS.stroma
    assert osteoblast.wnt_signalling(np.array([0.0, s.dkk1_ic50_pm]), DEFAULTS) == pytest.approx([1.0, 0.5])


def _preob_by_an_eroded_surface(preob_site: tuple[int, int], seed: int):
    """A bone wall with one resorbed site (3, 10); a PreOB on the eroded surface at preob_site, one away from it."""
    model = tiny_model(
        bone_wall(),
        seed=seed,
        **{
            "stroma.osteoblast_differentiation_rate": 1.0,
            "stroma.eroded_surface_recruitment": 0.0,
            "stroma.renewal_rate": 0.0,
        },
    )
    model.bone.fraction[3, 10] = 0.0
    eroded, elsewhere = place(model, StromalCell, preob_site, (4, 2))
    settle(model)
    assert model.bone.eroded_zone[preob_site] and not model.bone.eroded_zone[4, 2]
    return model, eroded, elsewhere


def _until_gone(model, cell, hours: int = 24) -> None:
    for _ in range(hours):
        model.step()
        if not alive(cell):
            return


@pytest.mark.parametrize("seed", range(4))
def test_a_preob_on_an_eroded_surface_becomes_an_osteoblast_on_a_free_bone_surface_site_next_to_it(seed):
    """The PreOB faces the resorbed site (3, 10); its free bone-surface neighbours are (3, 9) and (3, 11)."""
    model, preob, elsewhere = _preob_by_an_eroded_surface((4, 10), seed)
    _until_gone(model, preob)
    assert not alive(preob), "differentiation at 1 /h happens within a day"
    (ob,) = model.lattice.cells_of(Osteoblast)[0]
    assert xy_of(ob) in {(3, 9), (3, 11)}
    assert alive(elsewhere), "a PreOB away from an eroded surface stays a PreOB"


def test_a_differentiating_preob_becomes_an_osteoblast_facing_the_cavity():
    """A PreOB at (4, 11) is on the eroded surface of the resorbed site (3, 10), but of its free bone-surface
    neighbours only (3, 11) touches that site; (3, 12) does not. The osteoblast it becomes must line the cavity,
    so it has bone to lay down and is still at work an hour later (8 seeds)."""
    stranded = []
    for seed in range(8):
        model, preob, _ = _preob_by_an_eroded_surface((4, 11), seed)
        _until_gone(model, preob)
        assert not alive(preob)
        if model.count(Osteoblast) != 1:
            stranded.append(seed)
    assert not stranded, f"seeds {stranded}: the new osteoblast had no cavity next to it and retired at once"


# --- MM cells --------------------------------------------------------------------------------


def test_mm_adhesion_rate_rises_with_cd49d_as_a_hill_function():
    cd49d = np.array([0.0, 0.1, 0.25, 0.5, 1.0, 2.0, 100.0])
    rate = myeloma.adhesion_rate(cd49d, DEFAULTS)
    top, half = DEFAULTS.mm.adhesion_rate, DEFAULTS.mm.adhesion_strength_half
    assert rate[0] == 0.0
    assert np.all(np.diff(rate) > 0)
    assert myeloma.adhesion_rate(np.array([half]), DEFAULTS)[0] == pytest.approx(top / 2)
    assert rate[-1] == pytest.approx(top, rel=1e-3)


def _mm_beside_stroma(cd49d_values, seed=0, **overrides):
    """100 stromal cells, each with one MM cell touching it (cd49d cycling through cd49d_values)."""
    model = tiny_model(shape=(40, 40), seed=seed, **{**STILL_MM, "mm.detachment_rate": 0.0, **overrides})
    stroma_sites, mm_sites = pairs_layout()
    place(model, StromalCell, *stroma_sites)
    cells = [
        place(model, MyelomaCell, site, cd49d=cd49d_values[i % len(cd49d_values)])[0] for i, site in enumerate(mm_sites)
    ]
    settle(model)
    return model, cells


def test_an_mm_cell_next_to_stroma_adheres_and_one_without_adhesion_molecules_never_does():
    no_other_pairs = {"mm.adhesion_share_itga8": 0.0, "mm.adhesion_share_icam2": 0.0}
    model, cells = _mm_beside_stroma([1.0, 0.0], **no_other_pairs)
    with_cd49d = [c for c in cells if c.cd49d > 0]
    without = [c for c in cells if c.cd49d == 0]
    for _ in range(48):
        model.step()
        assert not any(c.adherent for c in without)
    assert all(c.adherent for c in with_cd49d)


def test_mm_cells_at_half_max_cd49d_adhere_at_half_the_maximal_rate():
    """After one hour beside stroma, a share 1 - exp(-adhesion_rate / 2) of cells at half-max CD49d adhere."""
    half = DEFAULTS.mm.adhesion_strength_half
    adhered = trials = 0
    for seed in range(5):
        model, cells = _mm_beside_stroma([half], seed=seed)
        model.step()
        adhered += sum(c.adherent for c in cells)
        trials += len(cells)
    assert within_binomial(adhered, trials, float(probability(DEFAULTS.mm.adhesion_rate / 2)))


def test_an_mm_cell_with_no_stroma_around_never_adheres():
    model = tiny_model(shape=(40, 40), **{"mm.death_rate_free": 0.0, "mm.division_rate_free": 0.0})
    cells = place(model, MyelomaCell, *[(x, y) for x in range(2, 40, 4) for y in range(2, 40, 4)], cd49d=10.0)
    settle(model)
    for _ in range(48):
        model.step()
        assert not any(c.adherent for c in cells)
    assert all(alive(c) for c in cells)


def test_adherent_mm_cells_die_slower_than_free_ones_and_divide_at_their_own_rate():
    both = np.array([True, False])
    never_near = np.array([False, False])
    no_il6, no_drug = np.ones(2), NO_DRUG
    division = myeloma.division_rate(both, never_near, no_il6, DEFAULTS)
    death = myeloma.death_rate(both, never_near, no_il6, np.ones(2), no_drug, DEFAULTS)
    assert death[0] < death[1]
    assert division == pytest.approx([DEFAULTS.mm.division_rate_adherent, DEFAULTS.mm.division_rate_free])
    assert death == pytest.approx([DEFAULTS.mm.death_rate_adherent, DEFAULTS.mm.death_rate_free])


def _founders(adherent: bool, seed: int, **overrides):
    """100 MM founders, each bound to its own stromal cell (adherent) or in the same spots with no stroma."""
    model = tiny_model(shape=(40, 40), seed=seed, **{**STILL_MM, "mm.detachment_rate": 0.0, **overrides})
    stroma_sites, mm_sites = pairs_layout()
    if adherent:
        place(model, StromalCell, *stroma_sites)
    cells = place(model, MyelomaCell, *mm_sites, cd49d=1.0)
    for cell in cells:
        cell.adherent = adherent
    settle(model)
    return model, cells


def test_adherent_mm_cells_die_at_the_adherent_rate_and_free_ones_at_the_free_rate():
    """72 h at 0.003 /h bound to stroma against 0.012 /h free (rates raised above the defaults so that the
    counts, ≈ 19 and ≈ 58 dead of 100, separate)."""
    hours, adherent_rate, free_rate = 72, 0.003, 0.012
    rates = {"mm.death_rate_adherent": adherent_rate, "mm.death_rate_free": 0.0}
    adherent_model, adherent_cells = _founders(True, seed=1, **rates)
    free_model, free_cells = _founders(False, seed=1, **{"mm.death_rate_free": free_rate})
    run_hours(adherent_model, hours)
    run_hours(free_model, hours)
    dead_adherent = sum(not alive(c) for c in adherent_cells)
    dead_free = sum(not alive(c) for c in free_cells)
    assert dead_adherent < dead_free
    assert within_binomial(dead_adherent, 100, float(probability(adherent_rate * hours)))
    assert within_binomial(dead_free, 100, float(probability(free_rate * hours)))


def test_mm_cells_bound_to_stroma_leave_more_daughters_through_the_il6_their_contact_triggers():
    """72 h without death, division 0.01 /h for every cell: 100 founders bound to stroma, whose contact raises
    stromal IL-6 (IL-6 support on at its defaults), against 100 free founders with no stroma (no IL-6).

    Medium IL-6 ≈ 1.66 pM/molecule x 100 cells x 10 molecules/h / 1,600 sites / 0.69 /h ≈ 1.5 pM (less near the
    open edge of the window), so the bound founders divide ≈ 1.4-1.6x faster: ≈ 190 daughters against ≈ 105-130.
    """
    rates = {
        "mm.division_rate_adherent": 0.01,
        "mm.division_rate_free": 0.01,
        "mm.il6_division_fold": DEFAULTS.mm.il6_division_fold,
    }
    adherent_model, _ = _founders(True, seed=2, **rates)
    free_model, _ = _founders(False, seed=2, **rates)
    run_hours(adherent_model, 72)
    run_hours(free_model, 72)
    assert adherent_model.signals.marrow_mean("il6", adherent_model.bone.marrow) > DEFAULTS.mm.il6_ec50_pm
    daughters_adherent = adherent_model.count(MyelomaCell) - 100
    daughters_free = free_model.count(MyelomaCell) - 100
    assert daughters_adherent > 1.2 * daughters_free > 0


def test_mm_daughters_go_only_to_free_marrow_neighbours_and_inherit_cd49d():
    """A mother in a pocket: two free marrow neighbours, one taken by a stromal cell, the rest bone."""
    mother_site, free_sites = (10, 10), {(11, 10), (10, 11)}
    used = set()
    for seed in range(20):
        bone = np.ones((20, 20))
        for site in [mother_site, (9, 10), *free_sites]:
            bone[site] = 0.0
        model = tiny_model(
            bone, seed=seed, **{**STILL_MM, "mm.division_rate_free": 1.0, "mm.division_rate_adherent": 1.0}
        )
        place(model, StromalCell, (9, 10))
        (mother,) = place(model, MyelomaCell, mother_site, cd49d=0.737)
        settle(model)
        model.step()
        daughters = [a for a in model.lattice.cells_of(MyelomaCell)[0] if a is not mother]
        for daughter in daughters:
            assert xy_of(daughter) in free_sites
            assert daughter.cd49d == mother.cd49d
        assert xy_of(mother) == mother_site
        used |= {xy_of(d) for d in daughters}
    assert used == free_sites


def test_an_mm_cell_walled_in_by_bone_does_not_divide():
    bone = np.ones((20, 20))
    bone[10, 10] = 0.0
    model = tiny_model(bone, **{**STILL_MM, "mm.division_rate_free": 1.0})
    place(model, MyelomaCell, (10, 10), cd49d=1.0)
    settle(model)
    run_hours(model, 24)
    assert model.count(MyelomaCell) == 1


def _crowded_mother(half_width: int, blockers=(), seed: int = 0, **overrides):
    """A square of MM cells (2 x half_width + 1 a side) around an adherent mother at (10, 10) on open marrow.

    The mother is held by a stromal cell at (11, 11); only she divides (adherent, 1 /h), the others are free
    (no division) and nothing moves or dies. `blockers` are further sites of the square given to stromal cells.
    """
    model = tiny_model(
        seed=seed,
        **{
            **STILL_MM,
            "mm.division_rate_adherent": 1.0,
            "mm.adhesion_rate": 0.0,
            "mm.detachment_rate": 0.0,
            **overrides,
        },
    )
    stromal = {(11, 11), *blockers}
    place(model, StromalCell, *stromal)
    square = [
        (x, y)
        for x in range(10 - half_width, 11 + half_width)
        for y in range(10 - half_width, 11 + half_width)
        if (x, y) not in stromal
    ]
    cells = place(model, MyelomaCell, *square, cd49d=1.0)
    mother = cells[square.index((10, 10))]
    mother.adherent = True
    settle(model)
    return model, mother, cells


def _divide_once(model, mother, hours: int = 24) -> bool:
    """Step until the number of MM cells grows (True) or `hours` pass (False)."""
    n = model.count(MyelomaCell)
    for _ in range(hours):
        model.step()
        assert mother.adherent
        if model.count(MyelomaCell) > n:
            return True
    return False


@pytest.mark.parametrize("seed", range(4))
def test_a_crowded_dividing_mm_cell_pushes_its_neighbours_outwards(seed):
    """The mother in the middle of a 5 x 5 square has no empty neighbour; the nearest empty sites are 3 sites
    (30 µm = mm.push_radius_um) away on either axis. Her daughter takes the site next to her and the cells on
    the line to the chosen empty site each move one site outwards."""
    model, mother, cells = _crowded_mother(half_width=2, seed=seed)
    before = {cell: xy_of(cell) for cell in cells}
    assert _divide_once(model, mother)
    check_lattice(model)
    moved = [cell for cell in cells if xy_of(cell) != before[cell]]
    (daughter,) = [cell for cell in model.lattice.cells_of(MyelomaCell)[0] if cell not in before]
    assert xy_of(mother) == (10, 10) and daughter.cd49d == mother.cd49d
    assert len(moved) == 2, "the two cells between the mother and the empty site"
    direction = np.subtract(xy_of(daughter), (10, 10))
    assert chebyshev(xy_of(daughter), (10, 10)) == 1 and 0 in direction
    for cell in moved:
        assert tuple(np.subtract(xy_of(cell), before[cell])) == tuple(direction), "one site outwards"
    occupied_now = {xy_of(c) for c in model.lattice.cells_of(MyelomaCell)[0]}
    (filled,) = occupied_now - set(before.values())
    assert tuple(np.add((10, 10), 3 * direction)) == filled


def test_division_fails_when_no_open_site_is_within_the_push_radius():
    """In a 7 x 7 square the nearest empty site is 4 sites (40 µm) from the mother: out of reach at 30 µm,
    within reach at 40 µm."""
    model, mother, _ = _crowded_mother(half_width=3)
    assert DEFAULTS.mm.push_radius_um == 30.0
    assert not _divide_once(model, mother, hours=24)
    assert model.count(MyelomaCell) == 7 * 7 - 1
    wider, mother, _ = _crowded_mother(half_width=3, **{"mm.push_radius_um": 40.0})
    assert _divide_once(wider, mother, hours=24)


def test_a_push_radius_under_one_site_means_no_pushing():
    """mm.push_radius_um may be 0 (its allowed range starts there): a crowded mother then cannot divide, and
    nothing fails."""
    model, mother, _ = _crowded_mother(half_width=2, **{"mm.push_radius_um": 0.0})
    assert not _divide_once(model, mother, hours=24)
    assert model.count(MyelomaCell) == 5 * 5 - 1
    check_lattice(model)


def test_a_stromal_cell_blocks_the_push_path():
    """The 5 x 5 square with a stromal cell on each of the four lines from the mother to the nearest empty sites:
    stromal cells cannot be pushed, so she does not divide."""
    blockers = [(12, 10), (8, 10), (10, 12), (10, 8)]
    model, mother, cells = _crowded_mother(half_width=2, blockers=blockers)
    before = {cell: xy_of(cell) for cell in cells}
    assert not _divide_once(model, mother, hours=24)
    assert all(xy_of(cell) == site for cell, site in before.items()), "nobody was pushed"


def test_osteoclast_proximity_lowers_mm_death_rate():
    rate = myeloma.death_rate(
        np.array([False, False, True]), np.array([True, False, True]), np.ones(3), np.ones(3), NO_DRUG, DEFAULTS
    )
    factor = DEFAULTS.mm.osteoclast_support_death_factor
    assert rate == pytest.approx(
        [DEFAULTS.mm.death_rate_free * factor, DEFAULTS.mm.death_rate_free, DEFAULTS.mm.death_rate_adherent * factor]
    )


def test_mm_cells_near_an_osteoclast_die_less_than_those_far_from_one():
    """Free MM cells within 3 sites of four osteoclasts (each on a one-site bone spicule) against cells 20+ sites
    away, 24 h at 0.05 /h, the osteoclasts' APRIL off (its reach: tests/test_april.py). Near: rate 0.05 x 0.4 =
    0.02 /h; far: 0.05 /h."""
    death = 0.05
    oc_sites = [(10, 10), (10, 30), (30, 10), (30, 30)]
    bone = np.zeros((80, 40))
    for site in oc_sites:
        bone[site] = 1.0
    model = tiny_model(bone, **{**STILL_MM, "mm.death_rate_free": death, "oc.april_secretion": 0.0})
    live_forever(*place(model, Osteoclast, *oc_sites, nuclei=1))
    near_sites = {
        (x + dx, y + dy) for x, y in oc_sites for dx in range(-3, 4) for dy in range(-3, 4) if (dx, dy) != (0, 0)
    }
    far_sites = [(x, y) for x in range(50, 80, 2) for y in range(0, 40, 2)]
    near = place(model, MyelomaCell, *sorted(near_sites), cd49d=1.0)
    far = place(model, MyelomaCell, *far_sites, cd49d=1.0)
    settle(model)
    near_osteoclast = model.niche.near_osteoclast
    radius_sites = DEFAULTS.mm.osteoclast_support_radius_um / 10.0
    assert all(near_osteoclast[s] for s in near_sites)
    assert not near_osteoclast[50:, :].any()
    assert near_osteoclast[10 + int(radius_sites), 10] and not near_osteoclast[10 + int(radius_sites) + 1, 10]
    run_hours(model, 24)
    near_dead = sum(not alive(c) for c in near)
    far_dead = sum(not alive(c) for c in far)
    factor = DEFAULTS.mm.osteoclast_support_death_factor
    assert near_dead / len(near) < far_dead / len(far)
    assert within_binomial(near_dead, len(near), float(probability(death * factor * 24)))
    assert within_binomial(far_dead, len(far), float(probability(death * 24)))


def test_mm_cells_never_enter_bone_and_never_share_a_site():
    """Fast-moving, fast-dividing MM cells in a cross-shaped marrow channel carved through bone."""
    bone = np.ones((20, 20))
    bone[8:12, :] = 0.0
    bone[:, 8:12] = 0.0
    model = tiny_model(
        bone, **{**STILL_MM, "mm.migration_rate": 1.0, "mm.division_rate_free": 0.2, "mm.death_rate_free": 0.01}
    )
    place(model, MyelomaCell, (10, 10), (9, 2), cd49d=1.0)
    settle(model)
    for _ in range(72):
        model.step()
        sites = model.lattice.sites_of(MyelomaCell)
        assert (bone.ravel()[sites] == 0.0).all()
        check_lattice(model)
    assert model.count(MyelomaCell) > 20


def test_the_lattice_agrees_with_every_cells_site_after_many_steps_of_the_full_model():
    """Every kind of cell at work (mm_niche on a 60 x 60 grid, 10 days): no site holds two cells of a layer,
    no marrow cell sits on bone, no bone-surface cell on a site that was never bone, and no site holds both."""
    model = NicheModel(load_scenario("mm_niche", {"grid.width": 60, "grid.height": 60}), seed=3)
    threshold = model.params.bone.marrow_threshold
    was_bone = model.bone.template >= threshold
    seen = set()
    for _ in range(240):
        model.step()
        check_lattice(model)
        marrow_cells, surface_cells = model.lattice.marrow_code > 0, model.lattice.surface_code > 0
        assert model.bone.marrow[marrow_cells].all(), "a marrow cell sits on bone"
        assert was_bone[surface_cells].all(), "a bone-surface cell sits where there was never bone"
        assert not (marrow_cells & surface_cells).any(), "a site holds a marrow and a bone-surface cell"
        seen |= {kind for kind, n in model.cell_counts().items() if n}
    assert seen >= {"StromalCell", "MyelomaCell", "OsteoclastPrecursor", "Osteoclast", "EndothelialCell"}


# --- osteoclast precursors -------------------------------------------------------------------


def test_chemotaxis_weights_favour_higher_ccl3():
    here = np.array([100.0])
    neighbours = np.array([[50.0, 100.0, 150.0, 400.0, 100.0, 100.0, 100.0, 100.0]])
    weights = precursor.chemotaxis_weights(here, neighbours, DEFAULTS)[0]
    assert weights[1] == 1.0, "no gradient, no bias"
    assert weights[0] < weights[1] < weights[2] < weights[3]
    flat_weights = precursor.chemotaxis_weights(here, neighbours, DEFAULTS.replace(**{"ocp.chemotaxis": 0.0}))
    np.testing.assert_array_equal(flat_weights, 1.0)


@pytest.mark.parametrize("chemotaxis", [0.0, 50.0])
def test_precursors_climb_the_ccl3_gradient_only_with_chemotaxis(chemotaxis):
    """20 precursors start 19 sites from a wall of MM cells (the CCL3 source); mean x step over 24 h.

    CCL3 diffusion shortened to 0.01 mm²/h (λ = 170 µm) for a steep gradient.
    """
    model = tiny_model(
        shape=(40, 40),
        **{
            **STILL_MM,
            "ccl3.diffusion_mm2_per_h": 0.01,
            "ocp.chemotaxis": chemotaxis,
            "ocp.death_rate": 0.0,
            "ocp.fusion_rate": 0.0,
        },
    )
    place(model, MyelomaCell, *[(39, y) for y in range(40)], cd49d=1.0)
    precursors = place(model, OsteoclastPrecursor, *[(20, y) for y in range(0, 40, 2)])
    settle(model)
    run_hours(model, 24)
    drift = np.mean([xy_of(p)[0] for p in precursors]) - 20
    hops = 24 * DEFAULTS.ocp.migration_rate
    chance_sd = np.sqrt(hops * 6 / 8 / len(precursors))  # a Moore step moves x by ±1 with probability 6/8
    print(f"mean x drift {drift:.2f} sites; a random walk's mean spreads by {chance_sd:.2f}")
    if chemotaxis:
        assert drift > 4 * chance_sd
    else:
        assert abs(drift) < 4 * chance_sd


def _squeeze_pockets(squeeze: float, seed: int):
    """100 two-site marrow pockets in bone, each holding a precursor and an MM cell; returns (model, precursors).

    The MM cell's site is the only one a precursor can step to; migration at 1 /h, not slowed on bone.
    """
    bone = np.ones((30, 30))
    pockets = [(3 * i + 1, 3 * j + 1) for i in range(10) for j in range(10)]
    for x, y in pockets:
        bone[x : x + 2, y] = 0.0
    model = tiny_model(
        bone,
        seed=seed,
        **{
            **STILL_MM,
            "ocp.squeeze_probability": squeeze,
            "ocp.migration_rate": 1.0,
            "ocp.bone_migration_factor": 1.0,
            "ocp.death_rate": 0.0,
            "ocp.fusion_rate": 0.0,
        },
    )
    precursors = place(model, OsteoclastPrecursor, *pockets)
    place(model, MyelomaCell, *[(x + 1, y) for x, y in pockets], cd49d=1.0)
    settle(model)
    return model, precursors


@pytest.mark.parametrize("squeeze", [0.2, 0.5, 0.9])
def test_precursor_squeezes_past_an_mm_cell_at_the_squeeze_probability(squeeze):
    """Each hour a precursor steps with probability 1 - exp(-1) and, its only way being held by an MM cell,
    swaps with it with probability ocp.squeeze_probability: 100 pockets x 10 hours."""
    model, precursors = _squeeze_pockets(squeeze, seed=int(10 * squeeze))
    swaps = 0
    for _ in range(10):
        before = [p.site for p in precursors]
        model.step()
        swaps += sum(p.site != site for p, site in zip(precursors, before, strict=True))
        check_lattice(model)
    assert within_binomial(swaps, 1000, float(probability(1.0)) * squeeze)


def test_a_precursor_never_squeezes_past_a_stromal_cell():
    bone = np.ones((20, 20))
    bone[5:7, 5] = 0.0
    model = tiny_model(
        bone,
        **{"ocp.squeeze_probability": 1.0, "ocp.migration_rate": 1.0, "ocp.bone_migration_factor": 1.0},
        **{"ocp.death_rate": 0.0, "stroma.renewal_rate": 0.0},
    )
    (cell,) = place(model, OsteoclastPrecursor, (5, 5))
    place(model, StromalCell, (6, 5))
    settle(model)
    run_hours(model, 24)
    assert xy_of(cell) == (5, 5)


def test_fusion_rate_increases_with_rank_occupancy():
    occupancy = np.linspace(0.0, 1.0, 11)
    rate = precursor.fusion_rate(occupancy, np.zeros(len(occupancy)), DEFAULTS)
    assert rate[0] == 0.0
    assert np.all(np.diff(rate) > 0)
    half = precursor.fusion_rate(np.array([DEFAULTS.ocp.fusion_occupancy_half]), np.zeros(1), DEFAULTS)
    assert half[0] == pytest.approx(DEFAULTS.ocp.fusion_rate / 2)
    assert rate[-1] <= DEFAULTS.ocp.fusion_rate


def test_ccl3_raises_fusion_up_to_its_fold_but_cannot_replace_rankl():
    p = DEFAULTS.ocp
    ccl3 = np.array([0.0, p.ccl3_fusion_ec50_pm, 1e9, 1e9])
    occupancy = np.array([0.9, 0.9, 0.9, 0.0])
    rate = precursor.fusion_rate(occupancy, ccl3, DEFAULTS)
    assert rate[1] / rate[0] == pytest.approx(1.0 + (p.ccl3_fusion_fold - 1.0) / 2)
    assert rate[2] / rate[0] == pytest.approx(p.ccl3_fusion_fold, rel=1e-6)
    assert rate[3] == 0.0


HIGH_RANKL = {
    "ocp.fusion_rate": 0.5,
    "ocp.death_rate": 0.0,
    "ocp.migration_rate": 0.0,
    "stroma.opg_secretion": 0.0,
    "stroma.eroded_surface_recruitment": 0.0,
    "stroma.osteoblast_differentiation_rate": 0.0,
    "stroma.renewal_rate": 0.0,
}
"""Precursors that stay put and fuse fast under the RANKL of one stromal cell (no OPG), nothing else happening."""


def _precursor_cluster(partners: int, rankl_secretion: float, seed: int = 0, **overrides):
    """partners + 1 precursors beside a bone wall, a stromal cell 3 sites away as the RANKL source."""
    model = tiny_model(
        bone_wall(),
        seed=seed,
        **{**HIGH_RANKL, "ocp.fusion_partners": partners, "stroma.rankl_secretion": rankl_secretion, **overrides},
    )
    place(model, StromalCell, (7, 10))
    cluster = [(4, 9), (4, 10), (4, 11), (5, 10), (5, 9), (5, 11)][: partners + 1]
    precursors = place(model, OsteoclastPrecursor, *cluster)
    settle(model)
    return model, precursors


def _until_an_osteoclast(model, hours: int = 48) -> None:
    for _ in range(hours):
        model.step()
        if model.count(Osteoclast):
            return


@pytest.mark.parametrize("partners", [1, 3])
def test_a_precursor_cluster_beside_bone_under_high_rankl_fuses_into_one_osteoclast(partners):
    model, precursors = _precursor_cluster(partners, rankl_secretion=1e5)
    assert model.signals.map("rank_occupancy")[4, 10] > 0.9
    _until_an_osteoclast(model)
    assert model.count(Osteoclast) == 1
    assert model.counters["osteoclasts_formed"] == 1
    assert not any(alive(p) for p in precursors)
    assert model.count(OsteoclastPrecursor) == 0
    (oc,) = model.lattice.cells_of(Osteoclast)[0]
    assert oc.nuclei == partners + 1 and model.counters["nuclei_fused"] == partners + 1
    assert xy_of(oc)[0] == 3 and 8 <= xy_of(oc)[1] <= 12, "on the bone surface beside the cluster"


@pytest.mark.parametrize("seed", range(3))
def test_precursors_found_an_osteoclast_on_a_free_bone_surface_site_with_nuclei_equal_to_the_group(seed):
    """One precursor at (4, 10) touches the bone surface; of its three surface neighbours two are held by
    osteoblasts (refilling shallow cavities behind them), so the one free site (3, 10) takes the new osteoclast.
    With ocp.fusion_partners = 2 it takes its two nearest partners (5, 9) and (5, 11); (6, 10), two sites away,
    is left: an osteoclast of three nuclei."""
    model = tiny_model(
        bone_wall(), seed=seed, **{**HIGH_RANKL, "ocp.fusion_partners": 2, "stroma.rankl_secretion": 1e5}
    )
    model.bone.fraction[2, 8:13] = 0.8
    place(model, StromalCell, (8, 10))
    live_forever(*place(model, Osteoblast, (3, 9), (3, 11)))
    founder, left, right, far = place(model, OsteoclastPrecursor, (4, 10), (5, 9), (5, 11), (6, 10))
    settle(model)
    _until_an_osteoclast(model)
    (oc,) = model.lattice.cells_of(Osteoclast)[0]
    assert xy_of(oc) == (3, 10)
    assert oc.nuclei == 3
    assert not any(alive(p) for p in (founder, left, right)) and alive(far)
    assert model.counters["osteoclasts_formed"] == 1 and model.counters["nuclei_fused"] == 3
    check_lattice(model)


def _precursor_beside_an_osteoclast(nuclei: int, seed: int = 0, **overrides):
    """A lone precursor at (4, 10) facing an osteoclast at (3, 10); too few partners to found an osteoclast."""
    model = tiny_model(
        bone_wall(),
        seed=seed,
        **{
            **HIGH_RANKL,
            "ocp.fusion_partners": 3,
            "stroma.rankl_secretion": 1e5,
            "oc.resorption_per_nucleus": 0.0,
            **overrides,
        },
    )
    place(model, StromalCell, (8, 10))
    (oc,) = live_forever(*place(model, Osteoclast, (3, 10), nuclei=nuclei))
    (cell,) = place(model, OsteoclastPrecursor, (4, 10))
    settle(model)
    return model, oc, cell


def test_precursor_next_to_an_osteoclast_fuses_into_it_adding_a_nucleus():
    model, oc, cell = _precursor_beside_an_osteoclast(nuclei=2)
    for _ in range(48):
        model.step()
        if not alive(cell):
            break
    assert not alive(cell)
    assert oc.nuclei == 3 and model.count(Osteoclast) == 1
    assert model.counters["nuclei_fused"] == 1 and model.counters["osteoclasts_formed"] == 0


def test_a_precursor_does_not_fuse_into_an_osteoclast_that_holds_max_nuclei():
    model, oc, cell = _precursor_beside_an_osteoclast(nuclei=4, **{"oc.max_nuclei": 4})
    run_hours(model, 48)
    assert alive(cell) and oc.nuclei == 4
    assert model.counters["nuclei_fused"] == 0


def test_a_precursor_squeezing_onto_a_fusing_precursors_site_does_not_fuse_in_its_place():
    """P at (5, 10) faces an osteoclast and fuses into it within the hour (rate 10 /h); Q behind it at (6, 10), walled
    in by stromal cells and two sites from bone, can only squeeze onto P's site. The fusion drawn for P is P's:
    whatever Q does, P joins the osteoclast and Q, which drew a step and not a fusion, is still a precursor."""
    outcomes = set()
    for seed in range(10):
        model = tiny_model(
            bone_wall(depth=5),
            seed=seed,
            **{
                **HIGH_RANKL,
                "ocp.fusion_rate": 10.0,
                "ocp.migration_rate": 1.0,
                "ocp.squeeze_probability": 1.0,
                "ocp.fusion_partners": 5,
                "stroma.rankl_secretion": 1e5,
                "oc.resorption_per_nucleus": 0.0,
            },
        )
        live_forever(*place(model, Osteoclast, (4, 10), nuclei=2))
        place(model, StromalCell, (5, 9), (5, 11), (6, 9), (6, 11), (7, 9), (7, 10), (7, 11))
        fusing, squeezer = place(model, OsteoclastPrecursor, (5, 10), (6, 10))
        settle(model)
        model.step()
        outcomes.add((alive(fusing), alive(squeezer)))
    assert outcomes == {(False, True)}


def test_a_precursor_away_from_the_bone_surface_never_fuses():
    """Three precursors two sites from bone under high RANKL, enough partners, 48 h: none fuses."""
    model = tiny_model(bone_wall(), **{**HIGH_RANKL, "ocp.fusion_partners": 1, "stroma.rankl_secretion": 1e5})
    place(model, StromalCell, (9, 10))
    precursors = place(model, OsteoclastPrecursor, (5, 9), (5, 10), (6, 10))
    settle(model)
    assert model.signals.map("rank_occupancy")[5, 10] > 0.9
    run_hours(model, 48)
    assert all(alive(p) for p in precursors) and model.counters["nuclei_fused"] == 0


def test_a_lone_precursor_on_bone_without_enough_partners_founds_no_osteoclast():
    model = tiny_model(bone_wall(), **{**HIGH_RANKL, "ocp.fusion_partners": 1, "stroma.rankl_secretion": 1e5})
    place(model, StromalCell, (8, 10))
    (cell,) = place(model, OsteoclastPrecursor, (4, 10))
    settle(model)
    run_hours(model, 48)
    assert alive(cell) and model.count(Osteoclast) == 0


def _mm_wall_against_bone(squeeze: float, seed: int):
    """An MM cell on every marrow site next to bone (x = 4), three pairs of precursors just behind them (x = 5),
    a stromal cell 4 sites out making RANKL; MM cells stay put."""
    model = tiny_model(
        bone_wall(),
        seed=seed,
        **{
            **HIGH_RANKL,
            **STILL_MM,
            "ocp.migration_rate": DEFAULTS.ocp.migration_rate,
            "ocp.squeeze_probability": squeeze,
            "stroma.rankl_secretion": 1e5,
        },
    )
    place(model, MyelomaCell, *[(4, y) for y in range(20)], cd49d=1.0)
    place(model, StromalCell, (8, 10))
    place(model, OsteoclastPrecursor, (5, 3), (5, 4), (5, 9), (5, 10), (5, 15), (5, 16))
    settle(model)
    return model


def test_mm_cells_packed_against_bone_do_not_block_osteoclast_formation():
    """Precursors behind a wall of MM cells squeeze through it and fuse on the bone surface: an osteoclast forms
    within 4 days in at least 4 of 6 such niches (measured: 6 of 6, after 2-9 h; over 20 seeds, 19 within 30 h,
    the last with its precursors dispersed, none with a partner beside it at the bone). With no squeezing
    (ocp.squeeze_probability = 0) the same wall keeps every precursor off the bone in all six."""
    formed = 0
    for seed in range(6):
        model = _mm_wall_against_bone(DEFAULTS.ocp.squeeze_probability, seed)
        assert (model.lattice.marrow_code[4, :] == MyelomaCell.code).all()
        assert model.signals.map("rank_occupancy")[4:6, :].min() > 0.5
        _until_an_osteoclast(model, hours=96)
        formed += model.count(Osteoclast) > 0
        assert all(model.bone.surface[xy_of(oc)] for oc in model.lattice.cells_of(Osteoclast)[0])
        blocked = _mm_wall_against_bone(0.0, seed)
        run_hours(blocked, 96)
        assert blocked.count(Osteoclast) == 0
        assert (blocked.lattice.marrow_code[4, :] == MyelomaCell.code).all()
    assert formed >= 4


def test_without_rankl_secretion_no_osteoclast_forms():
    model, precursors = _precursor_cluster(3, rankl_secretion=0.0)
    assert model.signals.map("rank_occupancy").max() == 0.0
    run_hours(model, 200)
    assert model.count(Osteoclast) == 0 and model.counters["osteoclasts_formed"] == 0
    assert all(alive(p) for p in precursors)


def test_without_rankl_secretion_the_full_niche_makes_no_osteoclasts():
    """mm_niche on 60 x 60 sites for 10 days, with vessels dense enough (60 /mm²) that precursors reach bone."""
    formed = {}
    for rankl in (DEFAULTS.stroma.rankl_secretion, 0.0):
        overrides = {"grid.width": 60, "grid.height": 60, "vessels.density_per_mm2": 60.0}
        model = NicheModel(load_scenario("mm_niche", {**overrides, "stroma.rankl_secretion": rankl}), seed=2)
        run_hours(model, 240)
        formed[rankl] = model.counters["osteoclasts_formed"]
    assert formed[DEFAULTS.stroma.rankl_secretion] > 0
    assert formed[0.0] == 0


# --- osteoclasts -----------------------------------------------------------------------------


def _osteoclast_on_bone(nuclei: int = 1, **overrides):
    """One long-lived osteoclast on the surface of a solid bone wall, at (3, 10); nothing forms bone."""
    model = tiny_model(
        bone_wall(), **{"stroma.eroded_surface_recruitment": 0.0, "stroma.renewal_rate": 0.0, **overrides}
    )
    (oc,) = live_forever(*place(model, Osteoclast, (3, 10), nuclei=nuclei))
    settle(model)
    return model, oc


def test_osteoclast_resorbs_its_own_bone_site_at_the_per_nucleus_rate_times_nuclei():
    """Osteoclasts of 1, 2 and 5 nuclei on the bone surface, no CCL3: each removes resorption_per_nucleus x nuclei
    from the site it sits on in an hour, and nothing else changes."""
    model = tiny_model(bone_wall())
    osteoclasts = live_forever(*place(model, Osteoclast, (3, 2), (3, 9), (3, 16), nuclei=1))
    for oc, nuclei in zip(osteoclasts, (1, 2, 5), strict=True):
        oc.nuclei = nuclei
    settle(model)
    before = model.bone.fraction.copy()
    model.step()
    change = before - model.bone.fraction
    rate = DEFAULTS.oc.resorption_per_nucleus
    assert np.count_nonzero(change) == 3
    for oc, nuclei in zip(osteoclasts, (1, 2, 5), strict=True):
        assert change[xy_of(oc)] == pytest.approx(rate * nuclei, abs=1e-15)
    assert model.counters["resorbed"] == pytest.approx(rate * 8)


def test_ccl3_raises_osteoclast_resorption_up_to_its_fold():
    p = build_parameters()
    nuclei = np.array([1.0, 1.0, 1.0, 3.0])
    ccl3 = np.array([0.0, p.oc.ccl3_activation_ec50_pm, 1e9, 0.0])
    base, half, saturated, three = osteoclast.resorption_rate(nuclei, ccl3, p)
    rate = p.oc.resorption_per_nucleus
    assert base == pytest.approx(rate)
    assert half == pytest.approx(rate * (1 + (p.oc.ccl3_resorption_fold - 1) / 2))
    assert saturated == pytest.approx(rate * p.oc.ccl3_resorption_fold, rel=1e-6)
    assert three == pytest.approx(3 * rate)


@pytest.mark.parametrize("seed", range(4))
def test_osteoclast_moves_onto_a_free_surface_site_when_its_site_is_dissolved(seed):
    """An osteoclast of 20 nuclei (0.2 site/h) on a site holding 0.6 of bone, a second one beside it at (3, 11):
    it stays for the three hours its site takes to dissolve, then steps to a free neighbouring bone site."""
    model = tiny_model(bone_wall(), seed=seed)
    oc, neighbour = live_forever(*place(model, Osteoclast, (3, 10), (3, 11), nuclei=20))
    neighbour.nuclei = 1
    model.bone.fraction[3, 10] = 0.6
    settle(model)
    for _ in range(2):
        model.step()
        assert xy_of(oc) == (3, 10)
    bone_before = ~model.bone.marrow
    model.step()
    assert model.bone.fraction[3, 10] == 0.0
    assert chebyshev(xy_of(oc), (3, 10)) == 1
    assert xy_of(oc) != xy_of(neighbour) and bone_before[xy_of(oc)]
    assert model.lattice.surface_code[3, 10] == 0
    check_lattice(model)


def test_an_osteoclast_with_no_bone_surface_left_around_it_stays_in_its_lacuna():
    """A one-site bone spicule: once it is dissolved there is no bone next to the osteoclast, so it stays on the
    site it dissolved, which still counts as bone surface (model.bone_surface)."""
    bone = np.zeros((20, 20))
    bone[10, 10] = 0.5
    model = tiny_model(bone)
    (oc,) = live_forever(*place(model, Osteoclast, (10, 10), nuclei=20))
    settle(model)
    run_hours(model, 5)
    assert model.bone.fraction[10, 10] == 0.0 and model.bone.marrow[10, 10]
    assert xy_of(oc) == (10, 10)
    assert model.bone_surface()[10, 10]
    assert not model.niche.is_open(oc.site), "no marrow cell may enter an osteoclast's lacuna"


def _detached_osteoclasts(seed: int = 0, **overrides):
    """100 long-lived osteoclasts, each on a dissolved one-site spicule (bone fraction 0, three sites apart on a
    30 x 30 grid): none has bone next to it."""
    spicules = [(x, y) for x in range(1, 30, 3) for y in range(1, 30, 3)]
    bone = np.zeros((30, 30))
    for x, y in spicules:
        bone[x, y] = 1.0
    model = tiny_model(bone, shape=bone.shape, seed=seed, **overrides)
    osteoclasts = live_forever(*place(model, Osteoclast, *spicules, nuclei=1))
    for x, y in spicules:
        model.bone.fraction[x, y] = 0.0
    model.bone.refresh()
    settle(model)
    return model, osteoclasts


def test_a_detached_osteoclast_dies_oc_detached_death_fold_times_as_fast():
    rate = osteoclast.detached_death_rate(np.array([True, False]), DEFAULTS)
    assert rate == pytest.approx([(DEFAULTS.oc.detached_death_fold - 1.0) / DEFAULTS.oc.lifespan_h, 0.0])


@pytest.mark.parametrize("seed", range(2))
def test_osteoclasts_with_no_bone_left_next_to_them_die_at_the_detached_rate(seed):
    """Lifespans of 1e9 h, so only detachment kills: with oc.detached_death_fold 1 all 100 live through a day;
    with 20 (19 x 1/336 h extra) the survivors are binomial around exp(-24 x 19/336)."""
    kept, _ = _detached_osteoclasts(seed, **{"oc.detached_death_fold": 1.0})
    run_hours(kept, 24)
    assert kept.count(Osteoclast) == 100
    model, _ = _detached_osteoclasts(seed, **{"oc.detached_death_fold": 20.0})
    run_hours(model, 24)
    survival = (1.0 - probability(19.0 / DEFAULTS.oc.lifespan_h)) ** 24
    assert within_binomial(model.count(Osteoclast), 100, survival)
    check_lattice(model)


def test_an_osteoclast_on_bone_is_not_detached():
    """The same death-rate fold (survival of a detached cell over a week: exp(-168 x 19/336) < 1e-4) leaves an
    osteoclast resorbing a bone wall, and moving along it, alive for a week."""
    model, oc = _osteoclast_on_bone(nuclei=1, **{"oc.detached_death_fold": 20.0})
    run_hours(model, 168)
    assert alive(oc)


@pytest.mark.parametrize("radius_um, moves", [(0.0, False), (20.0, False), (30.0, True)])
def test_an_osteoclast_whose_bone_is_gone_moves_to_free_surface_within_oc_relocation_radius_um(radius_um, moves):
    """An osteoclast on a dissolved site three sites (30 µm) from the nearest free bone surface (a wall at
    x <= 3, the osteoclast at x = 6): it moves there only if oc.relocation_radius_um reaches it."""
    bone = bone_wall()
    bone[6, 10] = 1.0
    model = tiny_model(bone, **{"oc.relocation_radius_um": radius_um})
    (oc,) = live_forever(*place(model, Osteoclast, (6, 10), nuclei=1))
    model.bone.fraction[6, 10] = 0.0
    model.bone.refresh()
    settle(model)
    model.step()
    assert (xy_of(oc) == (3, 10)) is moves
    assert xy_of(oc) in ((3, 10), (6, 10))
    check_lattice(model)


def test_an_osteoclast_dissolves_its_site_fully_before_moving_on():
    """At most one site is partly resorbed at any hour, and it is the one the osteoclast sits on."""
    model, oc = _osteoclast_on_bone(nuclei=5)
    for _ in range(100):
        model.step()
        partly = (model.bone.fraction > 0) & (model.bone.fraction < 1)
        assert partly.sum() <= 1
        if partly.any():
            assert partly[xy_of(oc)]


def test_resorbed_counter_equals_the_bone_lost_exactly():
    model, _ = _osteoclast_on_bone(nuclei=2)
    hours = 200
    for _ in range(hours):
        model.step()
        lost = float((model.bone.template - model.bone.fraction).sum())
        assert model.counters["resorbed"] == pytest.approx(lost, rel=1e-12, abs=1e-12)
    rate = 2 * DEFAULTS.oc.resorption_per_nucleus
    assert 0.9 * hours * rate < model.counters["resorbed"] <= hours * rate + 1e-12
    assert model.bone.fraction.min() >= 0.0


def test_a_bone_site_becomes_marrow_when_its_fraction_falls_below_the_threshold():
    model, _ = _osteoclast_on_bone(nuclei=3)
    threshold = DEFAULTS.bone.marrow_threshold
    flipped = 0
    for _ in range(100):
        was_marrow = model.bone.marrow.copy()
        model.step()
        np.testing.assert_array_equal(model.bone.marrow, model.bone.fraction < threshold)
        flipped += int((model.bone.marrow & ~was_marrow).sum())
    assert flipped >= 2


def test_an_osteoclast_dies_at_the_end_of_its_lifespan():
    model = tiny_model(bone_wall())
    (oc,) = place(model, Osteoclast, (3, 10), nuclei=1)
    oc.lifespan_h = 5.0
    settle(model)
    run_hours(model, 4)
    assert alive(oc)
    model.step()
    assert not alive(oc)
    assert model.counters["osteoclast_lifespans_h"] == [5.0]
    assert model.lattice.occupancy()[3, 10] == 0


def test_a_fused_osteoclast_lives_about_oc_lifespan_h():
    """oc.lifespan_h = 24 h with gamma shape 100 (sd 2.4 h): the osteoclast is gone within 36 h of fusing."""
    model, _ = _precursor_cluster(1, rankl_secretion=1e5, **{"oc.lifespan_h": 24.0, "oc.lifespan_shape": 100.0})
    run_hours(model, 100)
    assert model.counters["osteoclasts_formed"] >= 1
    lifespans = model.counters["osteoclast_lifespans_h"]
    assert len(lifespans) == model.counters["osteoclasts_formed"] - model.count(Osteoclast)
    assert lifespans and all(12.0 <= h <= 36.0 for h in lifespans)


def test_osteoclast_lifespans_have_mean_oc_lifespan_h():
    rng = np.random.default_rng(5)
    draws = osteoclast.draw_lifespans(rng, 20_000, DEFAULTS)
    mean, shape = DEFAULTS.oc.lifespan_h, DEFAULTS.oc.lifespan_shape
    assert draws.mean() == pytest.approx(mean, rel=0.02)
    assert draws.std() == pytest.approx(mean / np.sqrt(shape), rel=0.05)
    assert draws.min() > 0


def test_osteoclasts_without_rankl_die_within_days_but_healthy_rankl_keeps_them():
    """RANKL is an osteoclast survival factor (Lacey et al. 2000): the withdrawal death rate is the full
    oc.rankl_withdrawal_death_rate with no RANK occupancy and under a tenth of it at healthy occupancy (~0.2)."""
    p = build_parameters()
    no_rankl, healthy = osteoclast.survival_death_rate(np.array([0.0, 0.2]), p)
    assert no_rankl == pytest.approx(p.oc.rankl_withdrawal_death_rate)
    assert healthy < 0.1 * p.oc.rankl_withdrawal_death_rate

    model = tiny_model(
        bone_wall(depth=5), **{"oc.rankl_withdrawal_death_rate": 0.02, "stroma.eroded_surface_recruitment": 0.0}
    )
    cells = live_forever(*place(model, Osteoclast, *[(4, y) for y in range(20)], nuclei=1))
    settle(model)
    run_hours(model, 72)
    survivors = sum(alive(cell) for cell in cells)
    expected = 20 * np.exp(-0.02 * 72)
    assert abs(survivors - expected) < 4 * np.sqrt(20 * np.exp(-1.44) * (1 - np.exp(-1.44))) + 1


def test_bone_surface_cells_read_signals_at_the_nearest_marrow_site():
    """Fields are zero inside bone; a site on the bone side of the surface reads the marrow site nearest it. So
    osteoclasts on bone under a stromal cell's RANKL survive a withdrawal death rate of 0.5 /h that would kill
    them within hours if they read the bone under them."""
    model = tiny_model(
        bone_wall(),
        **{"oc.rankl_withdrawal_death_rate": 0.5, "stroma.rankl_secretion": 1e5, "stroma.opg_secretion": 0.0},
        **{"stroma.renewal_rate": 0.0, "stroma.eroded_surface_recruitment": 0.0},
    )
    place(model, StromalCell, (6, 10))
    cells = live_forever(*place(model, Osteoclast, *[(3, y) for y in range(5, 16)], nuclei=1))
    settle(model)
    signals = model.signals
    for name in ("rankl", "rank_occupancy", "free_rankl"):
        values = signals.map(name)
        assert (values[:4, :] == 0.0).all(), f"{name} inside bone"
        for y in range(20):
            sensed = signals.at(name, np.array([flat(model, 3, y), flat(model, 0, y)]))
            np.testing.assert_array_equal(sensed, values[4, y])
    assert signals.at("rank_occupancy", np.array([flat(model, 3, 10)]))[0] > 0.5
    run_hours(model, 24)
    assert sum(alive(cell) for cell in cells) >= 10


# --- osteoblasts -----------------------------------------------------------------------------


def _osteoblast_at_a_pit(pit_bone: float = 0.2, **overrides):
    """A bone wall whose surface sites x = 3, y = 8..12 are resorbed to pit_bone (a cavity in the marrow) and an
    osteoblast on the bone surface behind the cavity at (2, 10)."""
    model = tiny_model(
        bone_wall(),
        **{
            "ob.formation_rate": 0.05,
            "stroma.eroded_surface_recruitment": 0.0,
            "stroma.osteoblast_differentiation_rate": 0.0,
            "stroma.renewal_rate": 0.0,
            **overrides,
        },
    )
    model.bone.fraction[3, 8:13] = pit_bone
    settle(model)
    (ob,) = live_forever(*place(model, Osteoblast, (2, 10)))
    assert model.bone.surface[2, 10]
    return model, ob


def test_osteoblast_fills_its_neighbouring_cavity_up_to_the_template():
    """The osteoblast refills the three cavity sites next to it to the starting bone and never above; sites out of
    its reach stay resorbed."""
    model, _ = _osteoblast_at_a_pit()
    for _ in range(60):
        model.step()
        assert np.all(model.bone.fraction <= model.bone.template)
    np.testing.assert_array_equal(model.bone.fraction[3, 9:12], model.bone.template[3, 9:12])
    assert model.bone.fraction[3, 8] == model.bone.fraction[3, 12] == 0.2, "sites out of its reach stay resorbed"
    assert not model.bone.marrow[3, 9:12].any()


def test_an_osteoblast_fills_its_own_site_first_when_it_is_resorbed():
    """An osteoblast on a bone-surface site holding 0.7 of its bone lays its bone there, not next door."""
    model, _ = _osteoblast_at_a_pit()
    model.bone.fraction[2, 10] = 0.7
    settle(model)
    model.step()
    assert model.bone.fraction[2, 10] == pytest.approx(0.75)
    np.testing.assert_array_equal(model.bone.fraction[3, 8:13], 0.2)


def test_formed_counter_equals_the_bone_gained_exactly():
    model, _ = _osteoblast_at_a_pit()
    start = float(model.bone.fraction.sum())
    for _ in range(60):
        model.step()
        assert model.counters["formed"] == pytest.approx(float(model.bone.fraction.sum()) - start, rel=1e-12, abs=1e-12)
    assert model.counters["formed"] == pytest.approx(3 * 0.8, rel=1e-9)


def test_an_occupied_resorbed_site_is_neither_refilled_nor_flipped_back_to_bone():
    model, _ = _osteoblast_at_a_pit()
    (lodger,) = place(model, StromalCell, (3, 10))
    run_hours(model, 60)
    assert alive(lodger)
    assert model.bone.fraction[3, 10] == 0.2 and model.bone.marrow[3, 10]
    np.testing.assert_array_equal(model.bone.fraction[3, [9, 11]], [1.0, 1.0])
    assert not model.bone.marrow[3, [9, 11]].any()


def test_an_osteoblast_with_nothing_to_refill_retires():
    model, ob = _osteoblast_at_a_pit()
    (idle,) = place(model, Osteoblast, (3, 16))
    model.step()
    assert not alive(idle) and alive(ob)
    for _ in range(60):
        if not alive(ob):
            break
        model.step()
    assert not alive(ob), "it retires once its pit is full"
    assert model.count(Osteoblast) == 0


def test_bone_laid_stays_osteoid_for_the_mineralisation_lag():
    """The osteoblast's own site and the cavity site it fills carry osteoid from the first hour it lays bone; the
    sites it never reaches carry none; once it has retired, its osteoid has mineralised after the lag."""
    model, ob = _osteoblast_at_a_pit()
    lag = 5
    model.step()
    osteoid = model.bone.osteoid(model.hour, lag)
    assert osteoid[2, 10]
    assert osteoid[3, 9:12].sum() == 1
    assert not osteoid[3, [8, 12]].any()
    while alive(ob):
        model.step()
    assert model.bone.osteoid(model.hour, lag)[2, 10]
    run_hours(model, lag)
    assert not model.bone.osteoid(model.hour, lag).any()
    assert (
        model.bone.osteoid(model.hour, np.inf)[3, 9:12].all()
        and not model.bone.osteoid(model.hour, np.inf)[3, [8, 12]].any()
    )


def test_a_modelling_osteoblast_lays_new_bone_into_the_free_marrow_beside_its_surface():
    """On a quiescent surface (no cavity) a modelling osteoblast grows the bone into a free marrow site next to it,
    beyond the starting bone, at ob.formation_rate; a remodelling one there finds nothing and retires."""
    model, _ = _osteoblast_at_a_pit()
    (builder,) = live_forever(*place(model, Osteoblast, (3, 16), modelling=True))
    (refiller,) = place(model, Osteoblast, (3, 18))
    template = model.bone.template.copy()
    model.step()
    assert alive(builder) and not alive(refiller)
    gained = model.bone.fraction - template
    assert gained.max() == pytest.approx(model.params.ob.formation_rate)
    (x,), (y,) = np.nonzero(gained > 0)
    assert model.bone.marrow[x, y] and max(abs(x - 3), abs(y - 16)) == 1, "the new bone grows into the marrow beside it"


def _osteoblast_row(touched_by_mm: bool, seed: int):
    """40 osteoblasts on a bone wall whose surface column (x = 9) holds 0.6 of its bone, so each has its own site to
    refill for days; an MM cell faces each of them across the surface, or none does."""
    bone = np.zeros((40, 40))
    bone[:10, :] = 1.0
    model = tiny_model(
        bone, seed=seed, **{**STILL_MM, "stroma.eroded_surface_recruitment": 0.0, "stroma.renewal_rate": 0.0}
    )
    model.bone.fraction[9, :] = 0.6
    settle(model)
    osteoblasts = live_forever(*place(model, Osteoblast, *[(9, y) for y in range(40)]))
    if touched_by_mm:
        place(model, MyelomaCell, *[(10, y) for y in range(40)], cd49d=1.0)
    settle(model)
    return model, osteoblasts


def test_mm_contact_kills_osteoblasts_at_the_contact_apoptosis_rate():
    hours = 48
    touched_model, touched = _osteoblast_row(True, seed=4)
    alone_model, alone = _osteoblast_row(False, seed=4)
    run_hours(touched_model, hours)
    run_hours(alone_model, hours)
    killed = sum(not alive(ob) for ob in touched)
    assert sum(not alive(ob) for ob in alone) == 0
    assert within_binomial(killed, len(touched), float(probability(DEFAULTS.ob.mm_contact_apoptosis_rate * hours)))


# --- endothelium -----------------------------------------------------------------------------


def test_precursor_release_rate_rises_with_ccl3():
    ec50 = DEFAULTS.ocp.ccl3_ec50_pm
    ccl3 = np.array([0.0, ec50 / 2, ec50, 10 * ec50, 1e9])
    rate = endothelium.precursor_release_rate(ccl3, DEFAULTS)
    base, fold = DEFAULTS.ocp.recruitment_rate, DEFAULTS.ocp.ccl3_recruitment_fold
    assert np.all(np.diff(rate) > 0)
    assert rate[0] == pytest.approx(base)
    assert rate[2] == pytest.approx(base * (1 + fold) / 2)
    assert rate[-1] == pytest.approx(base * fold, rel=1e-6)


def test_a_vessel_releases_precursors_only_into_free_neighbouring_marrow():
    """A vessel site with bone on its left and a stromal cell at one corner: four free neighbours. Without pushing
    (entry push radius 0) precursors fill those four and no more; with it, see the packed-vessel test below."""
    bone = np.zeros((20, 20))
    bone[9, 9:12] = 1.0
    model = tiny_model(
        bone,
        **{
            "ocp.entry_push_radius_um": 0.0,
            "ocp.recruitment_rate": 10.0,
            "ocp.death_rate": 0.0,
            "ocp.migration_rate": 0.0,
            "ocp.fusion_rate": 0.0,
            "stroma.renewal_rate": 0.0,
        },
    )
    place(model, EndothelialCell, (10, 10))
    place(model, StromalCell, (11, 11))
    settle(model)
    free = {(10, 9), (10, 11), (11, 9), (11, 10)}
    model.step()
    assert model.count(OsteoclastPrecursor) == 1
    run_hours(model, 10)
    sites = {xy_of(p) for p in model.lattice.cells_of(OsteoclastPrecursor)[0]}
    assert sites == free


def test_vessels_release_more_precursors_near_mm_cells():
    """Precursors released in 72 h by two 2 x 2 vessels, with or without a ring of CCL3-secreting MM cells.

    With the recruitment fold at 3 (the estimate before analysis.niche_strength set 3^0.15, larger here so that the
    rule shows above the draws) and CCL3 at the vessels with the ring ≈ 465 pM, release is 1 + 2 x 465 / 665 ≈ 2.4
    times faster.
    """
    released = {}
    for with_mm in (False, True):
        model = tiny_model(
            shape=(40, 40),
            seed=6,
            **{
                **STILL_MM,
                "ocp.migration_rate": 1.0,
                "ocp.death_rate": 0.0,
                "ocp.fusion_rate": 0.0,
                "ocp.ccl3_recruitment_fold": 3.0,
            },
        )
        place(model, EndothelialCell, (14, 19), (14, 20), (15, 19), (15, 20))
        place(model, EndothelialCell, (24, 19), (24, 20), (25, 19), (25, 20))
        if with_mm:
            ring = [(x, y) for x in range(40) for y in range(40) if x in (5, 34) or y in (5, 34)]
            place(model, MyelomaCell, *ring, cd49d=1.0)
        settle(model)
        run_hours(model, 72)
        released[with_mm] = model.count(OsteoclastPrecursor)
    assert released[True] > 1.5 * released[False] > 0


@pytest.mark.parametrize("push_radius_um", [0.0, 30.0])
def test_a_vessel_packed_in_by_mm_cells_releases_precursors_only_by_pushing(push_radius_um):
    """One vessel site ringed by MM cells two deep (no empty neighbour): precursors enter only when they may push the
    ring outwards (an entry push radius of 30 µm reaches the empty marrow beyond; a release squeezes in with
    ocp.squeeze_probability); with radius 0 none enters. No cell is lost or doubled."""
    model = tiny_model(
        shape=(20, 20),
        seed=3,
        **{
            **STILL_MM,
            "ocp.recruitment_rate": 0.5,
            "ocp.migration_rate": 0.0,
            "ocp.death_rate": 0.0,
            "ocp.fusion_rate": 0.0,
            "ocp.entry_push_radius_um": push_radius_um,
        },
    )
    place(model, EndothelialCell, (10, 10))
    ring = [(x, y) for x in range(8, 13) for y in range(8, 13) if (x, y) != (10, 10)]
    mm = place(model, MyelomaCell, *ring, cd49d=1.0)
    settle(model)
    run_hours(model, 10)
    entered = model.count(OsteoclastPrecursor)
    assert all(alive(cell) for cell in mm)
    check_lattice(model)
    if push_radius_um == 0.0:
        assert entered == 0
    else:
        assert 0 < entered <= 10  # at most one release an hour, each entering only if it squeezes in
        cells = [*mm, *model.agents_by_type[OsteoclastPrecursor]]
        outside = [cell for cell in cells if xy_of(cell) not in ring]
        assert len(outside) == entered  # each entry pushed one cell out of the (still full) ring


# --- the cell kinds, the signals and the rules registry ----------------------------------------


def test_the_registry_lists_each_kind_once_in_step_order_with_its_code_label_and_layer():
    classes = [kind.cls for kind in CELL_KINDS]
    assert classes == [EndothelialCell, StromalCell, MyelomaCell, OsteoclastPrecursor, Osteoclast, Osteoblast]
    assert [cls.code for cls in classes] == list(range(1, len(classes) + 1))
    assert len({cls.label for cls in classes}) == len(classes)
    for kind in CELL_KINDS:
        assert kind.cls.kind is kind and kind.cls.layer == kind.layer
    assert {k.cls for k in CELL_KINDS if k.layer == SURFACE} == {Osteoclast, Osteoblast}
    assert {k.cls for k in CELL_KINDS if k.layer == MARROW} == {
        EndothelialCell,
        StromalCell,
        MyelomaCell,
        OsteoclastPrecursor,
    }
    assert {k.cls for k in CELL_KINDS if k.mobile} == {MyelomaCell, OsteoclastPrecursor}


def test_the_registry_refuses_more_kinds_than_the_lattice_codes_hold():
    """A crawling cell's view of a site keeps the kind code in a few bits (kernels.crawl_terrain)."""
    kinds = tuple(
        replace(CELL_KINDS[0], cls=type(f"Kind{i}", (), {}), label=f"kind {i}")
        for i in range(kernels.MAX_KIND_CODE + 1)
    )
    with pytest.raises(ValueError, match=f"at most {kernels.MAX_KIND_CODE}"):
        register(kinds)


def _imported_modules(path) -> set[str]:
    """Every module a Python file imports, at any level (including under TYPE_CHECKING), as dotted names."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            names.add(node.module or "")
            names |= {f"{node.module}.{alias.name}" for alias in node.names}
    return names


def test_no_cell_module_imports_the_model():
    """Cells see the niche (lattice, bone, signals, parameters), never the model: the model depends on the cells."""
    modules = sorted((REPO_ROOT / "niche_abm" / "cells").glob("*.py"))
    assert len(modules) >= 8
    for path in modules:
        imported = _imported_modules(path)
        assert "niche_abm.model" not in imported, f"{path.name} imports niche_abm.model"
        assert not any(name.startswith("niche_abm.model.") for name in imported), path.name
        assert "niche_abm.app" not in {".".join(name.split(".")[:2]) for name in imported}, path.name


def test_every_signal_declared_has_its_three_parameter_rows():
    assert {s.name for s in SIGNALS} >= {"rankl", "opg", "ccl3"}
    for signal in SIGNALS:
        for row in ("diffusion_mm2_per_h", "decay_per_h", "voxel_um"):
            assert f"{signal.name}.{row}" in BY_NAME, f"{signal.name} has no {row} row"
        assert signal.mass_kda > 0


def test_every_secreted_signal_is_declared():
    declared = {s.name for s in SIGNALS}
    for kind in CELL_KINDS:
        assert set(kind.secretes) <= declared, kind.label


def test_rules_text_has_one_line_per_rule_naming_its_numbers():
    lines = rules_text().splitlines()
    assert len(lines) == len(RULES)
    for rule, line in zip(RULES, lines, strict=True):
        assert rule.parameters, f"the rule of {rule.cell} cites no parameter"
        assert f"In {rule.cell}, " in line
        assert "{" not in line and "}" not in line
        for name in rule.parameters:
            assert f"{DEFAULTS[name]:g}" in line, f"{name} missing from: {line}"


def test_every_rule_reads_as_a_sentence_without_a_phrase_said_twice():
    """A unit in the parameter table and the words around its placeholder must not repeat each other."""
    for line in rules_text().splitlines():
        repeated = re.search(r"\b(\w+(?: \w+)*) \1\b", line)
        assert repeated is None, f"'{repeated.group(0)}' in: {line}"


def test_rules_listing_names_the_drugs_that_act_on_each_rule():
    """Each rule's line ends with the drugs whose effects hit its targets (name and target); a rule no drug
    touches names none; and every target a drug acts on is applied by some rule."""
    lines = rules_text().splitlines()
    for rule, line in zip(RULES, lines, strict=True):
        acting = [
            f"{drug.name} ({effect.target})"
            for drug in DRUGS.values()
            for effect in drug.effects
            if effect.target in rule.drug_targets
        ]
        if acting:
            assert line.endswith(f" Drugs: {', '.join(dict.fromkeys(acting))}."), line
        else:
            assert "Drugs:" not in line, line
    fusion = next(line for line in lines if "In osteoclast precursors, a cell next to the bone surface fuses" in line)
    assert "denosumab (free_rankl)" in fusion
    resorption = next(line for line in lines if "In osteoclasts, a cell resorbs" in line)
    assert "zoledronic-acid (resorption)" in resorption
    applied = {target for rule in RULES for target in rule.drug_targets}
    acted_on = {effect.target for drug in DRUGS.values() for effect in drug.effects}
    assert acted_on <= applied, f"drug targets no rule applies: {sorted(acted_on - applied)}"
