"""niche_abm.stats against intervals worked by hand.

The Student t quantiles come from their closed forms, not from scipy: with p = 1 − α/2,
1 degree of freedom (Cauchy): t = tan(π (p − 1/2));
2 degrees of freedom: t = (2p − 1) / √(2p(1 − p));
4 degrees of freedom: t = 2 √(q − 1), q = cos(arccos(√a) / 3) / √a, a = 4p(1 − p).
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from scipy import stats as scipy_stats

from niche_abm import stats
from niche_abm.validation import common


def t_1(p: float) -> float:
    return math.tan(math.pi * (p - 0.5))


def t_2(p: float) -> float:
    return (2 * p - 1) / math.sqrt(2 * p * (1 - p))


def t_4(p: float) -> float:
    a = 4 * p * (1 - p)
    q = math.cos(math.acos(math.sqrt(a)) / 3) / math.sqrt(a)
    return 2 * math.sqrt(q - 1)


def test_closed_form_quantiles_match_the_printed_t_table():
    assert t_1(0.975) == pytest.approx(12.706, abs=5e-4)
    assert t_2(0.975) == pytest.approx(4.303, abs=5e-4)
    assert t_4(0.975) == pytest.approx(2.776, abs=5e-4)


def test_interval_of_two_runs_uses_one_degree_of_freedom():
    # mean 1, s = √2, half-width = t(0.975; 1) · √2 / √2
    mean, low, high = stats.mean_interval([0.0, 2.0])
    assert mean == 1.0
    assert low == pytest.approx(1.0 - t_1(0.975))
    assert high == pytest.approx(1.0 + t_1(0.975))


def test_interval_of_three_runs_is_mean_plus_minus_t_s_over_root_n():
    # mean 2, s = 1, half-width = t(0.975; 2) / √3 = 2.4841
    result = stats.mean_interval([1.0, 2.0, 3.0])
    assert result.estimate == 2.0
    assert result.high - 2.0 == pytest.approx(t_2(0.975) / math.sqrt(3))
    assert result.high - 2.0 == pytest.approx(2.484138, abs=1e-6)
    assert 2.0 - result.low == pytest.approx(result.high - 2.0)


def test_a_90_percent_interval_uses_the_95th_percentile():
    result = stats.mean_interval([1.0, 2.0, 3.0], confidence=0.90)
    assert result.high - 2.0 == pytest.approx(t_2(0.95) / math.sqrt(3))
    assert result.high - 2.0 == pytest.approx(1.685854, abs=1e-6)


def test_values_that_are_not_finite_are_left_out():
    assert stats.mean_interval([1.0, np.nan, 3.0, np.inf, -np.inf]) == stats.mean_interval([1.0, 3.0])
    assert stats.mean_interval([1.0, np.nan, 3.0]).estimate == 2.0


def test_one_run_has_a_mean_but_no_interval():
    mean, low, high = stats.mean_interval([5.0])
    assert mean == 5.0 and math.isnan(low) and math.isnan(high)
    assert all(math.isnan(v) for v in stats.mean_interval([np.nan]))


def test_paired_contrast_is_the_interval_of_the_differences_seed_by_seed():
    # differences 2, 3, 4: mean 3, s = 1
    treated, control = [3.0, 5.0, 10.0], [1.0, 2.0, 6.0]
    difference, low, high = stats.paired_contrast(treated, control)
    assert difference == 3.0
    assert (low, high) == pytest.approx((3.0 - t_2(0.975) / math.sqrt(3), 3.0 + t_2(0.975) / math.sqrt(3)))


def test_pairing_cancels_the_noise_the_arms_share():
    treated, control = [3.0, 5.0, 10.0], [1.0, 2.0, 6.0]
    paired = stats.paired_contrast(treated, control)
    unpaired = stats.welch_difference(treated, control)
    assert paired.estimate == pytest.approx(unpaired.estimate)
    assert paired.high - paired.low < (unpaired.high - unpaired.low) / 2
    assert paired.low > 0 > unpaired.low


def test_a_pair_with_a_missing_value_is_left_out():
    assert stats.paired_contrast([3.0, 5.0, np.nan, 10.0], [1.0, 2.0, 7.0, 6.0]) == stats.paired_contrast(
        [3.0, 5.0, 10.0], [1.0, 2.0, 6.0]
    )


def test_paired_contrast_refuses_arms_of_different_lengths():
    with pytest.raises(ValueError, match="treated has 3 values and control 2"):
        stats.paired_contrast([1.0, 2.0, 3.0], [1.0, 2.0])


def test_welch_interval_with_equal_spreads_has_2n_minus_2_degrees_of_freedom():
    # means 2 and 6, variances 1 and 1, n = 3 each: SE = √(1/3 + 1/3), Welch–Satterthwaite df = 4
    difference, low, high = stats.welch_difference([1.0, 2.0, 3.0], [5.0, 6.0, 7.0])
    half = t_4(0.975) * math.sqrt(2 / 3)
    assert difference == -4.0
    assert (low, high) == pytest.approx((-4.0 - half, -4.0 + half))
    assert half == pytest.approx(2.266958, abs=1e-6)


def test_describe_gives_n_mean_sd_and_the_interval_as_a_table_row():
    row = stats.describe([1.0, 2.0, np.nan, 3.0])
    assert list(row.index) == ["n", "mean", "sd", "ci_low", "ci_high"]
    assert row["n"] == 3 and row["mean"] == 2.0 and row["sd"] == 1.0
    assert row["ci_high"] == pytest.approx(2.0 + t_2(0.975) / math.sqrt(3))
    single = stats.describe([5.0])
    assert single["n"] == 1 and single["mean"] == 5.0
    assert math.isnan(single["sd"]) and math.isnan(single["ci_low"])


def test_rank_correlation_of_two_swapped_pairs_is_0_8():
    # ranks differ by 1 at four of five points: rho = 1 − 6 · 4 / (5 · (25 − 1)) = 0.8
    rho, low, high = stats.rank_correlation([1, 2, 3, 4, 5], [2, 1, 4, 3, 5], resamples=999)
    assert rho == pytest.approx(0.8)
    assert low <= rho <= high <= 1.0


def test_the_vectorised_spearman_equals_scipys_on_every_resample_with_ties_and_constants():
    """rank_correlation's bootstrap takes all its resamples in one call of the vectorised statistic."""
    from scipy.stats import spearmanr

    rng = np.random.default_rng(5)
    x = rng.integers(0, 4, size=(200, 12)).astype(float)  # many ties
    y = x + rng.normal(0, 2, size=x.shape)
    x[0] = 3.0  # a constant resample: no rank association
    rows = stats._spearman(x, y)
    assert rows[0] == 0.0
    for row in range(1, 200):
        assert rows[row] == pytest.approx(spearmanr(x[row], y[row]).statistic, abs=1e-12)


