"""The vicious cycle with each arrow cut in turn (``run.py cycle``): the cuts, the shares, the sweep and the
command."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from niche_abm.cells.myeloma import death_rate, division_rate
from niche_abm.cells.stroma import il6_secretion, secretion
from niche_abm.cycle import (
    FULL,
    NO_MM,
    arrows,
    chosen_arrows,
    course,
    course_days,
    cycle_sweep,
    outcomes,
    parse_arrows,
    shares,
)
from niche_abm.params import BY_NAME, ParameterError, build_parameters
from niche_abm.sweep import LocalEngine, prepare, run_sweep

SMALL = {"grid.width": 40, "grid.height": 40, "mm.initial_count": 24}
ROOT = Path(__file__).resolve().parents[1]
NO_DRUG = {target: 1.0 for target in ("mm_death", "mm_death_adherent", "mm_death_il6", "mm_death_adherent_il6")}


def cut(name: str) -> dict:
    """The parameters with one arrow cut."""
    arrow = next(a for a in arrows() if a.name == name)
    return build_parameters(dict(arrow.cut))


def test_every_cut_is_a_parameter_of_the_table_moved_from_its_default():
    """An arrow whose cut is already the table's value would measure nothing."""
    table = build_parameters()
    for arrow in arrows():
        for name, value in arrow.cut:
            assert name in BY_NAME, f"{arrow.name}: {name} is not a parameter"
            assert table[name] != value, f"{arrow.name}: {name} is already {value} in the table"


def test_cutting_the_stromal_arrows_leaves_a_touched_stromal_cell_secreting_as_an_untouched_one():
    touched = np.array([True, False])
    for arrow, rule in (("stroma_contact", secretion), ("stromal_il6", il6_secretion)):
        p = cut(arrow)
        values = rule(touched, p)
        for value in values if isinstance(values, tuple) else (values,):
            assert value[0] == value[1], arrow
    rankl, _ = secretion(touched, build_parameters())
    assert rankl[0] > rankl[1], "uncut, contact raises RANKL"


def test_cutting_the_support_arrows_makes_supported_mm_cells_grow_as_unsupported_ones():
    """Two cells differing only in what the arrow gives (adhesion, an osteoclast or a vessel nearby)."""
    no_il6, no_april, one_differs, neither = np.ones(2), np.ones(2), np.array([True, False]), np.zeros(2, dtype=bool)
    assert len(set(death_rate(one_differs, neither, no_il6, no_april, NO_DRUG, cut("adhesion_survival")))) == 1
    assert len(set(death_rate(neither, one_differs, no_il6, no_april, NO_DRUG, cut("osteoclast_support")))) == 1
    assert len(set(division_rate(neither, one_differs, no_il6, cut("vessel_support")))) == 1
    table = build_parameters()
    assert len(set(death_rate(one_differs, neither, no_il6, no_april, NO_DRUG, table))) == 2, "uncut, adhesion protects"
    assert len(set(death_rate(neither, one_differs, no_il6, no_april, NO_DRUG, table))) == 2, (
        "uncut, osteoclasts protect"
    )


def test_arrows_are_named_in_the_cycles_order_and_unknown_ones_refused():
    assert parse_arrows(None) == tuple(a.name for a in arrows())
    assert parse_arrows(" adhesion, ccl3 ") == ("ccl3", "adhesion")
    with pytest.raises(ParameterError, match=r"unknown arrow 'il6'.*stromal_il6") as error:
        parse_arrows("ccl3,il6")
    assert error.value.key == "--arrows"
    for bad, message in (
        (" , ", "expected a comma-separated list"),
        ("ccl3,,dkk1", "empty item"),
        ("ccl3, ccl3", "given twice"),
    ):
        with pytest.raises(ParameterError, match=message) as error:
            parse_arrows(bad)
        assert error.value.key == "--arrows"


def test_arrows_joined_by_plus_are_cut_together_in_one_arm():
    names = parse_arrows("ccl3+stroma_contact, ccl3, dkk1+osteoblast_block")
    assert names == ("ccl3", "stroma_contact+ccl3", "osteoblast_block+dkk1"), "singles first, the cycle's order within"
    joint = chosen_arrows(names)[1]
    assert joint.label == "stroma contact + CCL3" and joint.arm == "cut_stroma_contact__ccl3"
    assert dict(joint.cut) == {
        "stroma.contact_rankl_fold": 1.0,
        "stroma.contact_opg_fold": 1.0,
        "mm.ccl3_secretion": 0.0,
    }
    spec, labels, _ = cycle_sweep(names, "mm_niche", 2, 2, SMALL)
    assert spec.arm_settings["cut_stroma_contact__ccl3"] == dict(joint.cut)
    assert labels["cut_stroma_contact__ccl3"] == "stroma contact + CCL3"
    for bad, message in (
        ("ccl3+ccl3", "two or more different"),
        ("ccl3+il6", "unknown arrow 'il6'"),
        ("ccl3+stroma_contact, stroma_contact+ccl3", "the cut of 'stroma_contact\\+ccl3' again"),
    ):
        with pytest.raises(ParameterError, match=message):
            parse_arrows(bad)


