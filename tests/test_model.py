"""The whole model: determinism, the public API, the metrics on hand-built states, and its behaviour.

Behaviour is checked against the claims the model is built to reproduce:
healthy marrow remodels in balance, and MM cells in the niche grow, raise the
RANKL/OPG ratio near them and drive resorption. Both runs use a 100 x 100 grid
(1 mm²) and seed 1; the healthy run is shared by the balance and the
comparison tests (its day-60 row is the healthy reference).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import live_forever, place, settle, tiny_model
from scipy import ndimage

from niche_abm import NicheModel, load_scenario
from niche_abm.cells import MyelomaCell, Osteoblast, Osteoclast
from niche_abm.metrics import COLUMNS, measure
from niche_abm.units import sites_to_mm2

SMALL = {"grid.width": 80, "grid.height": 80}
BEHAVIOUR_GRID = {"grid.width": 100, "grid.height": 100}
HEALTHY_DAYS = 180
MM_DAYS = 60


def _run(scenario: str, seed: int, days: int, overrides=SMALL) -> tuple[NicheModel, pd.DataFrame]:
    model = NicheModel(load_scenario(scenario, overrides), seed=seed)
    return model, model.run(days=days)


# --- determinism and the public API -------------------------------------------------------------


def test_same_seed_gives_bit_identical_runs():
    first, first_series = _run("mm_niche", seed=7, days=3)
    second, second_series = _run("mm_niche", seed=7, days=3)
    pd.testing.assert_frame_equal(first_series, second_series, check_exact=True)
    np.testing.assert_array_equal(first.bone.fraction, second.bone.fraction)
    np.testing.assert_array_equal(first.lattice.occupancy(), second.lattice.occupancy())
    np.testing.assert_array_equal(first.signals.map("free_rankl"), second.signals.map("free_rankl"))
    assert first.counters == second.counters


def test_different_seeds_give_different_runs():
    first, first_series = _run("mm_niche", seed=7, days=3)
    other, other_series = _run("mm_niche", seed=8, days=3)
    assert not first_series.equals(other_series)
    assert not np.array_equal(first.bone.fraction, other.bone.fraction)
    assert not np.array_equal(first.lattice.occupancy(), other.lattice.occupancy())


def test_run_returns_the_metric_columns_one_row_a_day_from_day_zero():
    series = NicheModel(load_scenario("mm_niche", {"grid.width": 60, "grid.height": 60}), seed=1).run(days=2)
    assert list(series.columns) == list(COLUMNS)
    assert len(series) == 3
    assert series["day"].tolist() == [0.0, 1.0, 2.0]
    per_cell = {"oc_nuclei_mean": "n_oc", "mm_near_oc": "n_mm"}
    structure = ["tb_th_um", "tb_sp_um", "tb_n_per_mm"]
    assert series.drop(columns=[*per_cell, *structure]).notna().all().all()
    for mean, count in per_cell.items():
        assert (series[mean].isna() == (series[count] == 0)).all(), f"{mean} is NaN exactly when {count} is 0"
    measured_on = series.dropna(subset=structure)["day"].tolist()
    assert measured_on == [0.0, 2.0], "the trabecular structure is measured at the start and end of the run"


def test_step_advances_one_hour_and_records_once_a_day():
    model = NicheModel(load_scenario("healthy", {"grid.width": 40, "grid.height": 40}), seed=1)
    assert model.hour == 0 and len(model.records) == 1
    model.step()
    assert model.hour == 1 and model.day == pytest.approx(1 / 24)
    assert len(model.records) == 1
    for _ in range(23):
        model.step()
    assert model.hour == 24 and len(model.records) == 2
    assert model.records[-1]["day"] == 1.0


# --- metrics on hand-built states ---------------------------------------------------------------


@pytest.fixture
def hand_built():
    """A 20 x 20 grid: bone in x < 5, a cavity resorbed out of x = 4, y < 5, a partly-bony marrow site.

    Bone surface (bone sites with a marrow site among their 8 neighbours), counted by hand: x = 4 for
    y >= 5 (15 sites) and x = 3 for y <= 5 (6 sites, facing the cavity), 21; plus the lacuna at (4, 2) an
    osteoclast is still in: BS = 22 sites. Of these, 8 touch the cavity: (3, 0..5), (4, 5) and the lacuna.
    Osteoclasts of 2 and 3 nuclei sit at (4, 10) and (4, 11), one of 1 nucleus in the lacuna; an osteoblast
    at (3, 3) lines the cavity. MM cells at (6, 10), within 50 µm of an osteoclast, and (10, 18), not.
    """
    bone = np.zeros((20, 20))
    bone[:5, :] = 1.0
    bone[15, 15] = 0.3
    model = tiny_model(bone)
    model.bone.fraction[4, :5] = 0.0
    osteoclasts = live_forever(*place(model, Osteoclast, (4, 10), (4, 11), (4, 2), nuclei=1))
    for oc, nuclei in zip(osteoclasts, (2, 3, 1), strict=True):
        oc.nuclei = nuclei
    place(model, Osteoblast, (3, 3))
    place(model, MyelomaCell, (6, 10), (10, 18), cd49d=1.0)
    settle(model)
    model.bone.resorbed = 5.0
    model.bone.formed = 2.0
    return model


def test_bv_tv_is_the_mean_bone_fraction_in_percent(hand_built):
    assert measure(hand_built)["bv_tv"] == pytest.approx(100 * (95 + 0.3) / 400)


def test_surface_metrics_match_a_hand_count(hand_built):
    m = measure(hand_built)
    assert m["es_bs"] == pytest.approx(100 * 8 / 22)
    assert m["os_bs"] == 0.0, "no osteoblast has laid bone yet"
    assert m["oc_s_bs"] == pytest.approx(100 * 3 / 22)
    assert m["ob_s_bs"] == pytest.approx(100 * 1 / 22)
    assert m["n_oc_b_pm"] == pytest.approx(3 / (22 * 0.010))


def test_a_surface_carrying_osteoid_counts_as_osteoid_surface_not_eroded(hand_built):
    """The osteoblast at (3, 3) has just laid bone: its eroded site carries osteoid, so it leaves ES for OS; once
    the mineralisation lag (bone.osteoid_maturation_h) has passed it is eroded surface again, its cavity unrefilled."""
    hand_built.bone.laid_hour[3, 3] = hand_built.hour
    m = measure(hand_built)
    assert m["os_bs"] == pytest.approx(100 * 1 / 22)
    assert m["es_bs"] == pytest.approx(100 * 7 / 22)
    hand_built.hour += int(hand_built.params.bone.osteoid_maturation_h)
    m = measure(hand_built)
    assert m["os_bs"] == 0.0
    assert m["es_bs"] == pytest.approx(100 * 8 / 22)


def test_the_bone_surface_is_bone_facing_marrow_plus_the_lacunae_osteoclasts_are_in(hand_built):
    surface = hand_built.bone_surface()
    expected = np.zeros((20, 20), dtype=bool)
    expected[4, 5:] = True
    expected[3, :6] = True
    expected[4, 2] = True
    np.testing.assert_array_equal(surface, expected)
    np.testing.assert_array_equal(hand_built.snapshot()["bone_surface"], expected)


def test_cell_counts_and_areas_match_a_hand_count(hand_built):
    m = measure(hand_built)
    assert (m["n_oc"], m["n_ob"], m["n_mm"]) == (3, 1, 2)
    assert m["oc_nuclei_mean"] == pytest.approx(2.0)
    assert m["mm_fraction"] == pytest.approx(2 / 305)
    assert m["mm_near_oc"] == pytest.approx(0.5)
    assert m["resorbed_mm2"] == pytest.approx(5 * 1e-4)
    assert m["formed_mm2"] == pytest.approx(2 * 1e-4)


def test_per_cell_metrics_are_nan_without_the_cells():
    m = measure(tiny_model())
    assert np.isnan(m["oc_nuclei_mean"]) and np.isnan(m["mm_near_oc"])
    assert m["n_oc"] == m["n_mm"] == m["osteoclasts_formed"] == 0


def _lost(*blocks) -> dict:
    """Lesion metrics of a 40 x 40 grid, bone in x < 20, after removing the given (x-slice, y-slice) blocks."""
    bone = np.zeros((40, 40))
    bone[:20, :] = 1.0
    model = tiny_model(bone)
    for block in blocks:
        model.bone.fraction[block] = 0.0
    model.bone.refresh()
    return measure(model)


@pytest.mark.parametrize(
    ("blocks", "count", "area_sites"),
    [
        ([], 0, 0),
        ([np.s_[10:20, 0:8]], 1, 80),
        ([np.s_[10:15, 20:25]], 0, 0),
        ([np.s_[10:20, 20:25]], 1, 50),
        ([np.s_[10:20, 0:8], np.s_[0:5, 30:35]], 1, 80),
        ([np.s_[0:5, 0:5], np.s_[5:10, 5:10]], 1, 50),
        ([np.s_[10:20, 0:8], np.s_[0:10, 20:26]], 2, 140),
    ],
    ids=[
        "none",
        "80 sites",
        "25 sites: too small",
        "50 sites: just enough",
        "80 + 25 sites",
        "two corner-touching",
        "two",
    ],
)
def test_lesions_are_lost_bone_regions_of_at_least_the_minimum_area(blocks, count, area_sites):
    """metrics.lesion_min_area_mm2 = 0.005 mm² = 50 sites; regions connect through corners (8-neighbour)."""
    m = _lost(*blocks)
    assert m["lesion_count"] == count
    assert m["lesion_area_mm2"] == pytest.approx(sites_to_mm2(area_sites))


# --- behaviour ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def healthy():
    """healthy, 100 x 100 sites, seed 1, 180 days (about 7 s)."""
    return _run("healthy", seed=1, days=HEALTHY_DAYS, overrides=BEHAVIOUR_GRID)


@pytest.fixture(scope="module")
def mm_niche():
    """mm_niche, 100 x 100 sites, seed 1, 60 days (about 3 s)."""
    return _run("mm_niche", seed=1, days=MM_DAYS, overrides=BEHAVIOUR_GRID)


def test_healthy_marrow_both_resorbs_and_forms_bone(healthy):
    """Measured at day 180 (at 7fba9b7): resorbed 0.0258 mm², formed 0.0245 mm²."""
    _, series = healthy
    end = series.iloc[-1]
    assert end["resorbed_mm2"] > 0 and end["formed_mm2"] > 0
    assert (series["n_mm"] == 0).all()


def test_healthy_bone_volume_holds_within_one_point_over_six_months(healthy):
    """Measured (at 7fba9b7): BV/TV 22.00% at day 0 and 21.87% at day 180."""
    _, series = healthy
    change = series["bv_tv"].iloc[-1] - series["bv_tv"].iloc[0]
    assert abs(change) < 1.0, f"BV/TV moved by {change:+.2f} points"


def _day(series: pd.DataFrame, day: int) -> pd.Series:
    return series.loc[series["day"] == day].iloc[0]


def test_mm_cells_grow_in_the_niche(mm_niche):
    """Measured (at 7fba9b7): 600 MM cells at day 0 (the scenario's count, on 1 mm²), 1,977 at day 60."""
    _, series = mm_niche
    assert _day(series, MM_DAYS)["n_mm"] > series["n_mm"].iloc[0]


def test_mm_raises_the_rankl_opg_ratio(mm_niche, healthy):
    """Measured at day 60 (at 7fba9b7): 0.107 with MM against 0.0146 healthy."""
    assert _day(mm_niche[1], MM_DAYS)["rankl_opg_ratio"] > _day(healthy[1], MM_DAYS)["rankl_opg_ratio"]


def test_mm_drives_more_resorption_and_bone_loss(mm_niche, healthy):
    """Measured at day 60 (at 7fba9b7): resorbed 0.154 mm² with MM against 0.0084 healthy; BV/TV 6.65% against
    21.64%."""
    with_mm, without = _day(mm_niche[1], MM_DAYS), _day(healthy[1], MM_DAYS)
    assert with_mm["resorbed_mm2"] > without["resorbed_mm2"]
    assert with_mm["bv_tv"] < without["bv_tv"]


def test_free_rankl_is_higher_next_to_mm_cells_than_far_from_them(mm_niche):
    """Marrow within 20 µm of an MM cell against marrow 100 µm or more from any; measured (at 7fba9b7) 41.1 pM
    against 21.0 pM over 268 far sites. By day 60 the tumour leaves little marrow far from every MM cell: 150 µm,
    the distance used before, left 241 sites once and 39 at 7fba9b7 (free RANKL there 19.7 pM)."""
    model, _ = mm_niche
    mm = model.lattice.marrow_code == MyelomaCell.code
    distance = ndimage.distance_transform_edt(~mm)
    near = model.bone.marrow & (distance <= 2)
    far = model.bone.marrow & (distance >= 10)
    assert near.sum() > 100 and far.sum() > 100
    free_rankl = model.signals.map("free_rankl")
    near_rankl, far_rankl = free_rankl[near].mean(), free_rankl[far].mean()
    assert near_rankl > far_rankl, f"{near_rankl:.1f} pM near MM, {far_rankl:.1f} pM far"


@pytest.mark.parametrize("run", ["healthy", "mm_niche"])
def test_bone_lost_equals_resorbed_minus_formed(run, request):
    """Conservation of bone over a whole run: nothing is lost or made outside resorption and formation."""
    model, _ = request.getfixturevalue(run)
    lost = float(model.bone.template.sum() - model.bone.fraction.sum())
    assert lost == pytest.approx(model.counters["resorbed"] - model.counters["formed"], rel=1e-9, abs=1e-9)
    assert model.bone.fraction.min() >= 0.0
    assert model.bone.fraction.max() <= 1.0, "formation never fills a site beyond solid bone"
