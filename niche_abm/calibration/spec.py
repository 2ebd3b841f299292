"""Calibration files: which parameters to fit, to which observed readouts, read from TOML and validated.

A calibration names a base scenario, fixed overrides, a uniform prior range for each parameter it fits, and the
observed value of each readout, with its spread and source::

    description = "Precursor supply from healthy bone turnover (Parfitt 1983)"
    scenario = "healthy"           # a name from `run.py list`, or a path beside this file
    days = 90
    seed = 2026                    # root seed: every particle's draws derive from it
    replicates = 4                 # runs per particle (other seeds), each readout averaged over them
    population = 24                # accepted particles per generation
    generations = 4                # ABC-SMC generations (most; min_epsilon may stop it sooner)
    min_epsilon = 0.0              # stop once the tolerance falls to this distance
    min_acceptance = 0.0           # stop after a generation that accepted fewer of its particles than this
    retries = 2                    # extra attempts for a particle whose run failed

    [set]                          # the same for every run
    "grid.width" = 100

    [prior]                        # uniform on [low, high]; log: uniform in log10
    "ocp.recruitment_rate" = { low = 0.005, high = 0.1, scale = "log" }

    [data.turnover]                # one observed readout per table
    readout = "turnover"           # `turnover`, or a daily metric averaged over the window
    window = [31, 90]              # first and last day the readout covers
    value = 20.0                   # observed
    sd = 5.0                       # its spread: the distance weighs (simulated − value) / sd
    source = "Parfitt 1983: 10-30% of trabecular bone a year"

    [data.ccr1_cut]                # a drug's effect: its readout runs with the drugs given
    readout = "resorbed_mm2"
    window = [60, 60]
    drugs = ["mln3897"]            # regimens in the command-line syntax (`run.py drugs`); default none
    relative = true                # (with the drugs) / (without) − 1, each the mean over the replicates' seeds
    value = -0.7
    sd = 0.15
    source = "Vallet et al. 2007 Blood 110:3744: resorption −70%"

A readout with drugs runs the same seeds as the untreated runs (common random numbers), so a relative readout is
the drugs' effect with the run-to-run noise the arms share taken out, as the validation's targets read it.

Every key and value is checked before any run starts; a mistake raises
:class:`~niche_abm.params.ParameterError` naming the field and what is allowed.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from niche_abm.calibration.readouts import READOUTS, STRUCTURE
from niche_abm.calibration.strengths import Tie, read_strengths
from niche_abm.drugs.regimen import parse_regimen
from niche_abm.params import BY_NAME, ParameterError, build_parameters
from niche_abm.scenario import SCENARIO_DIR, load_scenario
from niche_abm.sweep.spec import (
    Range,
    check_known,
    flatten,
    integer_field,
    parameter_ranges,
    read_header,
    read_range,
    resolve_file,
    table_field,
)

CALIBRATION_DIR = SCENARIO_DIR / "calibrations"
TOP_LEVEL = {
    *("description", "scenario", "days", "seed", "replicates", "population", "generations", "min_epsilon"),
    *("min_acceptance", "retries"),
    *("set", "prior", "data", "strength"),
}
STATISTIC_KEYS = {"readout", "window", "value", "sd", "source", "drugs", "relative"}
STATISTIC_NAME = re.compile(r"^[A-Za-z0-9_-]{1,40}$")


@dataclass(frozen=True)
class Statistic:
    """An observed readout: what the model reports over a window of days, its observed value and spread.

    Attributes:
        readout: a name of :data:`niche_abm.calibration.readouts.READOUTS`.
        window: (first day, last day) the readout covers.
        value: the observed value, in the readout's unit.
        sd: its spread, same unit (> 0): a simulated value one sd away lies at distance 1.
        source: where the observed value comes from.
        drugs: regimens given in the runs this readout is read from (none: the untreated runs).
        relative: the readout with the drugs over the same readout without them, minus 1 (a fraction; −0.7 is a
            70% cut), each the mean over the replicates' seeds.
    """

    readout: str
    window: tuple[int, int]
    value: float
    sd: float
    source: str
    drugs: tuple[str, ...] = ()
    relative: bool = False

    def label(self) -> str:
        """What is read, for figures: the readout, and the drugs given and whether it is relative to none."""
        drugs = " + ".join(self.drugs)
        if self.relative:
            return f"{self.readout} with {drugs} / without − 1"
        return f"{self.readout} with {drugs}" if drugs else self.readout

    def as_dict(self) -> dict[str, Any]:
        """Plain data; drugs and relative only when given, so a calibration without them keeps its fingerprint."""
        entry = {"readout": self.readout, "window": list(self.window), "value": self.value, "sd": self.sd}
        entry |= {"drugs": list(self.drugs)} if self.drugs else {}
        entry |= {"relative": True} if self.relative else {}
        return entry | {"source": self.source}


@dataclass(frozen=True)
class CalibrationSpec:
    """A validated calibration."""

    name: str
    description: str
    scenario_path: Path
    days: int
    seed: int
    replicates: int
    population: int
    generations: int
    min_epsilon: float
    retries: int
    fixed: dict[str, Any]
    prior: dict[str, Range]
    data: dict[str, Statistic]
    min_acceptance: float = 0.0
    """Start no generation after one whose acceptance rate (accepted / simulated particles) fell below this."""
    strengths: dict[str, dict[str, Tie]] = field(default_factory=dict)
    """For each strength fitted (a [prior] name without a dot), the parameters it sets
    (:mod:`niche_abm.calibration.strengths`)."""

    def as_dict(self) -> dict[str, Any]:
        """Plain data for the manifest (and the fingerprint that guards --resume)."""
        return {
            "name": self.name,
            "description": self.description,
            "scenario": str(self.scenario_path.resolve()),
            "days": self.days,
            "seed": self.seed,
            "replicates": self.replicates,
            "population": self.population,
            "generations": self.generations,
            "min_epsilon": self.min_epsilon,
            "min_acceptance": self.min_acceptance,
            "retries": self.retries,
            "set": self.fixed,
            "prior": {k: {"low": r.low, "high": r.high, "scale": r.scale} for k, r in self.prior.items()},
            "data": {k: s.as_dict() for k, s in self.data.items()},
        } | (  # only when declared, so a calibration without strengths keeps its fingerprint
            {"strength": {k: {p: t.as_dict() for p, t in ties.items()} for k, ties in self.strengths.items()}}
            if self.strengths
            else {}
        )

    def fingerprint(self) -> str:
        """SHA-256 of everything that decides the particles (not when to stop, retries or texts): a calibration
        resumed with more generations or a lower min_acceptance continues the same chain."""
        stopping = ("generations", "min_acceptance")
        kept = {k: v for k, v in self.as_dict().items() if k not in ("name", "description", *stopping, "retries")}
        for statistic in kept["data"].values():
            statistic.pop("source")
        return hashlib.sha256(json.dumps(kept, sort_keys=True).encode()).hexdigest()


def resolve_calibration(name_or_path: str | Path) -> Path:
    """The calibration file for a path, or for a name in scenarios/calibrations/."""
    return resolve_file(name_or_path, CALIBRATION_DIR, "calibration")


def load_calibration(name_or_path: str | Path) -> CalibrationSpec:
    """Read and validate a calibration file; raises ParameterError naming the first bad field."""
    header = read_header(resolve_calibration(name_or_path), TOP_LEVEL)
    path, data, where, scenario_path, days = header.path, header.data, header.where, header.scenario_path, header.days
    fixed = flatten(table_field(data, "set", where), f"{where}: set")
    for key in fixed:
        check_known(key, f"{where}: set")
    base = load_scenario(scenario_path, fixed, overrides_from=f"{where} [set]").params.as_dict()
    strengths = read_strengths(table_field(data, "strength", where), where)
    prior = _prior(flatten(table_field(data, "prior", where), f"{where}: prior"), where, base, fixed, strengths)
    if not prior:
        raise ParameterError(
            f"{where}: prior", 'missing; expected at least one range, e.g. "x.y" = { low = 0.1, high = 1 }'
        )
    return CalibrationSpec(
        name=path.stem,
        description=header.description,
        scenario_path=scenario_path,
        days=days,
        seed=integer_field(data, "seed", where, 0, 2**63 - 1, 0),
        replicates=integer_field(data, "replicates", where, 1, 100, 1),
        population=integer_field(data, "population", where, 4, 10_000, None),
        generations=integer_field(data, "generations", where, 1, 100, 5),
        min_epsilon=_number(data, "min_epsilon", where, 0.0, 0.0),
        min_acceptance=_fraction(data, "min_acceptance", where),
        retries=integer_field(data, "retries", where, 0, 10, 2),
        fixed=fixed,
        prior=prior,
        data=_statistics(table_field(data, "data", where), where, days),
        strengths=strengths,
    )


def _prior(
    table: dict[str, Any],
    where: str,
    base: dict[str, Any],
    fixed: dict[str, Any],
    strengths: dict[str, dict[str, Tie]],
) -> dict[str, Range]:
    """The [prior] ranges, in file order: a parameter's checked against its allowed range, a strength's by the values
    it gives its tied parameters at both ends (each within its range, the scenario buildable with them all)."""
    for name, ties in strengths.items():
        if name not in table:
            raise ParameterError(f"{where}: strength.{name}", "declared but not fitted; give it a range in [prior]")
        for parameter in ties:
            if parameter in fixed or parameter in table:
                section = "set" if parameter in fixed else "prior"
                raise ParameterError(
                    f"{where}: strength.{name}.{parameter}", f"is also in [{section}]; tie it, set it or fit it"
                )
    parameters = parameter_ranges({k: v for k, v in table.items() if k not in strengths}, where, "prior", base, fixed)
    ranges = {}
    for key in table:
        if key not in strengths:
            ranges[key] = parameters[key]
            continue
        ranges[key] = read_range(
            table[key], f"{where}: prior.{key}", lambda s, f, ties=strengths[key]: _strength_end(s, f, ties, base)
        )
    return ranges


def _strength_end(value: Any, field_name: str, ties: dict[str, Tie], base: dict[str, Any]) -> float:
    """A strength's prior end, checked by the values its tied parameters take there."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ParameterError(field_name, f"got {value!r}; expected a finite number")
    values = {parameter: tie.value(float(value)) for parameter, tie in ties.items()}
    for parameter, tied in values.items():
        try:
            BY_NAME[parameter].check(tied)
        except ParameterError as error:
            raise error.renamed(field_name, f"which sets {parameter} to {tied:.4g}") from None
    try:
        build_parameters({**base, **values})
    except ParameterError as error:
        raise error.renamed(field_name, "with the values it sets") from None
    return float(value)


