"""The map that set MM's contact and CCL3 strengths (analysis.niche_strength): its scaling, its rule, and that the
parameter table holds the point it picked."""

import math

import pytest

from analysis.niche_strength import AIM, ESTIMATES, MIN_BETA, overrides, pick
from niche_abm.params import BY_NAME


def row(alpha: float, beta: float, ratio: float, formation_cut: float, resorption_cut: float) -> dict:
    """A summarised point as the map's summary gives it (intervals left at the estimate)."""
    return {
        "point": (alpha, beta),
        "ratio": (ratio, ratio, ratio),
        "formation_cut": (formation_cut,) * 3,
        "resorption_cut": (resorption_cut,) * 3,
    }


def test_strength_zero_switches_each_group_off_and_one_keeps_the_first_estimates():
    assert overrides(1.0, 1.0) == ESTIMATES
    off = overrides(0.0, 0.0)
    assert off["ocp.chemotaxis"] == 0.0
    assert all(value == 1.0 for name, value in off.items() if name != "ocp.chemotaxis")


def test_the_table_holds_the_picked_point_with_the_opg_fold_rounded_to_the_slider_step():
    picked = overrides(0.15, 0.5)
    for name, value in picked.items():
        if name == "stroma.contact_opg_fold":
            assert value == pytest.approx(0.5477, abs=1e-4)
            assert BY_NAME[name].default == 0.55
        else:
            assert BY_NAME[name].default == value, name


def test_the_rule_takes_the_t7_meeting_point_nearest_the_markers_middle():
    rows = [
        row(0.2, 0.5, 4.8, 0.36, 0.44),  # meets T7, 4.8x
        row(0.25, 0.75, 3.0, 0.45, 0.50),  # meets T7, nearer 2.4x
        row(0.1, 1.0, 2.4, 0.10, 0.20),  # at 2.4x but misses T7's formation and resorption bands
    ]
    assert pick(rows)["point"] == (0.25, 0.75)
    assert math.isclose(AIM, math.sqrt(1.8 * 3.3))


def test_the_rule_refuses_points_t1_cannot_hold_and_ratios_outside_t20s_band():
    assert pick([row(0.25, 0.25, 2.4, 0.45, 0.50)]) is None  # β below MIN_BETA
    assert MIN_BETA == 0.5
    assert pick([row(0.5, 1.0, 8.0, 0.45, 0.50)]) is None  # nearest, but above 4.9x


def test_a_tie_goes_to_the_point_nearer_the_first_estimates():
    rows = [row(0.2, 0.5, 2.4, 0.4, 0.5), row(0.25, 0.75, 2.4, 0.4, 0.5)]
    assert pick(rows)["point"] == (0.25, 0.75)
