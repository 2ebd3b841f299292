"""Mesa's DataCollector over the daily metrics: ``model.datacollector``, one row a simulated day.

:class:`~niche_abm.model.NicheModel` steps one hour at a time and measures the
niche once a day (every 24 steps, :func:`niche_abm.metrics.measure`), keeping
the rows in ``model.records``; ``model.timeseries()`` is their table. The
collector made here has one model reporter per daily column, each reading the
row just measured, so ``model.datacollector.get_model_vars_dataframe()`` holds
the same numbers as ``model.timeseries()``, one row a day from day 0, and
nothing is measured twice. Units are those of :mod:`niche_abm.metrics`.

Collected: every column the first day's :func:`~niche_abm.metrics.measure`
returns, which is every daily metric plus the exposure (conc_<drug>_um, µM) of
each drug the model starts with. Only in ``model.timeseries()``: the trabecular
structure (tb_th_um, tb_sp_um, tb_n_per_mm), measured at the start and end of a
run only, and the exposure of a drug first given later (``model.start_drug``).
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial
from typing import Protocol

import mesa


class Recording(Protocol):
    """A model that keeps its daily records (:class:`niche_abm.model.NicheModel` is one)."""

    records: list[dict]


def latest(column: str, model: Recording) -> float:
    """The column's value in the model's most recent daily record."""
    return model.records[-1][column]


def daily_collector(columns: Iterable[str]) -> mesa.DataCollector:
    """A DataCollector with one model reporter per daily column; collect it right after each daily record."""
    return mesa.DataCollector(model_reporters={column: partial(latest, column) for column in columns})