def test_rank_correlation_with_a_constant_readout_has_no_interval():
    rho, low, high = stats.rank_correlation([1, 2, 3], [4, 4, 4])
    assert rho == 0.0 and math.isnan(low) and math.isnan(high)


def test_ratio_of_proportional_arms_is_exact_in_every_resample():
    ratio, low, high = stats.ratio_of_means([2, 4, 6, 8], [1, 2, 3, 4], resamples=999)
    assert (ratio, low, high) == (2.0, 2.0, 2.0)


def test_ratio_of_two_pairs_spans_the_resamples_worked_by_hand():
    # pairs A = (10, 1) and B = (0, 1): a resample of two pairs is AA (ratio 10, p 1/4), AB or BA (5, p 1/2) or
    # BB (0, p 1/4), so the 2.5% and 97.5% percentiles are 0 and 10 around the estimate (10 + 0) / (1 + 1) = 5
    ratio, low, high = stats.ratio_of_means([10, 0], [1, 1], resamples=4999)
    assert ratio == 5.0 and low == 0.0 and high == 10.0


def test_the_vectorised_ratio_gives_the_interval_of_one_resample_at_a_time_bit_for_bit():
    """All resamples in one call (vectorized=True) against scipy calling the ratio once per resample, on arms with
    zeros and a control that is 0 in some resamples (an infinite ratio)."""
    rng = np.random.default_rng(5)
    for treated, control in (
        (rng.normal(3.0, 1.0, 12), rng.normal(1.5, 0.5, 12)),
        (np.array([1.0, 2.0, 0.0, 5.0, 1.0]), np.array([0.0, 1.0, 0.0, 0.0, 2.0])),
    ):

        def one_at_a_time(t, c):
            return float(stats._ratio(t, c))

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", scipy_stats.DegenerateDataWarning)  # the resamples with a 0/0 ratio
            expected = scipy_stats.bootstrap(
                (treated, control),
                one_at_a_time,
                paired=True,
                vectorized=False,
                method="percentile",
                n_resamples=999,
                rng=np.random.default_rng(0),
            ).confidence_interval
        with np.errstate(all="ignore"):
            ratio, low, high = stats.ratio_of_means(treated, control, resamples=999)
        np.testing.assert_array_equal([low, high], [expected.low, expected.high])  # NaN where a resample is 0/0
        assert ratio == float(np.mean(treated) / np.mean(control))


def test_ratio_leaves_out_a_pair_with_a_missing_value():
    assert stats.ratio_of_means([3, float("nan"), 9], [1, 5, 3], resamples=99).estimate == 3.0


def test_ratio_over_a_control_of_zeros_is_infinite_and_one_pair_has_no_interval():
    assert stats.ratio_of_means([1, 2], [0, 0], resamples=99).estimate == math.inf
    ratio, low, high = stats.ratio_of_means([4], [2])
    assert ratio == 2.0 and math.isnan(low) and math.isnan(high)


def test_ratio_refuses_arms_of_different_lengths():
    with pytest.raises(ValueError, match="pairs need as many"):
        stats.ratio_of_means([1, 2], [1])


def test_validation_targets_use_the_same_intervals():
    assert common.interval is stats.mean_interval
    assert common.difference_interval is stats.welch_difference
    assert common.rank_correlation is stats.rank_correlation
    assert common.ratio_of_means is stats.ratio_of_means
