"""Cell rules as data: each rule is one readable sentence attached to the function that executes it.

A rule function is decorated with ``@rule(cell, sentence)``; the sentence names
its parameters in braces, ``{stroma.contact_rankl_fold}``. ``python run.py rules``
prints every registered rule with the parameter values, units and sources
filled in from the parameter table, so the list is read from the same code the
model runs and cannot drift from it (PhysiCell's cell-rules grammar, Johnson et al.).
A rule also names the drug targets (``niche_abm.drugs.base.TARGETS``) whose
multipliers it applies, so the listing says which drugs change it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from niche_abm.drugs import DRUGS
from niche_abm.params import BY_NAME, Parameters, build_parameters
from niche_abm.world import kernels

_PLACEHOLDER = re.compile(r"\{([a-z0-9_.]+)\}")
_UNITLESS = ("", "fraction", "relative", "probability")


@dataclass(frozen=True)
class Rule:
    """One hypothesis about one cell kind, and the function that executes it."""

    cell: str
    sentence: str
    function: Callable
    drug_targets: tuple[str, ...] = ()

    @property
    def parameters(self) -> list[str]:
        """The parameter names the sentence cites, in order."""
        return list(dict.fromkeys(_PLACEHOLDER.findall(self.sentence)))

    def describe(self, params: Parameters) -> str:
        """The rule as one sentence with its values, units and sources."""

        def value(match: re.Match) -> str:
            p = BY_NAME[match.group(1)]
            unit = (
                "x"
                if p.unit == "x"
                else ("" if p.unit in ("", "fraction", "relative", "probability") else f" {p.unit}")
            )
            return f"{params[p.name]:g}{unit}"

        sources = "; ".join(dict.fromkeys(_short_source(BY_NAME[n].source) for n in self.parameters))
        return f"In {self.cell}, {_PLACEHOLDER.sub(value, self.sentence)} ({sources}).{self._drugs()}"

    def _drugs(self) -> str:
        """' Drugs: name (target), ...' for the drugs acting on this rule's targets, or ''."""
        acting = [
            f"{drug.name} ({effect.target})"
            for drug in DRUGS.values()
            for effect in drug.effects
            if effect.target in self.drug_targets
        ]
        return f" Drugs: {', '.join(dict.fromkeys(acting))}." if acting else ""


RULES: list[Rule] = []


def rule(cell: str, sentence: str, drug_targets: tuple[str, ...] = ()) -> Callable[[Callable], Callable]:
    """Register the decorated function as the rule the sentence states, with the drug targets it applies."""

    def register(function: Callable) -> Callable:
        RULES.append(Rule(cell, sentence, function, drug_targets))
        return function

    return register


def rules_text(params: Parameters | None = None) -> str:
    """Every registered rule as a numbered sentence with the values of params (default: the table's); `run.py rules`.
    Each cell module registers its rules as it loads (``import niche_abm.cells`` loads them all)."""
    params = params or build_parameters()
    return "\n".join(f"{i:2d}. {rule.describe(params)}" for i, rule in enumerate(RULES, start=1))


def _short_source(source: str) -> str:
    """The citation part of a source entry: up to the first colon-free clause."""
    head = source.split(";")[0].split(":")[0].strip()
    return head if len(head) < 70 else head[:67] + "..."


def probability(rate_per_h: float | object, dt_h: float = 1.0):
    """Chance that an event with the given hourly rate happens within dt_h: 1 - exp(-rate·dt)."""
    return -np.expm1(-np.asarray(rate_per_h) * dt_h)


def happens(draws: np.ndarray, rate_per_h: float | np.ndarray, dt_h: float = 1.0) -> np.ndarray:
    """Whether each event happens within dt_h, given one uniform draw in [0, 1) per event and its hourly rate (a
    rate per event, or one for all): draw < :func:`probability` (rate, dt_h), the same comparison element by element.

    The chance 1 - exp(-x) never exceeds x = rate·dt, so the exponential is evaluated only for the draws below x
    (compiled, :func:`niche_abm.world.kernels.happens`): at hourly rates a few percent of the events, where the
    exponential over every event was most of a phase's arithmetic (docs/performance.md).
    """
    rates = np.asarray(rate_per_h, dtype=float)
    if rates.ndim == 0:
        return draws < -np.expm1(-rates * dt_h)
    return kernels.happens(draws, rates, float(dt_h))


def gamma_lifespans(rng: np.random.Generator, n: int, mean_h: float, shape: float) -> np.ndarray:
    """n lifespans (h) drawn from a gamma distribution with the given mean and shape."""
    return rng.gamma(shape, mean_h / shape, size=n)


def hill(x, half: float, n: float):
    """Increasing Hill function x^n / (x^n + half^n), 0..1."""
    x = np.asarray(x, dtype=float)
    xn = np.power(np.maximum(x, 0.0), n)
    return xn / (xn + half**n)
