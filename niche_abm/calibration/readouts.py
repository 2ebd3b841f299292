"""What a calibration compares with data: a readout of one run's daily metrics over a window of days.

Each daily metric of :data:`niche_abm.metrics.COLUMNS` is a readout (its mean over the window's days, in the
metric's unit), and so is ``turnover``: bone resorbed over the window per year, % of the bone area at day 0, as
T13 measures healthy turnover (Parfitt 1983's 10-30% a year).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from niche_abm.metrics import COLUMNS

STRUCTURE = ("tb_th_um", "tb_sp_um", "tb_n_per_mm")
"""Measured only at day 0 and the last day (niche_abm.metrics)."""


@dataclass(frozen=True)
class Readout:
    """One readout: what it is, its unit, and how it is computed from a run's daily metrics.

    Attributes:
        meaning: one line for the calibration's report.
        compute: (daily metrics, first day, last day, tissue area mm²) -> the readout.
        needs_span: the window must start after day 0 (a change from the day before the window).
    """

    meaning: str
    compute: Callable[[pd.DataFrame, int, int, float], float]
    needs_span: bool = False


def turnover(series: pd.DataFrame, first: int, last: int, tissue_mm2: float) -> float:
    """Bone resorbed on days first..last, per year, % of the bone area at day 0 (T13's healthy turnover)."""
    resorbed = _at(series, "resorbed_mm2", last) - _at(series, "resorbed_mm2", first - 1)
    bone_mm2 = _at(series, "bv_tv", 0) / 100 * tissue_mm2
    return 100 * resorbed * 365 / (last - first + 1) / bone_mm2


def window_mean(column: str) -> Callable[[pd.DataFrame, int, int, float], float]:
    """The readout of a daily metric: its mean over days first..last."""

    def compute(series: pd.DataFrame, first: int, last: int, tissue_mm2: float) -> float:
        rows = series[(series["day"] >= first) & (series["day"] <= last)]
        return float(rows[column].mean())

    return compute


def _at(series: pd.DataFrame, column: str, day: int) -> float:
    return float(series.loc[series["day"] == day, column].iloc[0])


READOUTS: dict[str, Readout] = {
    "turnover": Readout("bone resorbed over the window per year, % of the bone area at day 0", turnover, True),
    **{
        column: Readout(f"daily metric {column}, mean over the window", window_mean(column))
        for column in COLUMNS[1:]
        if column not in STRUCTURE
    },
    **{
        column: Readout(f"{column} at the window's day (day 0 or the last day)", window_mean(column))
        for column in STRUCTURE
    },
}
"""Every readout a calibration can fit, by name."""