def _number(data: dict[str, Any], key: str, where: str, low: float, default: float) -> float:
    value = data.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) or value < low:
        raise ParameterError(f"{where}: {key}", f"got {value!r}; expected a finite number ≥ {low:g}")
    return float(value)


def _fraction(data: dict[str, Any], key: str, where: str) -> float:
    value = data.get(key, 0.0)
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0.0 <= value < 1.0:
        raise ParameterError(f"{where}: {key}", f"got {value!r}; expected a fraction in [0, 1)")
    return float(value)


def _statistics(table: dict[str, Any], where: str, days: int) -> dict[str, Statistic]:
    """The observed readouts of [data], each a table of STATISTIC_KEYS."""
    if not table:
        raise ParameterError(f"{where}: data", "missing; expected a [data.NAME] table for each observed readout")
    statistics = {}
    for name, entry in table.items():
        here = f"{where}: data.{name}"
        if not STATISTIC_NAME.match(name):
            raise ParameterError(here, "names use letters, digits, - and _ (at most 40)")
        if not isinstance(entry, dict):
            raise ParameterError(here, f"got {entry!r}; expected a table with {', '.join(sorted(STATISTIC_KEYS))}")
        extra = sorted(set(entry) - STATISTIC_KEYS)
        if extra:
            raise ParameterError(f"{here}.{extra[0]}", f"unknown key; allowed: {', '.join(sorted(STATISTIC_KEYS))}")
        readout = entry.get("readout")
        if readout not in READOUTS:
            raise ParameterError(f"{here}.readout", f"got {readout!r}; expected one of {', '.join(READOUTS)}")
        window = entry.get("window", [days, days])
        if not (
            isinstance(window, list)
            and len(window) == 2
            and all(isinstance(d, int) and not isinstance(d, bool) for d in window)
            and 0 <= window[0] <= window[1] <= days
        ):
            raise ParameterError(
                f"{here}.window", f"got {window!r}; expected [first, last] with 0 ≤ first ≤ last ≤ {days}"
            )
        if READOUTS[readout].needs_span and window[0] == 0:
            raise ParameterError(f"{here}.window", f"got {window!r}; {readout} needs a first day of at least 1")
        if readout in STRUCTURE and not (window[0] == window[1] and window[0] in (0, days)):
            raise ParameterError(f"{here}.window", f"got {window!r}; {readout} is measured on days 0 and {days} only")
        value = _number(entry, "value", here, -math.inf, math.nan) if "value" in entry else None
        if value is None:
            raise ParameterError(f"{here}.value", "missing; expected the observed value (a finite number)")
        sd = entry.get("sd")
        if isinstance(sd, bool) or not isinstance(sd, int | float) or not math.isfinite(sd) or sd <= 0:
            raise ParameterError(f"{here}.sd", f"got {sd!r}; expected a positive finite number (the observed spread)")
        source = entry.get("source")
        if not isinstance(source, str) or not source.strip():
            raise ParameterError(f"{here}.source", "missing; expected where the observed value comes from")
        drugs, relative = _drugs(entry, here, days)
        statistics[name] = Statistic(readout, (window[0], window[1]), value, float(sd), source.strip(), drugs, relative)
    return statistics


def _drugs(entry: dict[str, Any], here: str, days: int) -> tuple[tuple[str, ...], bool]:
    """A readout's drugs (regimens, each checked to start within the run) and whether it is relative to no drugs."""
    regimens = entry.get("drugs", [])
    if not isinstance(regimens, list) or not all(isinstance(r, str) for r in regimens):
        raise ParameterError(f"{here}.drugs", f'got {regimens!r}; expected a list of regimens, e.g. ["mln3897"]')
    for text in regimens:
        try:
            parse_regimen(text).check_within(days)
        except ParameterError as error:
            raise error.renamed(f"{here}.drugs", f"in {text}") from None
    relative = entry.get("relative", False)
    if not isinstance(relative, bool):
        raise ParameterError(f"{here}.relative", f"got {relative!r}; expected true or false")
    if relative and not regimens:
        raise ParameterError(
            f"{here}.relative", "true compares the runs with drugs to the runs without: give the drugs too"
        )
    return tuple(regimens), relative
