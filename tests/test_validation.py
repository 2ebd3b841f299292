"""The validation harness and the dose-response command, end to end on their fastest settings."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent


def _run(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(ROOT / "run.py"), *args], cwd=cwd, capture_output=True, text=True, timeout=600
    )


def test_validate_runs_the_contact_target_end_to_end_and_writes_json_and_report(tmp_path):
    """T1 (co-culture contact vs transwell, Giuliani 2001) through `run.py validate --only T1`."""
    out = tmp_path / "validation"
    result = _run("validate", "--only", "T1", "--workers", "1", "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert "T1" in result.stdout and ("PASS" in result.stdout or "FAIL" in result.stdout)
    entries = json.loads((out / "validation.json").read_text())["targets"]
    assert [e["id"] for e in entries] == ["T1"]
    entry = entries[0]
    assert entry["status"] in ("PASS", "FAIL")
    for field in ("claim", "source", "measured", "published", "seeds", "replicates"):
        assert entry[field], field
    report = (out / "validation_report.md").read_text()
    assert "T1" in report and "Giuliani" in report
    assert list((out / "figures").glob("*.png"))


def test_validate_refuses_an_unknown_target_with_exit_status_2(tmp_path):
    result = _run("validate", "--only", "T99", "--out", str(tmp_path / "v"))
    assert result.returncode == 2
    assert "T99" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "v").exists()


def test_dose_response_writes_runs_summary_and_figure_for_each_dose(tmp_path):
    out = tmp_path / "dr"
    result = _run(
        "dose-response", "denosumab", "--doses", "0,120mg", "--days", "3", "--seeds", "2", "--workers", "1",
        "--set", "grid.width=40", "--set", "grid.height=40", "--out", str(out),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    runs = pd.read_csv(out / "runs.csv")
    assert sorted(runs["dose"].astype(str).unique()) == ["0", "120mg"]
    assert len(runs) == 4
    summary = pd.read_csv(out / "summary.csv")
    assert list(summary["dose"].astype(str)) == ["0", "120mg"]
    assert (summary["bv_tv_change_ci_low"] <= summary["bv_tv_change"]).all()
    assert (out / "dose_response.png").stat().st_size > 0


def test_dose_response_refuses_a_negative_dose_before_running(tmp_path):
    result = _run("dose-response", "lenalidomide", "--doses", "0,-1uM", "--days", "3", "--out", str(tmp_path / "d"))
    assert result.returncode == 2
    assert "positive" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "d").exists()
