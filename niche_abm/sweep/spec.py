"""Sweep files: which runs a batch experiment holds, read from TOML and validated.

A sweep names a base scenario, fixed overrides, the parameters to vary, the
treatment arms, the replicates, the days and the metrics to keep::

    description = "CCL3 secretion against MM adhesion, with and without lenalidomide"
    scenario = "mm_niche"          # a name from `run.py list`, or a path beside this file
    days = 30
    replicates = 3
    seed = 2026                    # root seed: every run's seed derives from it
    metrics = ["bv_tv", "n_mm", "rankl_opg_ratio"]   # default: every daily metric
    retries = 2                    # extra attempts for a run that fails

    [set]                          # the same for every run
    "grid.width" = 100

    [design]
    kind = "grid"                  # grid (lists) | lhs | sobol | morris (ranges, SALib)
    samples = 8                    # lhs: points; sobol: base samples (a power of 2); morris: trajectories
    levels = 4                     # morris only

    [vary]
    "mm.ccl3_secretion" = [0.5, 1.0, 2.0]                   # grid: a list of values
    # "mm.adhesion_rate" = { low = 0.01, high = 0.1, scale = "log" }   # sampled designs: a range

    [arms]                         # name = list of drug regimens (`run.py drugs`); default: control = []
    control = []
    lenalidomide = ["lenalidomide=10uM@day0"]
    no_ccl3 = { set = { "mm.ccl3_secretion" = 0 } }                  # an arm can also set parameters
    # both = { drugs = ["lenalidomide=10uM"], set = { "mm.ccl3_secretion" = 0 } }

An arm's ``set`` applies to its runs only, on top of [set] and the point's
[vary] values (a parameter cannot be both varied and set by an arm); the grid
is the same for every arm.

Every key, value and regimen is checked before any run starts; a mistake
raises :class:`~niche_abm.params.ParameterError` naming the field and what is
allowed.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from niche_abm.drugs.regimen import parse_regimen
from niche_abm.metrics import COLUMNS
from niche_abm.params import BY_NAME, Parameter, ParameterError, build_parameters, suggest
from niche_abm.scenario import MAX_DAYS, SCENARIO_DIR, add_once, load_scenario

DESIGNS = ("grid", "lhs", "sobol", "morris")
SAMPLED_DESIGNS = ("lhs", "sobol", "morris")
METRICS = COLUMNS[1:]
"""Daily metrics a sweep can keep (``day`` is always kept)."""
REQUIRED_METRICS = ("bv_tv",)
"""Always kept: bone loss is the outcome every summary and sensitivity index is computed on."""
TOP_LEVEL = {
    *("description", "scenario", "days", "replicates", "seed", "metrics", "retries"),
    *("set", "design", "vary", "arms"),
}
ARM_NAME = re.compile(r"^[A-Za-z0-9_-]{1,40}$")
SWEEP_DIR = SCENARIO_DIR / "sweeps"


@dataclass(frozen=True)
class Range:
    """A sampled parameter range; log scale samples log10(value) uniformly."""

    low: float
    high: float
    scale: str = "linear"

    def bounds(self) -> tuple[float, float]:
        """The bounds in the space SALib samples (log10 for a log range)."""
        if self.scale == "log":
            return math.log10(self.low), math.log10(self.high)
        return self.low, self.high

    def value(self, sampled: float) -> float:
        """A parameter value from a sample in SALib's space."""
        return 10.0**sampled if self.scale == "log" else sampled


