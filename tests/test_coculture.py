"""The in-vitro co-culture (Giuliani 2001, Bolzoni 2013, Uchiyama 1993, Damiano 1999): each arm moves the
readouts the papers report.

Every arm is cultured once (seed 1, 48 h as in the papers, the standard 1 x 1 mm well) and the arms are
compared with each other; the osteoclastogenic potential and the MM survival bookkeeping are checked on
hand-built inputs.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from niche_abm import build_parameters
from niche_abm.coculture import (
    ARMS,
    CAM_DR_ARMS,
    CAM_DR_DRUGS,
    WELL,
    Arm,
    cam_dr_arm,
    contact_advantage,
    osteoclastogenic_potential,
    run_arm,
    summarise,
    with_survival,
)
from niche_abm.coculture import CONTACT as CONTACT_ARM
from niche_abm.coculture import TRANSWELL as TRANSWELL_ARM
from niche_abm.drugs import DRUGS
from niche_abm.drugs.regimen import Treatment, parse_regimen

HOURS = 48


@pytest.fixture(scope="module")
def arms() -> dict[str, dict]:
    """Every arm of ARMS, one seed, 48 h, keyed by arm name."""
    return {arm.name: run_arm(arm, seed=1, hours=HOURS) for arm in ARMS}


ALONE = "PreOB alone"
CONTACT = "PreOB + MM, contact"
TRANSWELL = "PreOB + MM, transwell"
ANTI_CD49D = "PreOB + MM, contact + anti-CD49d"
CONTACT_LEN = "PreOB + MM, contact + LEN 10 µM"
CONTACT_POM = "PreOB + MM, contact + POM 1 µM"


def test_preob_alone_has_no_myeloma_and_no_ccl3(arms):
    alone = arms[ALONE]
    assert math.isnan(alone["mm_cd49d"])
    assert math.isnan(alone["adherent_mm_share"])
    assert alone["ccl3_pg_ml"] == 0.0


def test_contact_raises_stromal_rankl_lowers_opg_and_raises_the_medium_ratio(arms):
    alone, contact = arms[ALONE], arms[CONTACT]
    assert contact["stromal_rankl_output"] > 1.5 * alone["stromal_rankl_output"]
    assert contact["stromal_opg_output"] < 0.7 * alone["stromal_opg_output"]
    assert contact["rankl_opg_ratio"] > 2 * alone["rankl_opg_ratio"]


def test_transwell_leaves_stromal_output_as_alone_while_ccl3_reaches_the_medium(arms):
    alone, transwell = arms[ALONE], arms[TRANSWELL]
    assert transwell["adherent_mm_share"] == 0.0
    assert transwell["stromal_rankl_output"] == pytest.approx(alone["stromal_rankl_output"], rel=1e-12)
    assert transwell["stromal_opg_output"] == pytest.approx(alone["stromal_opg_output"], rel=1e-12)
    assert transwell["ccl3_pg_ml"] > 0.0


def test_anti_cd49d_lowers_the_adherent_share_against_contact(arms):
    """Natalizumab blocks only the CD49d–VCAM-1 pair; ITGA8 and ICAM2 still hold cells, so the drop is partial."""
    assert arms[ANTI_CD49D]["adherent_mm_share"] < 0.95 * arms[CONTACT]["adherent_mm_share"]


@pytest.mark.parametrize("treated", [CONTACT_LEN, CONTACT_POM])
def test_imids_lower_cd49d_ccl3_and_the_rankl_opg_ratio_against_contact(arms, treated):
    contact, imid = arms[CONTACT], arms[treated]
    assert imid["mm_cd49d"] < 0.7 * contact["mm_cd49d"]
    assert imid["ccl3_pg_ml"] < 0.7 * contact["ccl3_pg_ml"]
    assert imid["rankl_opg_ratio"] < 0.7 * contact["rankl_opg_ratio"]


def test_contact_raises_stromal_il6_and_a_transwell_does_not(arms):
    """Adhesion of MM cells to stroma triggers IL-6 secretion (Uchiyama 1993); the medium follows."""
    alone, contact, transwell = arms[ALONE], arms[CONTACT], arms[TRANSWELL]
    assert alone["stromal_il6_output"] > 0.0 and alone["il6_pg_ml"] > 0.0
    assert contact["stromal_il6_output"] > 2 * alone["stromal_il6_output"]
    assert contact["il6_pg_ml"] > 2 * alone["il6_pg_ml"]
    assert transwell["stromal_il6_output"] == pytest.approx(alone["stromal_il6_output"], rel=1e-12)


def test_only_myeloma_cells_put_dkk1_in_the_medium(arms):
    assert arms[ALONE]["dkk1_pg_ml"] == 0.0
    assert arms[CONTACT]["dkk1_pg_ml"] > 0.0 and arms[TRANSWELL]["dkk1_pg_ml"] > 0.0


def test_cam_dr_arms_hold_each_drug_at_its_in_vitro_concentration_with_and_without_contact():
    assert {arm.drugs[0].split("=")[0] for arm in CAM_DR_ARMS} == set(CAM_DR_DRUGS)
    for drug in CAM_DR_DRUGS:
        with_contact, without = cam_dr_arm(drug, CONTACT_ARM), cam_dr_arm(drug, TRANSWELL_ARM)
        assert with_contact.drugs == without.drugs == (f"{drug}={DRUGS[drug].in_vitro_um}uM",)
        assert (with_contact.transwell, with_contact.control) == (False, CONTACT_ARM.name)
        assert (without.transwell, without.control) == (True, TRANSWELL_ARM.name)
        assert {with_contact, without} <= set(ARMS)


def test_melphalan_kills_fewer_myeloma_cells_held_by_stroma(arms):
    """CAM-DR (Damiano 1999): a larger share of MM cells survives melphalan in contact than across a transwell."""
    survival = {
        setting: arms[cam_dr_arm("melphalan", setting).name]["n_mm"] / arms[setting.name]["n_mm"]
        for setting in (CONTACT_ARM, TRANSWELL_ARM)
    }
    assert survival[TRANSWELL_ARM] < survival[CONTACT_ARM] < 1.0


def _counts(rows: list[tuple[str, int, int]]) -> pd.DataFrame:
    return pd.DataFrame([{"arm": arm, "seed": seed, "hours": HOURS, "n_mm": n} for arm, seed, n in rows])


def test_survival_is_the_count_under_drug_over_the_untreated_count_of_the_same_setting_and_seed():
    melphalan_contact, melphalan_transwell = (
        cam_dr_arm("melphalan", CONTACT_ARM),
        cam_dr_arm("melphalan", TRANSWELL_ARM),
    )
    rows = [(CONTACT_ARM.name, 1, 100), (CONTACT_ARM.name, 2, 200), (melphalan_contact.name, 1, 90)]
    rows += [(melphalan_contact.name, 2, 150), (TRANSWELL_ARM.name, 1, 100), (melphalan_transwell.name, 1, 60)]
    table = with_survival(_counts(rows)).set_index(["arm", "seed"])["mm_survival"]
    assert table[(melphalan_contact.name, 1)] == pytest.approx(0.9)
    assert table[(melphalan_contact.name, 2)] == pytest.approx(0.75)
    assert table[(melphalan_transwell.name, 1)] == pytest.approx(0.6)
    assert math.isnan(table[(CONTACT_ARM.name, 1)])


def test_contact_advantage_pairs_contact_and_transwell_survival_by_seed():
    rows = []
    for drug in CAM_DR_DRUGS:
        rows += [(CONTACT_ARM.name, 1, 100), (TRANSWELL_ARM.name, 1, 100)]
        rows += [(cam_dr_arm(drug, CONTACT_ARM).name, 1, 90), (cam_dr_arm(drug, TRANSWELL_ARM).name, 1, 45)]
    advantage = contact_advantage(with_survival(_counts(rows).drop_duplicates()))
    assert list(advantage["drug"]) == list(CAM_DR_DRUGS)
    assert advantage["advantage"].tolist() == pytest.approx([2.0] * len(CAM_DR_DRUGS))


WELL_PARAMS = build_parameters(WELL)


def potential(rankl_pm: float, opg_pm: float, ccl3_pm: float = 0.0, treatment: Treatment | None = None) -> float:
    return osteoclastogenic_potential(rankl_pm, opg_pm, ccl3_pm, treatment or Treatment(), WELL_PARAMS)


def test_osteoclastogenic_potential_rises_with_rankl():
    assert potential(50.0, 5000.0) < potential(200.0, 5000.0) < potential(800.0, 5000.0)


def test_osteoclastogenic_potential_falls_with_opg():
    assert potential(200.0, 1000.0) > potential(200.0, 5000.0) > potential(200.0, 20000.0)


def test_osteoclastogenic_potential_is_zero_without_rankl():
    assert potential(0.0, 5000.0) == 0.0
    assert potential(0.0, 5000.0, ccl3_pm=1000.0) == 0.0


def test_ccl3_in_the_medium_raises_osteoclastogenesis_unless_ccr1_is_blocked():
    """1,000 pM CCL3 saturates the fusion fold (half-max 6.4 pM), so the potential gains most of that fold."""
    without = potential(50.0, 5000.0)
    with_ccl3 = potential(50.0, 5000.0, ccl3_pm=1000.0)
    blocked = potential(50.0, 5000.0, ccl3_pm=1000.0, treatment=Treatment([parse_regimen("mln3897=10uM")]))
    assert with_ccl3 > (1.0 + (WELL_PARAMS.ocp.ccl3_fusion_fold - 1.0) / 2) * without
    assert without <= blocked < with_ccl3


def test_summarise_keeps_the_order_of_arms():
    """Rows given in reverse order come back in the order of ARMS, one mean per arm."""
    rows = [
        {"arm": arm.name, "seed": seed, "hours": HOURS, "ccl3_pg_ml": float(i + seed), "mm_survival": float(seed)}
        for i, arm in enumerate(ARMS)
        for seed in (1, 2)
    ]
    summary = summarise(pd.DataFrame(rows[::-1]))
    assert list(summary.index) == [arm.name for arm in ARMS]
    assert list(summary["ccl3_pg_ml"]) == [i + 1.5 for i in range(len(ARMS))]
    assert (summary["mm_survival_ci_low"] < summary["mm_survival"]).all()
    assert (summary["mm_survival"] < summary["mm_survival_ci_high"]).all()


def test_a_smaller_well_seeds_as_many_myeloma_cells_as_preobs():
    settings = Arm("contact", with_mm=True).settings({"grid.width": 60, "grid.height": 60})
    assert settings["mm.initial_count"] == round(WELL["stroma.density"] * 60 * 60)
    run_arm(Arm("contact", with_mm=True), seed=1, hours=1, overrides={"grid.width": 60, "grid.height": 60})


def test_coculture_command_writes_runs_summary_and_figure(tmp_path):
    root = Path(__file__).resolve().parent.parent
    out = tmp_path / "cc"
    args = [sys.executable, str(root / "run.py"), "coculture", "--seeds", "1", "--hours", "24", "--out", str(out)]
    result = subprocess.run(args, cwd=root, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    runs = pd.read_csv(out / "runs.csv")
    assert set(runs["arm"]) == {arm.name for arm in ARMS}
    assert (out / "coculture.png").stat().st_size > 0
    summary = pd.read_csv(out / "summary.csv", index_col="arm")
    assert summary.loc[[arm.name for arm in CAM_DR_ARMS], "mm_survival"].between(0.0, 1.0).all()
    assert "melphalan" in result.stdout and "mm_survival" in result.stdout
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["seeds"] == [1] and manifest["hours"] == 24 and manifest["git_commit"] and manifest["versions"]
    assert list(manifest["arms"]) == [arm.name for arm in ARMS]
    transwell = manifest["arms"][TRANSWELL_ARM.name]
    assert transwell["parameters"]["culture.transwell"] == 1 and transwell["days"] == 1

    wells = sorted((out / "wells").glob("*.json"))
    assert len(wells) == len(ARMS), "every well is kept as it finishes"
    lost, kept = wells[0], wells[1:]
    lost.unlink()  # as if interrupted before the first well was kept
    written = [path.stat().st_mtime_ns for path in kept]
    resumed = subprocess.run([*args, "--resume"], cwd=root, capture_output=True, text=True, timeout=300)
    assert resumed.returncode == 0, resumed.stderr
    assert [path.stat().st_mtime_ns for path in kept] == written, "only the lost well was cultured again"
    assert lost.is_file()
    pd.testing.assert_frame_equal(pd.read_csv(out / "runs.csv"), runs, check_exact=True)

    bad_args = [*args[:-4], "--hours", "200", "--out", str(tmp_path / "no")]
    bad = subprocess.run(bad_args, capture_output=True, text=True, timeout=60)
    assert bad.returncode == 2 and "--hours" in bad.stderr and "Traceback" not in bad.stderr
    assert not (tmp_path / "no").exists()
