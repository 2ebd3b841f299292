"""The in-vitro co-culture (Giuliani 2001, Bolzoni 2013): each arm moves the readouts the papers report.

Every arm is cultured once (seed 1, 48 h as in the papers, the standard 1 x 1 mm well) and the arms are
compared with each other; the osteoclastogenic potential is checked on hand-built media.
"""

from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from niche_abm import build_parameters
from niche_abm.coculture import ARMS, WELL, Arm, osteoclastogenic_potential, run_arm, summarise
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
    assert arms[ANTI_CD49D]["adherent_mm_share"] < 0.85 * arms[CONTACT]["adherent_mm_share"]


@pytest.mark.parametrize("treated", [CONTACT_LEN, CONTACT_POM])
def test_imids_lower_cd49d_ccl3_and_the_rankl_opg_ratio_against_contact(arms, treated):
    contact, imid = arms[CONTACT], arms[treated]
    assert imid["mm_cd49d"] < 0.7 * contact["mm_cd49d"]
    assert imid["ccl3_pg_ml"] < 0.7 * contact["ccl3_pg_ml"]
    assert imid["rankl_opg_ratio"] < 0.7 * contact["rankl_opg_ratio"]


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
    without = potential(50.0, 5000.0)
    with_ccl3 = potential(50.0, 5000.0, ccl3_pm=1000.0)
    blocked = potential(50.0, 5000.0, ccl3_pm=1000.0, treatment=Treatment([parse_regimen("mln3897=10uM")]))
    assert with_ccl3 > 1.3 * without
    assert without <= blocked < with_ccl3


def test_summarise_keeps_the_order_of_arms():
    """Rows given in reverse order come back in the order of ARMS, one mean per arm."""
    rows = [
        {"arm": arm.name, "seed": seed, "hours": HOURS, "ccl3_pg_ml": float(i + seed)}
        for i, arm in enumerate(ARMS)
        for seed in (1, 2)
    ]
    summary = summarise(pd.DataFrame(rows[::-1]))
    assert list(summary.index) == [arm.name for arm in ARMS]
    assert list(summary["ccl3_pg_ml"]) == [i + 1.5 for i in range(len(ARMS))]


def test_a_smaller_well_seeds_as_many_myeloma_cells_as_preobs():
    params = Arm("contact", with_mm=True).parameters({"grid.width": 60, "grid.height": 60})
    assert params.mm.initial_count == round(WELL["stroma.density"] * 60 * 60)
    run_arm(Arm("contact", with_mm=True), seed=1, hours=1, overrides={"grid.width": 60, "grid.height": 60})


def test_coculture_command_writes_runs_summary_and_figure(tmp_path):
    root = Path(__file__).resolve().parent.parent
    out = tmp_path / "cc"
    args = [sys.executable, str(root / "run.py"), "coculture", "--seeds", "1", "--hours", "24", "--out", str(out)]
    result = subprocess.run(args, cwd=root, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    runs = pd.read_csv(out / "runs.csv")
    assert set(runs["arm"]) == {arm.name for arm in ARMS}
    assert (out / "summary.csv").is_file() and (out / "coculture.png").stat().st_size > 0

    bad_args = [*args[:-4], "--hours", "200", "--out", str(tmp_path / "no")]
    bad = subprocess.run(bad_args, capture_output=True, text=True, timeout=60)
    assert bad.returncode == 2 and "--hours" in bad.stderr and "Traceback" not in bad.stderr
    assert not (tmp_path / "no").exists()