@dataclass(frozen=True)
class SweepSpec:
    """A validated sweep."""

    name: str
    description: str
    scenario_path: Path
    days: int
    replicates: int
    seed: int
    metrics: tuple[str, ...]
    retries: int
    fixed: dict[str, Any]
    design: str
    samples: int
    levels: int
    grid_values: dict[str, tuple[float, ...]] = field(default_factory=dict)
    ranges: dict[str, Range] = field(default_factory=dict)
    arms: dict[str, tuple[str, ...]] = field(default_factory=dict)
    arm_settings: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Parameters an arm sets for its own runs (arm name → dotted name → value); arms that set none are absent."""

    @property
    def varied(self) -> tuple[str, ...]:
        """Names of the varied parameters, in file order."""
        return tuple(self.grid_values) or tuple(self.ranges)

    def as_dict(self) -> dict[str, Any]:
        """Plain data for the manifest (and the fingerprint that guards --resume)."""
        return {
            "name": self.name,
            "description": self.description,
            "scenario": str(self.scenario_path.resolve()),
            "days": self.days,
            "replicates": self.replicates,
            "seed": self.seed,
            "metrics": list(self.metrics),
            "retries": self.retries,
            "set": self.fixed,
            "design": {"kind": self.design, "samples": self.samples, "levels": self.levels},
            "vary": {k: list(v) for k, v in self.grid_values.items()}
            | {k: {"low": r.low, "high": r.high, "scale": r.scale} for k, r in self.ranges.items()},
            "arms": {k: list(v) for k, v in self.arms.items()},
        } | ({"arm_set": self.arm_settings} if self.arm_settings else {})

    @classmethod
    def from_dict(cls, recorded: dict[str, Any]) -> SweepSpec:
        """The sweep from :meth:`as_dict` (as a manifest records it; the file may have moved or changed since)."""
        vary = recorded["vary"]
        return cls(
            name=recorded["name"],
            description=recorded["description"],
            scenario_path=Path(recorded["scenario"]),
            days=recorded["days"],
            replicates=recorded["replicates"],
            seed=recorded["seed"],
            metrics=tuple(recorded["metrics"]),
            retries=recorded["retries"],
            fixed=recorded["set"],
            design=recorded["design"]["kind"],
            samples=recorded["design"]["samples"],
            levels=recorded["design"]["levels"],
            grid_values={k: tuple(v) for k, v in vary.items() if isinstance(v, list)},
            ranges={k: Range(**v) for k, v in vary.items() if isinstance(v, dict)},
            arms={k: tuple(v) for k, v in recorded["arms"].items()},
            arm_settings=recorded.get("arm_set", {}),
        )

    def fingerprint(self) -> str:
        """SHA-256 of everything that decides which runs exist and what they compute (not retries)."""
        plan = {k: v for k, v in self.as_dict().items() if k not in ("retries", "description", "name")}
        return hashlib.sha256(json.dumps(plan, sort_keys=True).encode()).hexdigest()


def resolve_sweep(name_or_path: str | Path) -> Path:
    """The sweep file for a path, or for a name in scenarios/sweeps/."""
    return resolve_file(name_or_path, SWEEP_DIR, "sweep")


def resolve_file(name_or_path: str | Path, folder: Path, kind: str) -> Path:
    """A `kind` file (sweep, calibration) for a path, or for a name of the examples in folder."""
    candidate = Path(name_or_path)
    if candidate.is_file():
        return candidate
    named = folder / f"{name_or_path}.toml"
    if named.is_file():
        return named
    known = ", ".join(p.stem for p in sorted(folder.glob("*.toml")))
    what = f"is a folder, not a {kind} file" if candidate.is_dir() else "does not exist"
    raise ParameterError(kind, f"{str(name_or_path)!r} {what}; example {kind}s: {known}")


@dataclass(frozen=True)
class Header:
    """What every experiment file (sweep, calibration) begins with, checked: its table, its name for messages
    (``where``), description, base scenario and days."""

    path: Path
    data: dict[str, Any]
    where: str
    description: str
    scenario_path: Path
    days: int


def read_header(path: Path, top_level: set[str]) -> Header:
    """Read an experiment file and check its keys (top_level allowed), description, scenario and days."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise ParameterError(str(path), f"not a valid TOML file: {error}") from None
    where = path.name
    unknown = sorted(set(data) - top_level)
    if unknown:
        raise ParameterError(f"{where}: {unknown[0]}", f"unknown key; allowed: {', '.join(sorted(top_level))}")
    description = data.get("description")
    if not isinstance(description, str) or not description.strip():
        raise ParameterError(f"{where}: description", "missing; expected a one-line text")
    scenario_path = named_scenario(data.get("scenario"), path)
    days = integer_field(data, "days", where, 1, MAX_DAYS, None)
    return Header(path, data, where, description.strip(), scenario_path, days)


