"""Intervals of replicate runs: the one place niche_abm computes a confidence interval.

Replicates are runs of one arm that differ only in their seed. Every interval is
two-sided and keeps the unit of the values it is given (BV/TV in %, counts in
cells, concentrations in pg/mL, ...).

- :func:`mean_interval`: the mean and its Student t-interval,
  mean ± t(1 − α/2; n − 1) · s / √n, with s the sample SD (n − 1 in its denominator).
- :func:`paired_contrast`: treated − control seed by seed, then the t-interval of
  the mean difference. Arms run with the same seeds share their noise (common
  random numbers), which cancels in the difference, so this interval is narrower
  than the two arms' intervals side by side suggest.
- :func:`welch_difference`: the difference of the means of two independent
  samples and its Welch t-interval (Welch–Satterthwaite degrees of freedom), for
  arms that cannot be paired (another grid, another seed set).
- :func:`rank_correlation`: Spearman's rank correlation with a paired bootstrap interval.
- :func:`ratio_of_means`: mean(treated) / mean(control) of arms run with the same
  seeds, with a paired bootstrap interval (seeds resampled together).
- :func:`describe`: n, mean, SD and the t-interval as one table row, for group-by summaries.
- :func:`needed_share`: the share of an effect that taking one part away loses, seed by seed (a drug's action
  left out, an arrow of the vicious cycle cut), as table columns.

Values that are not finite (NaN: a metric with no denominator; ±inf) are left
out, and n counts the values left. With fewer than two values both bounds are
NaN: one run says nothing about the spread between runs.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
import pandas as pd
from scipy import stats

CONFIDENCE = 0.95
"""Coverage of every interval unless a caller asks for another."""


class Interval(NamedTuple):
    """An estimate and the bounds of its interval, in the unit of the values."""

    estimate: float
    low: float
    high: float


def finite(values: Sequence[float] | np.ndarray | pd.Series) -> np.ndarray:
    """The finite values, as floats (NaN and ±inf left out)."""
    x = np.asarray(values, dtype=float).ravel()
    return x[np.isfinite(x)]


def mean_interval(values: Sequence[float] | np.ndarray | pd.Series, confidence: float = CONFIDENCE) -> Interval:
    """Mean of the finite values and its Student t-interval (NaN bounds below two values)."""
    x = finite(values)
    mean = float(x.mean()) if len(x) else float("nan")
    if len(x) < 2:
        return Interval(mean, float("nan"), float("nan"))
    half = float(stats.t.ppf(0.5 + confidence / 2, len(x) - 1) * x.std(ddof=1) / np.sqrt(len(x)))
    return Interval(mean, mean - half, mean + half)


def paired_contrast(
    treated: Sequence[float] | np.ndarray | pd.Series,
    control: Sequence[float] | np.ndarray | pd.Series,
    confidence: float = CONFIDENCE,
) -> Interval:
    """Mean of treated − control, pair by pair, and its t-interval.

    treated[i] and control[i] are the same seed in the two arms; a pair with
    either value missing (NaN) is left out.
    """
    t, c = np.asarray(treated, dtype=float), np.asarray(control, dtype=float)
    if t.shape != c.shape:
        raise ValueError(f"paired_contrast: treated has {t.size} values and control {c.size}; pairs need as many")
    return mean_interval(t - c, confidence)


def welch_difference(
    treated: Sequence[float] | np.ndarray | pd.Series,
    control: Sequence[float] | np.ndarray | pd.Series,
    confidence: float = CONFIDENCE,
) -> Interval:
    """Difference of means treated − control of two independent samples and its Welch t-interval."""
    t, c = finite(treated), finite(control)
    ci = stats.ttest_ind(t, c, equal_var=False).confidence_interval(confidence)
    return Interval(float(t.mean() - c.mean()), float(ci.low), float(ci.high))


def _ratio(treated: np.ndarray, control: np.ndarray, axis: int = -1) -> np.ndarray:
    """mean(treated) / mean(control) along axis; +inf where the control's mean is 0 and the treated's is not, NaN
    where both are. Vectorised, so a bootstrap computes all its resamples in one call (each resample's means are
    the sums numpy forms for one sample alone, so every ratio is the same to the bit as one at a time)."""
    t, c = np.mean(treated, axis=axis), np.mean(control, axis=axis)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(c == 0, np.where(t == 0, np.nan, np.inf), t / np.where(c == 0, 1.0, c))


def ratio_of_means(
    treated: Sequence[float] | np.ndarray | pd.Series,
    control: Sequence[float] | np.ndarray | pd.Series,
    resamples: int = 9999,
    seed: int = 0,
) -> Interval:
    """mean(treated) / mean(control) and its 95% bootstrap interval (ratio, low, high).

    treated[i] and control[i] are the same seed in the two arms; a pair with either value missing is left out, and
    the interval resamples the pairs (scipy.stats.bootstrap, paired, percentile, seeded). A resample whose control
    mean is 0 has an infinite ratio, so a bound can be +inf when the control is often 0. NaN bounds below two pairs.
    """
    t, c = np.asarray(treated, dtype=float), np.asarray(control, dtype=float)
    if t.shape != c.shape:
        raise ValueError(f"ratio_of_means: treated has {t.size} values and control {c.size}; pairs need as many")
    kept = np.isfinite(t) & np.isfinite(c)
    t, c = t[kept], c[kept]
    ratio = float(_ratio(t, c)) if len(t) else float("nan")
    if len(t) < 2:
        return Interval(ratio, float("nan"), float("nan"))
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore", stats.DegenerateDataWarning)
        result = stats.bootstrap(
            (t, c),
            _ratio,
            paired=True,
            vectorized=True,
            method="percentile",
            n_resamples=resamples,
            rng=np.random.default_rng(seed),
        )
    return Interval(ratio, float(result.confidence_interval.low), float(result.confidence_interval.high))


def describe(values: Sequence[float] | np.ndarray | pd.Series, confidence: float = CONFIDENCE) -> pd.Series:
    """n, mean, SD and the t-interval (ci_low, ci_high) of the finite values, as one row of a table."""
    x = finite(values)
    mean, low, high = mean_interval(x, confidence)
    sd = float(x.std(ddof=1)) if len(x) > 1 else float("nan")
    return pd.Series({"n": len(x), "mean": mean, "sd": sd, "ci_low": low, "ci_high": high})


def _spearman(x: np.ndarray, y: np.ndarray, axis: int = -1) -> np.ndarray:
    """Spearman's rank correlation along axis (the Pearson correlation of the average ranks, as
    scipy.stats.spearmanr); a sample in which x or y is constant has no rank association (0). Vectorised, so a
    bootstrap computes all its resamples in one call."""
    rx, ry = stats.rankdata(x, axis=axis), stats.rankdata(y, axis=axis)
    rx = rx - rx.mean(axis=axis, keepdims=True)
    ry = ry - ry.mean(axis=axis, keepdims=True)
    spread = np.sqrt((rx * rx).sum(axis=axis) * (ry * ry).sum(axis=axis))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(spread > 0, (rx * ry).sum(axis=axis) / np.where(spread > 0, spread, 1.0), 0.0)


def rank_correlation(
    x: Sequence[float] | np.ndarray, y: Sequence[float] | np.ndarray, resamples: int = 9999, seed: int = 0
) -> Interval:
    """Spearman's rank correlation of paired values and its 95% bootstrap interval (rho, low, high).

    The interval resamples the (x, y) pairs (scipy.stats.bootstrap, paired, BCa, seeded). A resample
    in which x or y is constant counts as no association (0). NaN bounds when x or y is constant in the data.
    """
    x, y = np.asarray(x, float), np.asarray(y, float)
    rho = float(_spearman(x, y))
    if np.ptp(y) == 0 or np.ptp(x) == 0:
        return Interval(rho, float("nan"), float("nan"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", stats.DegenerateDataWarning)
        result = stats.bootstrap(
            (x, y), _spearman, paired=True, vectorized=True, n_resamples=resamples, rng=np.random.default_rng(seed)
        )
    return Interval(rho, float(result.confidence_interval.low), float(result.confidence_interval.high))


def interval_columns(name: str, interval: Interval) -> dict[str, float]:
    """An interval as three table columns: name, name_ci_low and name_ci_high."""
    return {name: interval.estimate, f"{name}_ci_low": interval.low, f"{name}_ci_high": interval.high}


def needed_share(
    whole: np.ndarray, without: np.ndarray, baseline: np.ndarray, confidence: float = CONFIDENCE
) -> dict[str, float | bool]:
    """How much of an effect one of its parts carries, from arms run on the same seeds: the effect, whole −
    baseline, with its paired t-interval (effect*) and whether that interval excludes 0 (effect_clear; a share of
    an effect that is not clear means little); what the whole loses without the part, whole − without (lost*);
    and the share of the effect the part is needed for, (whole − without) / (whole − baseline), a ratio of means
    with its paired bootstrap interval (share*)."""
    whole, without, baseline = (np.asarray(values, dtype=float) for values in (whole, without, baseline))
    effect = paired_contrast(whole, baseline, confidence)
    return {
        **interval_columns("effect", effect),
        "effect_clear": not effect.low <= 0 <= effect.high,
        **interval_columns("lost", paired_contrast(whole, without, confidence)),
        **interval_columns("share", ratio_of_means(whole - without, whole - baseline)),
    }
