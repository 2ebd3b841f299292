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
from conftest import place, tiny_model
from scipy import ndimage

from niche_abm import NicheModel, load_scenario
from niche_abm.agents import MyelomaCell, Osteoblast, Osteoclast
from niche_abm.agents.codes import MYELOMA
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
    np.testing.assert_array_equal(first.bone, second.bone)
    np.testing.assert_array_equal(first.occupancy, second.occupancy)
    np.testing.assert_array_equal(first.free_rankl_sites, second.free_rankl_sites)
    assert first.counters == second.counters


def test_different_seeds_give_different_runs():
    first, first_series = _run("mm_niche", seed=7, days=3)
    other, other_series = _run("mm_niche", seed=8, days=3)
    assert not first_series.equals(other_series)
    assert not np.array_equal(first.bone, other.bone)
    assert not np.array_equal(first.occupancy, other.occupancy)


def test_run_returns_the_metric_columns_one_row_a_day_from_day_zero():
    series = NicheModel(load_scenario("mm_niche", {"grid.width": 60, "grid.height": 60}), seed=1).run(days=2)
    assert list(series.columns) == list(COLUMNS)
    assert len(series) == 3
    assert series["day"].tolist() == [0.0, 1.0, 2.0]
    assert series.notna().all().all()


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

    Bone-marrow edges (4-neighbour), counted by hand: 5 between x = 3 and the cavity,
    1 between the cavity's top (4, 4) and bone (4, 5), 15 along x = 4|5 for y >= 5: 21,
    of which 6 face the cavity. Osteoclasts at (5, 10) and (5, 11) touch bone, one at
    (12, 10) does not; an osteoblast sits in the cavity at (4, 2), touching bone (3, 2).
    """
    bone = np.zeros((20, 20))
    bone[:5, :] = 1.0
    bone[15, 15] = 0.3
    model = tiny_model(bone)
    model.bone[4, :5] = 0.0
    model._refresh_bone_state()
    place(model, Osteoclast, (5, 10), (5, 11), (12, 10), lifespan_h=1e6)
    place(model, Osteoblast, (4, 2))
    place(model, MyelomaCell, (10, 3), (10, 4), cd49d=1.0)
    model.counters["resorbed"] = 5.0
    model.counters["formed"] = 2.0
    return model


def test_bv_tv_is_the_mean_bone_fraction_in_percent(hand_built):
    assert measure(hand_built)["bv_tv"] == pytest.approx(100 * (95 + 0.3) / 400)


def test_surface_metrics_match_a_hand_count(hand_built):
    m = measure(hand_built)
    assert m["es_bs"] == pytest.approx(100 * 6 / 21)
    assert m["oc_s_bs"] == pytest.approx(100 * 2 / 21)
    assert m["ob_s_bs"] == pytest.approx(100 * 1 / 21)
    assert m["n_oc_b_pm"] == pytest.approx(2 / (21 * 0.010))


def test_cell_counts_and_areas_match_a_hand_count(hand_built):
    m = measure(hand_built)
    assert (m["n_oc"], m["n_ob"], m["n_mm"]) == (3, 1, 2)
    assert m["mm_fraction"] == pytest.approx(2 / 305)
    assert m["resorbed_mm2"] == pytest.approx(5 * 1e-4)
    assert m["formed_mm2"] == pytest.approx(2 * 1e-4)


def _lost(*blocks) -> dict:
    """Lesion metrics of a 40 x 40 grid, bone in x < 20, after removing the given (x-slice, y-slice) blocks."""
    bone = np.zeros((40, 40))
    bone[:20, :] = 1.0
    model = tiny_model(bone)
    for block in blocks:
        model.bone[block] = 0.0
    model._refresh_bone_state()
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
    """healthy, 100 x 100 sites, seed 1, 180 days (about 40 s)."""
    return _run("healthy", seed=1, days=HEALTHY_DAYS, overrides=BEHAVIOUR_GRID)


@pytest.fixture(scope="module")
def mm_niche():
    """mm_niche, 100 x 100 sites, seed 1, 60 days (about 15 s)."""
    return _run("mm_niche", seed=1, days=MM_DAYS, overrides=BEHAVIOUR_GRID)


def test_healthy_marrow_both_resorbs_and_forms_bone(healthy):
    """Measured at day 180: resorbed 0.0255 mm², formed 0.0230 mm²."""
    _, series = healthy
    end = series.iloc[-1]
    assert end["resorbed_mm2"] > 0 and end["formed_mm2"] > 0
    assert (series["n_mm"] == 0).all()


def test_healthy_bone_volume_holds_within_one_point_over_six_months(healthy):
    """Measured: BV/TV 21.99% at day 0 and 21.75% at day 180."""
    _, series = healthy
    change = series["bv_tv"].iloc[-1] - series["bv_tv"].iloc[0]
    assert abs(change) < 1.0, f"BV/TV moved by {change:+.2f} points"


def _day(series: pd.DataFrame, day: int) -> pd.Series:
    return series.loc[series["day"] == day].iloc[0]


def test_mm_cells_grow_in_the_niche(mm_niche):
    """Measured: 60 MM cells at day 0, 481 at day 60."""
    _, series = mm_niche
    assert _day(series, MM_DAYS)["n_mm"] > series["n_mm"].iloc[0]


def test_mm_raises_the_rankl_opg_ratio(mm_niche, healthy):
    """Measured at day 60: 0.0267 with MM against 0.0145 healthy."""
    assert _day(mm_niche[1], MM_DAYS)["rankl_opg_ratio"] > _day(healthy[1], MM_DAYS)["rankl_opg_ratio"]


def test_mm_drives_more_resorption_and_bone_loss(mm_niche, healthy):
    """Measured at day 60: resorbed 0.0324 mm² with MM against 0.0099 healthy; BV/TV 18.95% against 21.72%."""
    with_mm, without = _day(mm_niche[1], MM_DAYS), _day(healthy[1], MM_DAYS)
    assert with_mm["resorbed_mm2"] > without["resorbed_mm2"]
    assert with_mm["bv_tv"] < without["bv_tv"]


def test_free_rankl_is_higher_next_to_mm_cells_than_far_from_them(mm_niche):
    """Marrow within 20 µm of an MM cell against marrow 200 µm or more from any; measured 29.5 pM against 9.2 pM."""
    model, _ = mm_niche
    mm = model.occupancy == MYELOMA
    distance = ndimage.distance_transform_edt(~mm)
    near = model.marrow & (distance <= 2)
    far = model.marrow & (distance >= 20)
    assert near.sum() > 100 and far.sum() > 100
    near_rankl, far_rankl = model.free_rankl_sites[near].mean(), model.free_rankl_sites[far].mean()
    assert near_rankl > far_rankl, f"{near_rankl:.1f} pM near MM, {far_rankl:.1f} pM far"


@pytest.mark.parametrize("run", ["healthy", "mm_niche"])
def test_bone_lost_equals_resorbed_minus_formed(run, request):
    """Conservation of bone over a whole run: nothing is lost or made outside resorption and formation."""
    model, _ = request.getfixturevalue(run)
    lost = float(model.bone_template.sum() - model.bone.sum())
    assert lost == pytest.approx(model.counters["resorbed"] - model.counters["formed"], rel=1e-9, abs=1e-9)
    assert model.bone.min() >= 0.0
    assert np.all(model.bone <= model.bone_template), "formation never overshoots the starting bone"