def load_sweep(name_or_path: str | Path) -> SweepSpec:
    """Read and validate a sweep file; raises ParameterError naming the first bad field."""
    header = read_header(resolve_sweep(name_or_path), TOP_LEVEL)
    path, data, where, scenario_path, days = header.path, header.data, header.where, header.scenario_path, header.days
    replicates = integer_field(data, "replicates", where, 1, 1000, 1)
    seed = integer_field(data, "seed", where, 0, 2**63 - 1, 0)
    retries = integer_field(data, "retries", where, 0, 10, 2)
    metrics = _metrics(data.get("metrics"), where)
    fixed = flatten(table_field(data, "set", where), f"{where}: set")
    for key in fixed:
        check_known(key, f"{where}: set")
    base = load_scenario(scenario_path, fixed, overrides_from=f"{where} [set]").params.as_dict()
    design = table_field(data, "design", where)
    kind = design.get("kind", "grid")
    if kind not in DESIGNS:
        raise ParameterError(f"{where}: design.kind", f"got {kind!r}; expected one of {', '.join(DESIGNS)}")
    extra = sorted(set(design) - {"kind", "samples", "levels"})
    if extra:
        raise ParameterError(f"{where}: design.{extra[0]}", "unknown key; allowed: kind, samples, levels")
    if kind == "grid" and {"samples", "levels"} & set(design):
        raise ParameterError(f"{where}: design", "samples and levels belong to lhs, sobol and morris designs")
    samples = 0 if kind == "grid" else integer_field(design, "samples", f"{where}: design", 1, 100_000, None)
    levels = integer_field(design, "levels", f"{where}: design", 2, 20, 4)
    if kind == "sobol" and samples & (samples - 1):
        raise ParameterError(f"{where}: design.samples", f"got {samples}; Sobol designs need a power of 2")
    grid_values, ranges = _vary(flatten(table_field(data, "vary", where), f"{where}: vary"), kind, where, base, fixed)
    if kind in SAMPLED_DESIGNS and len(ranges) < (1 if kind == "lhs" else 2):
        raise ParameterError(f"{where}: vary", f"a {kind} design needs at least {2 if kind != 'lhs' else 1} ranges")
    arms, arm_settings = _arms(data.get("arms", {"control": []}), where, days, base, {*grid_values, *ranges})
    return SweepSpec(
        name=path.stem,
        description=header.description,
        scenario_path=scenario_path,
        days=days,
        replicates=replicates,
        seed=seed,
        metrics=metrics,
        retries=retries,
        fixed=fixed,
        design=kind,
        samples=samples,
        levels=levels,
        grid_values=grid_values,
        ranges=ranges,
        arms=arms,
        arm_settings=arm_settings,
    )


def named_scenario(value: Any, sweep_path: Path) -> Path:
    """The scenario a sweep (or calibration) file names: a path beside the file, or a name in scenarios/."""
    if not isinstance(value, str) or not value.strip():
        raise ParameterError(f"{sweep_path.name}: scenario", "missing; expected a scenario name or a TOML path")
    beside = sweep_path.parent / value
    if beside.is_file():
        return beside
    named = SCENARIO_DIR / f"{value}.toml"
    if named.is_file():
        return named
    known = ", ".join(p.stem for p in sorted(SCENARIO_DIR.glob("*.toml")))
    raise ParameterError(f"{sweep_path.name}: scenario", f"no scenario {value!r}; known: {known}, or a path")


def integer_field(data: dict[str, Any], key: str, where: str, low: int, high: int, default: int | None) -> int:
    """data[key] (or the default), an integer in [low, high]; ParameterError naming `where: key` otherwise."""
    value = data.get(key, default)
    if value is None:
        raise ParameterError(f"{where}: {key}", f"missing; expected an integer in [{low}, {high}]")
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ParameterError(f"{where}: {key}", f"got {value!r}; expected an integer in [{low}, {high}]")
    return value


def table_field(data: dict[str, Any], key: str, where: str) -> dict[str, Any]:
    """data[key] as a table ({} when absent)."""
    value = data.get(key, {})
    if not isinstance(value, dict):
        raise ParameterError(f"{where}: {key}", f"got {value!r}; expected a table [{key}]")
    return value