def test_the_cuts_follow_the_scenarios_own_rates():
    spec, labels, chosen = cycle_sweep(("adhesion_survival",), "mm_niche", 2, 2, {**SMALL, "mm.death_rate_free": 0.002})
    assert spec.arm_settings["cut_adhesion_survival"] == {"mm.death_rate_adherent": 0.002}
    assert spec.arm_settings["no_mm"] == {"mm.initial_count": 0}
    assert labels == {"full": FULL, "no_mm": NO_MM, "cut_adhesion_survival": "adhesion survival"}
    assert chosen[0].describe() == "mm.death_rate_adherent = 0.002"


def test_under_a_drug_every_arm_is_given_it_the_marrow_without_mm_too():
    spec, _, _ = cycle_sweep(("ccl3",), "mm_niche", 30, 2, SMALL, drugs=("lenalidomide=10uM@day5",))
    assert set(spec.arms.values()) == {("lenalidomide=10uM@day5",)} and len(spec.arms) == 3
    assert "under lenalidomide=10uM@day5" in spec.description
    with pytest.raises(ParameterError, match="after the run ends"):
        cycle_sweep(("ccl3",), "mm_niche", 30, 2, SMALL, drugs=("lenalidomide=10uM@day40",))


def test_a_marrow_without_mm_has_no_cycle_to_cut():
    with pytest.raises(ParameterError, match="healthy seeds no MM cells") as error:
        cycle_sweep(("ccl3",), "healthy", 2, 2, {"grid.width": 40, "grid.height": 40})
    assert error.value.key == "--scenario"


def test_shares_are_what_a_cut_loses_over_mms_effect_seed_by_seed():
    """Three seeds; MM loses 3, 4 and 5 points of bone more than no MM (0.5 each); cutting CCL3 keeps a quarter of
    that; MM gains 100, 120, 140 cells, 60, 72, 84 without its IL-6 arrow (a share of 0.4)."""
    rows = []
    arms = {
        FULL: ([3.5, 4.5, 5.5], [100.0, 120.0, 140.0]),
        NO_MM: ([0.5, 0.5, 0.5], [0.0, 0.0, 0.0]),
        "CCL3": ([1.25, 1.5, 1.75], [100.0, 120.0, 140.0]),
        "stromal IL-6": ([3.5, 4.5, 5.5], [60.0, 72.0, 84.0]),
    }
    for arm, (lost, gained) in arms.items():
        for replicate in range(3):
            rows.append(
                {
                    "arm": arm,
                    "replicate": replicate,
                    "bone_lost": lost[replicate],
                    "resorbed_mm2": 0.01,
                    "osteoclasts_formed": 10.0,
                    "mm_gained": gained[replicate],
                }
            )
    chosen = tuple(a for a in arrows() if a.name in ("ccl3", "stromal_il6"))
    table = shares(pd.DataFrame(rows), chosen).set_index(["arrow", "outcome"])
    ccl3, il6 = table.loc[("ccl3", "bone_lost")], table.loc[("stromal_il6", "mm_gained")]
    assert ccl3["effect"] == pytest.approx(4.0) and ccl3["lost"] == pytest.approx(3.0)
    assert ccl3["share"] == pytest.approx(0.75) and ccl3["share_ci_low"] <= 0.75 <= ccl3["share_ci_high"]
    assert il6["effect"] == pytest.approx(120.0) and il6["share"] == pytest.approx(0.4)
    assert table.loc[("stromal_il6", "bone_lost"), "share"] == 0.0
    assert table.loc[("ccl3", "mm_gained"), "share"] == 0.0
    assert not table.loc[("ccl3", "resorbed_mm2"), "effect_clear"], "MM resorbs no more than no MM here"


