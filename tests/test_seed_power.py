"""analysis/seed_power: the bootstrap of a target's verdict over resampled seed sets, and its refusals (its run end to
end, from a validation's kept runs: tests/test_validation.py)."""

from __future__ import annotations

import numpy as np
import pytest

from analysis import seed_power
from analysis.seed_power import POWER, chunks, markdown, seed_sets, smallest_powered, summarise


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
