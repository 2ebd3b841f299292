"""A drug with some of its actions left out (``NAME~TARGET``), and the dissection built on it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from niche_abm.dissection import UNTREATED, WHOLE, Action, dissection_sweep, outcomes, parse_actions, shares
from niche_abm.drugs import DRUGS
from niche_abm.drugs.regimen import Treatment, parse_regimen
from niche_abm.experiment import RunDescription
from niche_abm.params import ParameterError
from niche_abm.sweep import LocalEngine, prepare, run_sweep

SMALL = {"grid.width": 40, "grid.height": 40, "mm.initial_count": 24}
ROOT = Path(__file__).resolve().parents[1]


def test_a_left_out_effect_leaves_its_target_alone_and_the_others_as_the_whole_drug():
    whole = Treatment([parse_regimen("lenalidomide=10uM")]).multipliers(0.0)
    without = Treatment([parse_regimen("lenalidomide~mm_ccl3_secretion~osteoclast_formation=10uM")]).multipliers(0.0)
    assert whole["mm_ccl3_secretion"] < 1 and whole["osteoclast_formation"] < 1
    assert without["mm_ccl3_secretion"] == 1.0 and without["osteoclast_formation"] == 1.0
    left = {target for target in whole if target not in ("mm_ccl3_secretion", "osteoclast_formation")}
    assert {t: without[t] for t in left} == {t: whole[t] for t in left}


def test_a_left_out_kill_spares_adherent_and_free_cells_alike():
    """Bortezomib's kill (mm_death) also reaches adherent cells; leaving it out must remove both, not its
    anabolic effect."""
    whole = Treatment([parse_regimen("bortezomib=0.01uM")]).multipliers(0.0)
    without = Treatment([parse_regimen("bortezomib~mm_death=0.01uM")]).multipliers(0.0)
    assert whole["mm_death"] > 1 and whole["mm_death_adherent"] > 1
    assert without["mm_death"] == 1.0 and without["mm_death_adherent"] == 1.0
    assert without["osteoblast_differentiation"] == whole["osteoblast_differentiation"] > 1


def test_a_regimen_with_effects_left_out_reads_back_from_its_text():
    regimen = parse_regimen("lenalidomide~mm_cd49d~mm_itga8=25mg/1d@day3:day20")
    assert regimen.without == ("mm_cd49d", "mm_itga8")
    assert regimen.text.startswith("lenalidomide~mm_cd49d~mm_itga8=25mg/1d@day3")
    assert parse_regimen(regimen.text) == regimen
    assert regimen.drug is DRUGS["lenalidomide"], "the registered drug is kept; only what acts changes"
    assert "mm_cd49d" not in regimen.acting.targets and "mm_ccl3_secretion" in regimen.acting.targets


def test_a_run_is_built_with_only_the_effects_left_in():
    model = RunDescription("mm_niche", SMALL, ("lenalidomide~mm_ccl3_secretion=10uM",), seed=1, days=1).build()
    model.step()
    assert model.effects["mm_ccl3_secretion"] == 1.0
    assert model.effects["mm_cd49d"] < 1.0


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("lenalidomide~free_rankl=10uM", "no effect on 'free_rankl'"),
        ("lenalidomide~mm_cd49d~mm_cd49d=10uM", "left out twice"),
        ("zoledronic-acid~osteoclast_death~resorption=1uM", "leaves out every effect"),
    ],
)
def test_a_left_out_effect_the_drug_cannot_lose_is_refused(text, message):
    with pytest.raises(ParameterError, match=message) as error:
        parse_regimen(text)
    assert error.value.key == f"--drug {text}"


def test_one_drug_leaving_out_other_effects_is_a_pool_of_its_own():
    """Whole for five days, then without its CCL3 cut: the cut acts only while the whole drug is given."""
    course = [parse_regimen("lenalidomide=10uM@day0:day5"), parse_regimen("lenalidomide~mm_ccl3_secretion=10uM@day5")]
    treatment = Treatment(course)
    early, late = treatment.multipliers(24.0), treatment.multipliers(200.0)
    assert early["mm_ccl3_secretion"] < 1 and late["mm_ccl3_secretion"] == 1.0
    assert early["mm_cd49d"] == late["mm_cd49d"] < 1
    assert treatment.concentrations(200.0) == {"lenalidomide": 10.0}
    same = Treatment([parse_regimen("lenalidomide~mm_cd49d=5uM"), parse_regimen("lenalidomide~mm_cd49d=5uM")])
    assert same.multipliers(0.0) == Treatment([parse_regimen("lenalidomide~mm_cd49d=10uM")]).multipliers(0.0)


def test_actions_default_to_one_per_target_and_group_targets_when_named():
    assert parse_actions("zoledronic-acid", None) == (
        Action("osteoclast_death", ("osteoclast_death",)),
        Action("resorption", ("resorption",)),
    )
    with pytest.raises(ParameterError, match="mln3897 acts on one target"):
        parse_actions("mln3897", None)
    actions = parse_actions("lenalidomide", "adhesion=mm_cd49d+mm_itga8+mm_icam2, ccl3=mm_ccl3_secretion")
    assert actions == (Action("adhesion", ("mm_cd49d", "mm_itga8", "mm_icam2")), Action("ccl3", ("mm_ccl3_secretion",)))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("adhesion", "expected NAME=TARGET"),
        ("Adhesion=mm_cd49d", "expected NAME=TARGET"),
        ("a=mm_cd49d,a=mm_itga8", "named twice"),
        ("a=mm_cd49d,b=mm_cd49d", "mm_cd49d is in two actions"),
        ("a=free_rankl", "no effect on 'free_rankl'"),
    ],
)
def test_an_action_that_cannot_be_left_out_is_refused_naming_the_option(text, message):
    with pytest.raises(ParameterError, match=message) as error:
        parse_actions("lenalidomide", text)
    assert error.value.key == "--actions"


def test_shares_are_the_lost_effect_over_the_whole_effect_seed_by_seed():
    """Three seeds; the drug saves 4, 5 and 6 points of bone; without `a` it saves 1, 1.25 and 1.5, without `b`
    all of it."""
    untreated = [-12.0, -13.0, -14.0]
    whole = [-8.0, -8.0, -8.0]
    without_a = [-11.0, -11.75, -12.5]
    rows = []
    for arm, values in ((UNTREATED, untreated), (WHOLE, whole), ("without a", without_a), ("without b", whole)):
        for replicate, value in enumerate(values):
            rows.append({"arm": arm, "replicate": replicate, "bv_tv_change": value, "resorbed_mm2": 0.0})
    results = pd.DataFrame(rows).assign(formed_mm2=0.0, osteoclasts_formed=1.0, rankl_opg_ratio=1.0, mm_fraction=0.1)
    table = shares(results, (Action("a", ("mm_cd49d",)), Action("b", ("mm_itga8",)))).set_index(["action", "outcome"])
    a, b = table.loc[("a", "bv_tv_change")], table.loc[("b", "bv_tv_change")]
    assert a["effect"] == pytest.approx(5.0) and a["lost"] == pytest.approx(3.75)
    assert a["share"] == pytest.approx(0.75) and a["share_ci_low"] <= 0.75 <= a["share_ci_high"]
    assert b["share"] == 0.0 and b["lost"] == 0.0
    assert np.isnan(table.loc[("a", "resorbed_mm2"), "share"]), "no effect: no share"
    assert table.loc[("a", "bv_tv_change"), "effect_clear"] and not table.loc[("a", "resorbed_mm2"), "effect_clear"]


def test_a_dissection_runs_its_arms_on_shared_seeds(tmp_path):
    actions = parse_actions("lenalidomide", "adhesion=mm_cd49d+mm_itga8+mm_icam2")
    spec, labels = dissection_sweep("lenalidomide", "10uM", actions, "mm_niche", 3, 2, 0.0, SMALL, alone=True)
    assert spec.arms == {
        "untreated": (),
        "whole": ("lenalidomide=10uM@day0",),
        "without_adhesion": ("lenalidomide~mm_cd49d~mm_itga8~mm_icam2=10uM@day0",),
        "alone_adhesion": ("lenalidomide~mm_ccl3_secretion~stroma_contact_response~osteoclast_formation=10uM@day0",),
    }
    store, tasks = prepare(spec, tmp_path / "runs", resume=False)
    report = run_sweep(spec, store, tasks, LocalEngine(1), progress=False)
    assert report.done == 8 and report.failed == 0
    rows = outcomes(store, labels)
    assert sorted(rows["arm"].unique()) == sorted([UNTREATED, WHOLE, "without adhesion", "adhesion alone"])
    assert rows.groupby("replicate")["seed"].nunique().eq(1).all(), "paired: one seed per replicate in every arm"
    table = shares(rows, actions)
    assert set(table["outcome"]) == {
        "bv_tv_change",
        "resorbed_mm2",
        "formed_mm2",
        "osteoclasts_formed",
        "rankl_opg_ratio",
        "mm_fraction",
    }
    assert (table["seeds"] == 2).all()
    untreated, alone = (rows[rows["arm"] == arm].sort_values("replicate") for arm in (UNTREATED, "adhesion alone"))
    expected = (alone["resorbed_mm2"].to_numpy() - untreated["resorbed_mm2"].to_numpy()).mean()
    assert table.set_index("outcome").loc["resorbed_mm2", "alone"] == pytest.approx(expected)


def test_dissect_writes_its_tables_and_figure_and_resumes_without_rerunning(tmp_path):
    out = tmp_path / "dx"
    arguments = (
        "dissect", "zoledronic-acid", "--dose", "1uM", "--days", "2", "--seeds", "2", "--workers", "1",
        "--set", "grid.width=40", "--set", "grid.height=40", "--set", "mm.initial_count=24", "--out", str(out),
    )  # fmt: skip
    first = subprocess.run([sys.executable, str(ROOT / "run.py"), *arguments], capture_output=True, text=True)
    assert first.returncode == 0, first.stderr
    summary = pd.read_csv(out / "summary.csv")
    assert list(summary["arm"]) == [UNTREATED, WHOLE, "without osteoclast_death", "without resorption"]
    table = pd.read_csv(out / "shares.csv")
    assert set(table["action"]) == {"osteoclast_death", "resorption"} and "alone_share" not in table
    assert (out / "dissection.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    stored = sorted((out / "runs" / "timeseries").rglob("*.parquet"))
    assert len(stored) == 8
    mtimes = [path.stat().st_mtime_ns for path in stored]
    resumed = subprocess.run(
        [sys.executable, str(ROOT / "run.py"), *arguments, "--resume"], capture_output=True, text=True
    )
    assert resumed.returncode == 0, resumed.stderr
    assert [path.stat().st_mtime_ns for path in stored] == mtimes, "no run was computed again"
    pd.testing.assert_frame_equal(pd.read_csv(out / "summary.csv"), summary)


def test_alone_is_refused_where_each_action_alone_is_the_other_left_out():
    actions = parse_actions("bortezomib", None)
    with pytest.raises(ParameterError, match="mm_death alone is the drug without osteoblast_differentiation") as error:
        dissection_sweep("bortezomib", "0.005uM", actions, alone=True)
    assert error.value.key == "--alone"