def test_a_cycle_runs_its_arms_on_shared_seeds(tmp_path):
    spec, labels, chosen = cycle_sweep(("ccl3", "adhesion"), "mm_niche", 3, 2, SMALL)
    assert list(spec.arms) == ["full", "no_mm", "cut_ccl3", "cut_adhesion"]
    store, tasks = prepare(spec, tmp_path / "runs", resume=False)
    assert {t.arm: t.overrides.get("mm.ccl3_secretion") for t in tasks}["cut_ccl3"] == 0.0
    report = run_sweep(spec, store, tasks, LocalEngine(1), progress=False)
    assert report.done == 8 and report.failed == 0
    rows = outcomes(store, labels)
    assert rows.groupby("replicate")["seed"].nunique().eq(1).all(), "paired: one seed per replicate in every arm"
    assert (rows.loc[rows["arm"] == NO_MM, "mm_last"] == 0).all()
    assert (rows.loc[rows["arm"] == FULL, "mm_last"] > 0).all()
    table = shares(rows, chosen)
    assert set(table["arrow"]) == {"ccl3", "adhesion"} and (table["seeds"] == 2).all()
    by_day = outcomes(store, labels, [1, 2, 3])
    assert len(by_day) == 8 * 3 and sorted(by_day["day"].unique()) == [1, 2, 3]
    last = by_day[by_day["day"] == 3].drop(columns="day").sort_values(["arm", "replicate"], ignore_index=True)
    expected = rows.drop(columns="day").sort_values(["arm", "replicate"], ignore_index=True)
    pd.testing.assert_frame_equal(last, expected)
    followed = course(by_day, chosen)
    assert len(followed) == 3 * 2 * 2 and set(followed["outcome"]) == {"bone_lost", "mm_gained"}
    on_day_3 = followed[followed["day"] == 3].set_index(["arrow", "outcome"])["share"]
    assert on_day_3.to_dict() == pytest.approx(
        table[table["outcome"].isin(["bone_lost", "mm_gained"])].set_index(["arrow", "outcome"])["share"].to_dict(),
        nan_ok=True,
    )


def test_a_course_is_read_every_tenth_day_and_on_the_last():
    assert course_days(60) == [10, 20, 30, 40, 50, 60]
    assert course_days(45) == [10, 20, 30, 40, 45]
    assert course_days(5) == [5]


def test_cycle_writes_its_tables_and_figure_resumes_without_rerunning_and_overwrites(tmp_path):
    out = tmp_path / "cycle"
    arguments = (
        "cycle", "--arrows", "ccl3,osteoclast_support", "--days", "2", "--seeds", "2", "--workers", "1",
        "--set", "grid.width=40", "--set", "grid.height=40", "--set", "mm.initial_count=24", "--out", str(out),
    )  # fmt: skip
    command = [sys.executable, str(ROOT / "run.py"), *arguments]
    first = subprocess.run(command, capture_output=True, text=True)
    assert first.returncode == 0, first.stderr
    summary = pd.read_csv(out / "summary.csv")
    assert list(summary["arm"]) == [FULL, NO_MM, "CCL3", "osteoclast support"]
    table = pd.read_csv(out / "shares.csv")
    assert set(table["outcome"]) == {"bone_lost", "resorbed_mm2", "osteoclasts_formed", "mm_gained"}
    for figure in ("cycle.png", "cycle_course.png"):
        assert (out / figure).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert set(pd.read_csv(out / "shares_by_day.csv")["day"]) == {2}
    stored = sorted((out / "runs" / "timeseries").rglob("*.parquet"))
    assert len(stored) == 8
    mtimes = [path.stat().st_mtime_ns for path in stored]
    resumed = subprocess.run([*command, "--resume"], capture_output=True, text=True)
    assert resumed.returncode == 0, resumed.stderr
    assert [path.stat().st_mtime_ns for path in stored] == mtimes, "no run was computed again"
    pd.testing.assert_frame_equal(pd.read_csv(out / "summary.csv"), summary)
    again = subprocess.run(command, capture_output=True, text=True)
    assert again.returncode == 2 and "already holds a cycle" in again.stderr
    replaced = subprocess.run([*command, "--overwrite"], capture_output=True, text=True)
    assert replaced.returncode == 0, replaced.stderr
    pd.testing.assert_frame_equal(pd.read_csv(out / "summary.csv"), summary)


def test_the_commands_help_names_every_arrow():
    shown = subprocess.run(
        [sys.executable, str(ROOT / "run.py"), "cycle", "--help"], capture_output=True, text=True, check=True
    ).stdout
    assert all(arrow.name in " ".join(shown.split()) for arrow in arrows())
