"""The estimate of a piece of work's memory and time, and the limits it must fit (niche_abm.budget)."""

from __future__ import annotations

import pytest

from niche_abm.budget import Estimate, Limits, check_fits, estimate_batch, estimate_run, run_memory_gb
from niche_abm.params import ParameterError
from niche_abm.sweep import load_sweep
from niche_abm.sweep.design import parameter_points, point_count
from niche_abm.sweep.spec import SWEEP_DIR

ROOMY = Limits(process_gb=2.0, available_gb=16.0, hours=24.0)


def test_the_largest_measured_marrow_is_estimated_at_or_a_little_above_its_peak():
    """analysis/bench_budget.py: 1,000 x 1,000 sites with 57,869 cells peaked at 1.06 GB."""
    assert 1.06 <= run_memory_gb(1_000_000, 57_869) <= 1.25 * 1.06


def test_the_default_marrow_fits_and_the_largest_grid_does_not():
    check_fits("mm_niche", estimate_run(200, 200, 60, 0.22, 90), ROOMY)
    with pytest.raises(ParameterError, match=r"needs an estimated \d+\.\d GB a process"):
        check_fits("mm_niche", estimate_run(2000, 2000, 60, 0.22, 90), ROOMY)


def test_a_higher_memory_limit_lets_the_largest_grid_run():
    check_fits("mm_niche", estimate_run(2000, 2000, 60, 0.22, 90), Limits(8.0, 16.0, 24.0))


def test_work_longer_than_the_time_limit_is_refused_with_both_numbers():
    with pytest.raises(ParameterError, match=r"and 2\.\d h; allowed: .* 1\.0 h \(--max-hours\)"):
        check_fits("long", Estimate(0.5, 0.5, 2.5), Limits(2.0, 16.0, 1.0))


def test_myeloma_grows_into_the_marrow_but_never_past_it():
    short, long_, longest = (estimate_run(200, 200, 3000, 0.22, days) for days in (1, 365, 3650))
    assert short.process_gb < long_.process_gb == longest.process_gb


def test_a_batch_counts_its_local_workers_memory_and_shares_its_runs_among_them():
    run = Estimate(0.3, 0.3, 1.0)
    local = estimate_batch(run, runs=10, workers=2, workers_here=2)
    remote = estimate_batch(run, runs=10, workers=2, workers_here=0)
    assert local.total_gb == pytest.approx(remote.total_gb + 0.6)
    assert local.hours == remote.hours == 5.0


@pytest.mark.parametrize("path", sorted(SWEEP_DIR.glob("*.toml")), ids=lambda path: path.stem)
def test_a_sweeps_point_count_is_known_before_its_points_are_drawn(path):
    spec = load_sweep(path)
    assert point_count(spec) == len(parameter_points(spec))
