"""One run of an experiment: its description, the only thing that builds a model for a batch, and its results.

A :class:`RunDescription` says everything a run needs (scenario, parameter
overrides, drug regimens, seed, length and the days whose spatial state to keep)
and checks it when it is made, so a mistake is one :class:`ParameterError`
naming the field before any model is built. It is small and picklable: sweeps,
dose-response, co-culture replicates, validation targets, demos, the app and the
``run`` command each describe their runs this way and send the description to
wherever the run is computed (this process, a local worker or a Dask worker).

Example::

    result = RunDescription("mm_niche", {"grid.width": 60, "grid.height": 60}, ("denosumab",), seed=1, days=20).run()
    result.timeseries["bv_tv"]
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from niche_abm.drugs.regimen import Regimen, parse_regimen
from niche_abm.params import ParameterError, build_parameters
from niche_abm.scenario import MAX_DAYS, Scenario, load_scenario
from niche_abm.units import STEP_H

if TYPE_CHECKING:
    from niche_abm.model import NicheModel

MAX_SEED = 2**63
"""Seeds are integers in [0, MAX_SEED): the 63 bits a sweep draws for each replicate."""

DEFAULTS = "defaults"
"""The scenario name of a run built from the parameter table's defaults and its overrides alone (a culture well,
no scenario file)."""


@dataclass(frozen=True)
class RunDescription:
    """What one run is: checked when made, built and run by :meth:`build` and :meth:`run`.

    Args:
        scenario: a scenario name (``mm_niche``, ``demos/myeloma_marrow``), a path to a TOML file, or
            :data:`DEFAULTS` for the parameter table's defaults (a co-culture well).
        overrides: parameter overrides by dotted name (``{"mm.initial_count": 150}``), on top of the scenario's.
        regimens: drugs given in this run on top of the scenario's, as :class:`Regimen` objects or in the
            command-line syntax (``"lenalidomide=10uM@day14"``); kept parsed.
        seed: seed of every random number the model draws, in [0, 2^63).
        days: simulated days, in (0, MAX_DAYS] and a whole number of hours (a 36 h culture is 1.5 days).
        snapshot_days: days whose spatial state :meth:`run` keeps (``model.snapshot()``), in order (repeats are
            kept once), within days.
    """

    scenario: str
    overrides: Mapping[str, Any] = field(default_factory=dict)
    regimens: tuple[Regimen | str, ...] = ()
    seed: int = 1
    days: float = 1
    snapshot_days: tuple[float, ...] = ()
    _loaded: Scenario = field(init=False, repr=False, compare=False)

    @classmethod
    def of_loaded(cls, loaded: Scenario, overrides: Mapping[str, Any], **run: Any) -> RunDescription:
        """The description of a run of a scenario already loaded (``load_scenario(path, overrides)``), checked like
        any other but without reading the scenario again: for a caller that needed the scenario first (its
        default days, its grid for an estimate).

        Args:
            loaded: the scenario, loaded from its file with overrides.
            overrides: the overrides loaded was loaded with (kept, so the description says what the run is).
            run: regimens, seed, days and snapshot_days, as for the constructor.
        """
        description = cls.__new__(cls)
        object.__setattr__(description, "_loaded", loaded)
        description.__init__(str(loaded.path), overrides, **run)
        return description

    def __post_init__(self) -> None:
        object.__setattr__(self, "scenario", str(self.scenario))
        object.__setattr__(self, "overrides", dict(self.overrides))
        object.__setattr__(self, "regimens", tuple(_regimen(r) for r in self.regimens))
        object.__setattr__(self, "snapshot_days", tuple(self.snapshot_days))
        _check_seed(self.seed)
        _check_days(self.days)
        if "_loaded" not in self.__dict__:
            object.__setattr__(self, "_loaded", self._load())
        for regimen in self.regimens:
            try:
                regimen.check_within(self.days)
            except ParameterError as error:
                raise error.renamed("regimens", regimen.text) from None
        _check_snapshot_days(self.snapshot_days, self.days)

    def loaded(self) -> Scenario:
        """The scenario with its overrides applied and validated, read once when the description was made (it
        travels with the description to a worker)."""
        return self._loaded

    def _load(self) -> Scenario:
        """Read and validate the scenario with its overrides (ParameterError naming the parameter)."""
        if self.scenario == DEFAULTS:
            return Scenario(DEFAULTS, "the parameter table's defaults", build_parameters(self.overrides), None, None)
        return load_scenario(self.scenario, self.overrides)

    def record(self) -> dict[str, Any]:
        """The description as plain data for a manifest: scenario, overrides, every drug given (the scenario's and
        this run's), seed, days and every parameter value the run is built with."""
        loaded = self.loaded()
        return {
            "scenario": self.scenario,
            "overrides": dict(self.overrides),
            "drugs": [regimen.text for regimen in (*loaded.drugs, *self.regimens)],
            "seed": self.seed,
            "days": self.days,
            "parameters": loaded.params.as_dict(),
        }

    def build(self) -> NicheModel:
        """A fresh model at hour 0: the scenario's parameters, bone and drugs, then this run's regimens.

        The model is imported here, so describing runs (the command line, a sweep's driver) stays light.
        """
        from niche_abm.model import NicheModel

        return NicheModel(self.loaded(), seed=self.seed, drugs=self.regimens)

    def run(self, progress: Callable[[int], None] | None = None) -> RunResult:
        """Build the model and run it for days (:meth:`advance`).

        Args:
            progress: called with 1 after each simulated day (a progress bar's ``update``).
        """
        return self.advance(self.build(), progress)

    def advance(self, model: NicheModel, progress: Callable[[int], None] | None = None) -> RunResult:
        """Run a model from :meth:`build` for days, stopping at each snapshot day to copy its spatial state.

        Building first and advancing after lets a caller show progress only once the model exists (an error
        while building then appears alone).
        """
        snapshots = {}
        for day in dict.fromkeys(self.snapshot_days):
            model.run(day - model.day, progress)
            snapshots[day] = model.snapshot()
        if model.day < self.days:
            model.run(self.days - model.day, progress)
        return RunResult(self, model, model.timeseries(), snapshots)


@dataclass(frozen=True)
class RunResult:
    """A finished run: its description, the model at the end, the daily metrics and the kept snapshots.

    Attributes:
        timeseries: daily metrics, one row a day from day 0 (:mod:`niche_abm.metrics`).
        snapshots: day → ``model.snapshot()`` at that day (occupancy, marrow, bone_surface, bone_template,
            bone_fraction).
    """

    description: RunDescription
    model: NicheModel
    timeseries: pd.DataFrame
    snapshots: dict[float, dict[str, np.ndarray]]

    @property
    def counters(self) -> dict[str, Any]:
        """Run totals (``model.counters``) as plain values: lists, not the model's own."""
        return {key: (list(value) if isinstance(value, list) else value) for key, value in self.model.counters.items()}


def _regimen(given: Regimen | str) -> Regimen:
    """A regimen as given, or parsed from its command-line syntax (ParameterError naming regimens)."""
    if isinstance(given, Regimen):
        return given
    if not isinstance(given, str):
        raise ParameterError("regimens", f"got {given!r}; expected a Regimen or text like lenalidomide=10uM@day14")
    try:
        return parse_regimen(given)
    except ParameterError as error:
        raise error.renamed("regimens", given) from None


def _check_seed(seed: Any) -> None:
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or not 0 <= seed < MAX_SEED:
        raise ParameterError("seed", f"got {seed!r}; expected an integer in [0, 2^63)")


def _check_days(days: Any) -> None:
    number = isinstance(days, int | float | np.integer | np.floating) and not isinstance(days, bool)
    if not number or not 0 < days <= MAX_DAYS:
        raise ParameterError("days", f"got {days!r}; expected a number of days in (0, {MAX_DAYS}]")
    steps = days * 24 / STEP_H
    if not math.isclose(steps, round(steps), abs_tol=1e-9):
        raise ParameterError("days", f"got {days!r}; expected a whole number of {STEP_H:g} h steps")


def _check_snapshot_days(snapshot_days: tuple, days: float) -> None:
    if list(snapshot_days) != sorted(snapshot_days) or any(not 0 <= d <= days for d in snapshot_days):
        raise ParameterError("snapshot_days", f"got {list(snapshot_days)}; expected days in [0, {days:g}], in order")
