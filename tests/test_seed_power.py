"""analysis/seed_power: the bootstrap of a target's verdict over resampled seed sets, and its refusals."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from analysis import seed_power
from analysis.seed_power import POWER, chunks, markdown, seed_sets, smallest_powered, summarise
from niche_abm.validation.common import COCULTURE_SEEDS

ROOT = Path(__file__).resolve().parent.parent


def _power(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "analysis.seed_power", *args], cwd=ROOT, capture_output=True, text=True, timeout=600
    )


def test_seed_sets_draw_with_replacement_from_the_pool_in_a_fixed_order():
    pool = (1, 2, 3, 4, 5, 6, 7, 8)
    first = seed_sets(np.random.default_rng(7), pool, 8, 50)
    again = seed_sets(np.random.default_rng(7), pool, 8, 50)
    assert first == again
    assert all(len(s) == 8 and set(s) <= set(pool) and list(s) == sorted(s) for s in first)
    assert any(len(set(s)) < 8 for s in first), "drawn with replacement: some sets repeat a seed"


def test_the_pool_is_simulated_in_chunks_of_at_least_two_seeds():
    """Every target's statistics need two seeds (T14's Page's test among them)."""
    runs = chunks(tuple(range(1, 26)))
    assert runs[:5] == tuple(tuple(range(i, i + 4)) for i in range(1, 21, 4)) and runs[5] == (21, 22, 23, 24, 25)
    assert chunks((1, 2, 3, 4, 5, 6)) == ((1, 2, 3, 4), (5, 6))
    assert chunks((1, 2, 3)) == ((1, 2, 3),)


def test_the_summary_counts_passes_with_a_wilson_interval_and_each_checks_share():
    outcomes = [{"status": "PASS", "checks": {"a": True, "b": True}}] * 9 + [
        {"status": "FAIL", "checks": {"a": True, "b": False}}
    ]
    summary = summarise(outcomes)
    assert summary["passes"] == 9 and summary["share"] == pytest.approx(0.9)
    low, high = summary["interval"]
    assert 0.55 < low < 0.9 < high < 1.0  # Wilson: 0.596-0.982 for 9 of 10
    assert summary["checks"] == {"a": 1.0, "b": 0.9}
    sizes = {8: summarise(outcomes[-2:]), 16: summary, 24: summarise(outcomes[:9])}
    assert smallest_powered(sizes) == 16
    assert smallest_powered({8: summarise(outcomes[-2:])}) is None
    table = markdown({"targets": {"T5": {"own_seeds": 8, "sizes": sizes}}})
    assert "| T5 | 8 | n=8: 0.50" in table and "| 16 |" in table
    assert f"≥ {POWER:.0%}" in table


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (["--targets", "T99"], "--targets"),
        (["--targets", "T1", "--pool-scale", "0"], "--pool-scale"),
        (["--targets", "T1", "--pool-scale", "2", "--scales", "3"], "--scales"),
        (["--targets", "T1", "--draws", "five"], "--draws"),
        (["--draws", "20"], "--targets"),
        (["--report", "no/such/seed_power.json"], "--report"),
    ],
)
def test_bad_options_exit_2_naming_the_option_before_anything_is_written(tmp_path, args, field, command_here):
    out = tmp_path / "power"
    result = command_here(*args, "--out", str(out), entry=seed_power.main)
    assert result.returncode == 2
    assert field in result.stderr and "Traceback" not in result.stderr
    assert not out.exists()


def test_the_co_culture_target_end_to_end_gives_the_same_shares_on_any_number_of_workers(tmp_path):
    """T1 on its own seeds, 10 resampled sets as many: once on one worker, then from the same cached runs on two."""
    one, two = tmp_path / "one", tmp_path / "two"
    options = ["--targets", "T1", "--pool-scale", "1", "--scales", "1", "--draws", "10"]
    first = _power(*options, "--workers", "1", "--out", str(one))
    assert first.returncode == 0, first.stderr
    result = json.loads((one / "seed_power.json").read_text())
    t1 = result["targets"]["T1"]
    assert t1["pool"] == list(COCULTURE_SEEDS) and list(t1["sizes"]) == [str(len(COCULTURE_SEEDS))]
    size = t1["sizes"][str(len(COCULTURE_SEEDS))]
    assert size["draws"] == 10 and 0 <= size["passes"] <= 10
    assert set(size["checks"]) == {"contact_at_least_2x", "transwell_within_20pct", "anti_cd49d_between"}
    assert result["manifest"]["git_commit"] and (one / "seed_power.png").is_file()
    assert f"| T1 | {len(COCULTURE_SEEDS)} |" in (one / "seed_power.md").read_text()
    assert len(list((one / "draws").glob("*.json"))) == 1, "finished draws are kept for a resumed run"
    shutil.copytree(one / "runs", two / "runs")
    second = _power(*options, "--workers", "2", "--out", str(two))
    assert second.returncode == 0, second.stderr
    assert json.loads((two / "seed_power.json").read_text())["targets"] == result["targets"]
    again = _power("--report", str(one / "seed_power.json"), "--out", str(tmp_path / "report"))
    assert again.returncode == 0, again.stderr
    assert (tmp_path / "report" / "seed_power.md").read_text() == (one / "seed_power.md").read_text()
