"""Strengths: one fitted number that sets a group of parameters together.

A calibration may fit a hypothesis's strength instead of each of its parameters. Each ``[strength.NAME]`` table of
a calibration file ties parameters to the strength s its ``[prior]`` gives a range for::

    [prior]
    contact = { low = 0.5, high = 1.0 }          # a strength: a name without a dot
    ccl3 = { low = 0.0, high = 0.5 }

    [strength.contact]                           # MM contact's shift of stromal RANKL and OPG
    "stroma.contact_rankl_fold" = { base = 4.0, as = "power" }     # 4^s
    "stroma.contact_opg_fold" = { base = 0.3, as = "power" }       # 0.3^s

    [strength.ccl3]                              # CCL3 on the osteoclast lineage (two of its four channels)
    "ocp.ccl3_recruitment_fold" = { base = 3.0, as = "power" }     # 3^s
    "ocp.chemotaxis" = { base = 50.0, as = "times" }               # 50 s

With ``power`` a fold of 1 (no effect) at s = 0 rises to its base at s = 1, and every fold of the group moves by
the same share of its logarithm; ``times`` scales a weight from 0. This is how ``analysis.niche_strength`` mapped
MM's contact and CCL3 strengths; a calibration gives the same two numbers a posterior.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

from niche_abm.params import BY_NAME, ParameterError

HOW = ("power", "times")
TIE_KEYS = {"base", "as"}
STRENGTH_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,39}$")


@dataclass(frozen=True)
class Tie:
    """How a parameter follows a strength s: base ** s ("power") or base · s ("times")."""

    base: float
    how: str

    def value(self, strength: float) -> float:
        """The parameter's value at strength s."""
        return self.base**strength if self.how == "power" else self.base * strength

    def strength_of(self, value: float) -> float | None:
        """The strength at which the parameter takes `value` (None if none does)."""
        if self.how == "times":
            return value / self.base if self.base else None
        if self.base == 1.0 or value <= 0.0:
            return None
        return math.log(value) / math.log(self.base)

    def as_dict(self) -> dict[str, Any]:
        return {"base": self.base, "as": self.how}


def read_strengths(table: dict[str, Any], where: str) -> dict[str, dict[str, Tie]]:
    """The [strength.NAME] tables of a calibration file: for each strength, its parameters' ties (checked: a known
    numeric parameter, tied once, a finite base, positive and not 1 for a power)."""
    strengths: dict[str, dict[str, Tie]] = {}
    tied: dict[str, str] = {}
    for name, ties in table.items():
        here = f"{where}: strength.{name}"
        if not STRENGTH_NAME.match(name):
            raise ParameterError(here, "a strength's name starts with a letter and uses letters, digits and _ (no dot)")
        if not isinstance(ties, dict) or not ties:
            raise ParameterError(here, 'expected a table of "x.y" = { base = …, as = "power" or "times" }')
        strengths[name] = {}
        for parameter, entry in ties.items():
            field = f"{here}.{parameter}"
            if parameter not in BY_NAME or isinstance(BY_NAME[parameter].default, str):
                raise ParameterError(field, "unknown numeric parameter; `python run.py params` lists them")
            if parameter in tied:
                raise ParameterError(field, f"is tied to strength {tied[parameter]} already; tie it once")
            if not isinstance(entry, dict) or set(entry) != TIE_KEYS:
                raise ParameterError(field, 'expected { base = a number, as = "power" or "times" }')
            base, how = entry["base"], entry["as"]
            if isinstance(base, bool) or not isinstance(base, int | float) or not math.isfinite(base):
                raise ParameterError(f"{field}.base", f"got {base!r}; expected a finite number")
            if how not in HOW:
                raise ParameterError(f"{field}.as", f"got {how!r}; expected 'power' or 'times'")
            if how == "power" and (base <= 0 or base == 1):
                raise ParameterError(f"{field}.base", f"got {base!r}; a power needs a base > 0 other than 1")
            strengths[name][parameter] = Tie(float(base), how)
            tied[parameter] = name
    return strengths


def tied_values(strengths: dict[str, dict[str, Tie]], fitted: dict[str, float]) -> dict[str, float]:
    """The parameter values that the fitted strengths (by name) set."""
    return {parameter: tie.value(fitted[name]) for name, ties in strengths.items() for parameter, tie in ties.items()}


def parameter_values(strengths: dict[str, dict[str, Tie]], fitted: dict[str, float]) -> dict[str, float]:
    """The parameter values of fitted values by [prior] name: the parameters fitted themselves, and those the
    strengths among them set."""
    own = {name: value for name, value in fitted.items() if name not in strengths}
    return own | tied_values(strengths, fitted)


def table_strength(ties: dict[str, Tie], table: dict[str, float]) -> float | None:
    """The strength at which every tied parameter takes its value in `table` (the scenario's), if one does (to
    the rounding of a value shown to three significant digits); None otherwise."""
    found = [tie.strength_of(table[parameter]) for parameter, tie in ties.items()]
    if any(s is None for s in found):
        return None
    if max(found) - min(found) > 0.01 * max(1.0, abs(max(found))):
        return None
    return float(sum(found) / len(found))