RANGE_KEYS = {"low", "high", "scale"}


def _is_range(value: Any) -> bool:
    return isinstance(value, dict) and bool(value) and set(value) <= RANGE_KEYS


def flatten(table: dict[str, Any], where: str, prefix: str = "") -> dict[str, Any]:
    """Dotted keys from nested tables (`where`: the file and section, for messages); a {low, high, scale} table is a
    value, not a level (a table with low and high and any other key is refused, naming that key), and a key given
    twice (quoted with its dot and in its table) is refused, naming it."""
    flat: dict[str, Any] = {}
    for key, value in table.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict) and {"low", "high"} <= set(value) and not _is_range(value):
            extra = sorted(set(value) - RANGE_KEYS)[0]
            raise ParameterError(f"{where}.{name}.{extra}", "unknown key of a range; allowed: low, high, scale")
        level = isinstance(value, dict) and not _is_range(value)
        add_once(flat, flatten(value, where, name + ".") if level else {name: value}, f"{where}.")
    return flat


def check_known(key: str, where: str) -> None:
    """ParameterError naming `where: key` unless key is a parameter of the table, with the nearest names."""
    if key not in BY_NAME:
        hint = suggest(key) + "; `python run.py params` lists them"
        raise ParameterError(f"{where}: {key}", "unknown parameter" + hint)


def _metrics(value: Any, where: str) -> tuple[str, ...]:
    if value is None:
        return METRICS
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        raise ParameterError(f"{where}: metrics", f"expected a non-empty list of names from: {', '.join(METRICS)}")
    for name in value:
        if name not in METRICS:
            raise ParameterError(f"{where}: metrics", f"unknown metric {name!r}; expected some of {', '.join(METRICS)}")
    kept = [*REQUIRED_METRICS, *(m for m in value if m not in REQUIRED_METRICS)]
    return tuple(dict.fromkeys(kept))


def _vary(
    table: dict[str, Any], kind: str, where: str, base: dict[str, Any], fixed: dict[str, Any], section: str = "vary"
) -> tuple[dict[str, tuple[float, ...]], dict[str, Range]]:
    """The grid values or ranges of [vary] (or another section of ranges), each value checked alone and against
    the base scenario's others."""
    grid_values: dict[str, tuple[float, ...]] = {}
    ranges: dict[str, Range] = {}
    for key, value in table.items():
        field_name = f"{where}: {section}.{key}"
        check_known(key, f"{where}: {section}")
        parameter = BY_NAME[key]
        if isinstance(parameter.default, str):
            raise ParameterError(field_name, "only numeric parameters can be varied")
        if key in fixed:
            verb = "vary" if section == "vary" else "fit"
            raise ParameterError(field_name, f"is also fixed in [set]; {verb} it or set it, not both")
        if kind == "grid":
            if not isinstance(value, list) or not value:
                raise ParameterError(field_name, "a grid design needs a non-empty list of values")
            checked = tuple(checked_value(parameter, v, field_name, base) for v in value)
            if len(set(checked)) != len(checked):
                raise ParameterError(field_name, f"got {value!r}; values must be distinct")
            grid_values[key] = checked
            continue
        needs = f"a {kind} design needs" if section == "vary" else "expected"
        ranges[key] = read_range(
            value, field_name, lambda end, where, p=parameter: checked_value(p, end, where, base), needs
        )
    return grid_values, ranges


def read_range(value: Any, field_name: str, check_end: Callable[[Any, str], float], needs: str = "expected") -> Range:
    """A `{ low, high, scale }` table as a Range, each end passed through check_end(value, its field name), which
    returns it checked or raises ParameterError."""
    if not _is_range(value) or not {"low", "high"} <= set(value):
        raise ParameterError(field_name, f"{needs} a range {{ low = …, high = … }}")
    low, high = (check_end(value[end], f"{field_name}.{end}") for end in ("low", "high"))
    scale = value.get("scale", "linear")
    if scale not in ("linear", "log"):
        raise ParameterError(f"{field_name}.scale", f"got {scale!r}; expected 'linear' or 'log'")
    if not low < high:
        raise ParameterError(field_name, f"got low = {low}, high = {high}; expected low < high")
    if scale == "log" and low <= 0:
        raise ParameterError(f"{field_name}.low", f"got {low}; a log range needs low > 0")
    return Range(float(low), float(high), scale)


