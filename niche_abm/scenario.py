"""Scenario files: human-readable TOML that overrides parameters by dotted key.

A scenario file holds a one-line ``description``, optionally the default number
of ``days`` to simulate, and parameter overrides, either as tables::

    description = "Early myeloma: a few MM foci beside stroma"
    days = 90

    [mm]
    initial_count = 60

or as dotted keys (``"mm.initial_count" = 60``), and optionally a list of drug
regimens (``drugs = ["lenalidomide=10uM@day14", "denosumab=120mg/4w"]``, see
:mod:`niche_abm.drugs.regimen`). Every value is validated before a step runs.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from typing import Any

import numpy as np

from niche_abm.drugs.regimen import Regimen, parse_regimen
from niche_abm.params import ParameterError, Parameters, build_parameters

_SOURCE_SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"
SCENARIO_DIR = (
    _SOURCE_SCENARIOS if (_SOURCE_SCENARIOS / "healthy.toml").is_file() else Path(files("niche_abm.scenarios"))
)
"""The scenario files: scenarios/ beside the package in a source tree (this checkout's own, even when another
checkout is the one installed in editable mode), else the package data niche_abm.scenarios of an install."""
RESERVED = {"description", "days", "drugs"}
MAX_DAYS = 3650
"""The longest run, simulated days (ten years): the one limit scenario files, sweeps and every command share."""


@dataclass(frozen=True)
class Scenario:
    """A validated scenario: its name, description, parameters and default length."""

    name: str
    description: str
    params: Parameters
    days: int | None
    path: Path | None
    drugs: tuple[Regimen, ...] = ()

    def bone(self) -> np.ndarray | None:
        """The bone fraction read from bone.mask_file, or None to generate it."""
        mask = self.params.bone.mask_file
        if not mask:
            return None
        path = Path(mask)
        if not path.is_absolute() and self.path is not None:
            path = self.path.parent / path
        from niche_abm.world.trabecular import load_bone_mask  # scipy and scikit-image, only for a bone file

        return load_bone_mask(path, (self.params.grid.width, self.params.grid.height))


def list_scenarios() -> list[tuple[str, str]]:
    """(name, description) of every scenario in scenarios/."""
    found = []
    for path in sorted(SCENARIO_DIR.glob("*.toml")):
        found.append((path.stem, load_scenario(path).description))
    return found


def scenario_text() -> str:
    """One line per scenario: name and description (``run.py list``)."""
    return "\n".join(f"{name:14s} {description}" for name, description in list_scenarios())


def resolve(name_or_path: str | Path) -> Path:
    """The scenario file for a name in scenarios/ or a path."""
    candidate = Path(name_or_path)
    if candidate.suffix == ".toml" or candidate.exists():
        if not candidate.is_file():
            what = "is a folder, not a file" if candidate.is_dir() else "does not exist"
            raise ParameterError("scenario", f"{str(candidate)!r} {what}; expected a scenario TOML file")
        return candidate
    path = SCENARIO_DIR / f"{name_or_path}.toml"
    if not path.is_file():
        names = ", ".join(p.stem for p in sorted(SCENARIO_DIR.glob("*.toml")))
        raise ParameterError("scenario", f"no scenario named {str(name_or_path)!r}; known: {names}")
    return path


def add_once(flat: dict[str, Any], items: dict[str, Any], where: str) -> None:
    """Add dotted keys to a flattened table; ParameterError naming `where` + the key for a key it holds already (a
    file giving it twice: quoted with its dot, ``"grid.width" = 20``, and in its table, ``[grid] width = 40``)."""
    for dotted, item in items.items():
        if dotted in flat:
            raise ParameterError(f"{where}{dotted}", "given twice (as a dotted key and in a table); give it once")
        flat[dotted] = item


def _flatten(table: dict[str, Any], where: str, prefix: str = "") -> dict[str, Any]:
    """Dotted keys from nested tables; a key given twice is refused naming `where: key` (:func:`add_once`)."""
    flat: dict[str, Any] = {}
    for key, value in table.items():
        name = f"{prefix}{key}"
        add_once(flat, _flatten(value, where, name + ".") if isinstance(value, dict) else {name: value}, f"{where}: ")
    return flat


def load_scenario(
    name_or_path: str | Path, overrides: dict[str, Any] | None = None, overrides_from: str = "--set"
) -> Scenario:
    """Read, flatten and validate a scenario, then apply overrides (dotted keys); raises ParameterError, noting
    where a bad value came from: the scenario file, or `overrides_from` (the option or file that gave overrides)."""
    path = resolve(name_or_path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise ParameterError(str(path), f"not a valid TOML file: {error}") from None
    description = data.get("description")
    if not isinstance(description, str) or not description.strip():
        raise ParameterError(f"{path.name}: description", "missing; expected a one-line text")
    days = data.get("days")
    if days is not None:
        check_days(days, f"{path.name}: days")
    drugs = data.get("drugs", [])
    if not isinstance(drugs, list) or not all(isinstance(d, str) for d in drugs):
        raise ParameterError(f"{path.name}: drugs", 'expected a list of regimens, e.g. ["lenalidomide=10uM@day14"]')
    try:
        regimens = tuple(parse_regimen(text) for text in drugs)
        for regimen in regimens if days is not None else ():
            regimen.check_within(days)
    except ParameterError as error:
        raise ParameterError(f"{path.name}: drugs", f"{error.key.removeprefix('--drug ')}: {error.message}") from None
    values = _flatten({k: v for k, v in data.items() if k not in RESERVED}, path.name)
    try:
        params = build_parameters({**values, **(overrides or {})})
    except ParameterError as error:
        origin = overrides_from if overrides and error.key in overrides else path.name
        raise error.renamed(error.key, f"in {origin}") from None
    return Scenario(path.stem, description.strip(), params, days, path, regimens)


def check_days(days: Any, key: str) -> int:
    """days, if it is an integer in [1, MAX_DAYS]; otherwise ParameterError naming key."""
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= MAX_DAYS:
        raise ParameterError(key, f"got {days!r}; expected an integer in [1, {MAX_DAYS}]")
    return days


def comma_list(text: str, key: str, example: str) -> list[str]:
    """The items of a comma-separated option, each stripped; ParameterError naming the option for no item, an
    empty item (``a,,b``) or an item given twice."""
    items = [item.strip() for item in text.split(",")]
    if not any(items):
        raise ParameterError(key, f"expected a comma-separated list, e.g. {example}")
    if "" in items:
        raise ParameterError(key, f"got {text!r}: an empty item between commas; expected e.g. {example}")
    repeated = next((item for i, item in enumerate(items) if item in items[:i]), None)
    if repeated is not None:
        raise ParameterError(key, f"{repeated!r} is given twice")
    return items


def parse_assignment(text: str) -> tuple[str, Any]:
    """Parse a ``key=value`` override; the value is read as a TOML value, else as text."""
    key, raw = (part.strip() for part in text.split("=", 1)) if "=" in text else ("", "")
    if not key:
        raise ParameterError("--set", f"got {text!r}; expected KEY=VALUE, for example mm.initial_count=100")
    try:
        value = tomllib.loads(f"v = {raw}")["v"]
    except tomllib.TOMLDecodeError:
        value = raw
    return key, value