def parameter_ranges(
    table: dict[str, Any], where: str, section: str, base: dict[str, Any], fixed: dict[str, Any]
) -> dict[str, Range]:
    """The ranges of a section of `name = { low, high, scale }` entries (a calibration's [prior]), each checked
    against its parameter's allowed range and the base scenario (`base`: its values; `fixed`: those set by hand)."""
    return _vary(table, "lhs", where, base, fixed, section)[1]


def checked_value(parameter: Parameter, value: Any, field_name: str, base: dict[str, Any]) -> int | float:
    """The value checked against its parameter's range and, with the base scenario's other values, against the
    model's cross-checks (e.g. field voxels tile the grid); the error names the sweep field."""
    try:
        checked = parameter.check(value)
        build_parameters({**base, parameter.name: checked})
    except ParameterError as error:
        raise error.renamed(
            field_name, f"with the scenario's {error.key}" if error.key != parameter.name else ""
        ) from None
    return checked


def _arms(
    value: Any, where: str, days: int, base: dict[str, Any], varied: set[str]
) -> tuple[dict[str, tuple[str, ...]], dict[str, dict[str, Any]]]:
    """Each arm's regimens and the parameters it sets (only arms that set some): an arm is a list of regimens or a
    table { drugs = [regimens], set = { name = value } }, each regimen and value checked (against the base
    scenario with [set]); a varied parameter or the grid cannot be set by an arm."""
    expected = 'a list of regimens, e.g. ["lenalidomide=10uM"], or { drugs = [...], set = { name = value } }'
    if not isinstance(value, dict) or not value:
        raise ParameterError(f"{where}: arms", "expected a table of name = [regimens], e.g. control = []")
    arms: dict[str, tuple[str, ...]] = {}
    arm_settings: dict[str, dict[str, Any]] = {}
    for name, entry in value.items():
        field_name = f"{where}: arms.{name}"
        if not ARM_NAME.match(name):
            raise ParameterError(field_name, "arm names use letters, digits, - and _ (at most 40)")
        regimens, settings = entry, {}
        if isinstance(entry, dict):
            unknown = sorted(set(entry) - {"drugs", "set"})
            if unknown:
                raise ParameterError(f"{field_name}.{unknown[0]}", "unknown key of an arm; allowed: drugs, set")
            regimens = entry.get("drugs", [])
            settings = _arm_set(entry.get("set", {}), f"{field_name}.set", base, varied)
        if not isinstance(regimens, list) or not all(isinstance(r, str) for r in regimens):
            raise ParameterError(field_name, f"expected {expected}")
        for text in regimens:
            try:
                parse_regimen(text).check_within(days)
            except ParameterError as error:
                raise error.renamed(field_name, f"in {text}") from None
        arms[name] = tuple(regimens)
        if settings:
            arm_settings[name] = settings
    return arms, arm_settings


def _arm_set(table: Any, where: str, base: dict[str, Any], varied: set[str]) -> dict[str, Any]:
    """An arm's `set` table, flattened to dotted names, each value checked with the scenario's and [set]'s others
    (and the arm's own, so values that must agree are checked together)."""
    if not isinstance(table, dict):
        raise ParameterError(where, f"got {table!r}; expected a table of name = value")
    settings = flatten(table, where)
    for key, value in settings.items():
        check_known(key, where)
        if key.startswith("grid."):
            raise ParameterError(f"{where}.{key}", "every arm runs on the same grid; set it in [set]")
        if key in varied:
            raise ParameterError(f"{where}.{key}", "is also varied in [vary]; vary it or set it in an arm, not both")
        settings[key] = checked_value(BY_NAME[key], value, f"{where}.{key}", {**base, **settings})
    try:
        build_parameters({**base, **settings})
    except ParameterError as error:
        raise error.renamed(where, f"with the scenario's {error.key}" if error.key not in settings else "") from None
    return settings
