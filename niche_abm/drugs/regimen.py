"""Regimens: which drug, how much, how often, from when to when; and the treatment they add up to.

Written as ``NAME[=AMOUNT UNIT[/EVERY]][@dayS[:dayE]]``, for example::

    lenalidomide=10uM@day14        a fixed 10 µM from day 14 on (a co-culture well, or a clamp)
    denosumab=120mg/4w             120 mg every 4 weeks from day 0, through its pharmacokinetics
    bortezomib=1.3mg/m2/3.5d@day7:day63
    denosumab                      the drug's default clinical regimen

Concentration units (pM, nM, uM or µM, mM) hold the drug at that concentration;
mass units (ug or µg, mg, g, and mg/m2 for 1.8 m² of body surface) are doses given
at the start day and then every EVERY (h, d or w) until the stop day, with the
concentration from the drug's one-compartment pharmacokinetics.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

import numpy as np

from niche_abm.drugs import DRUGS, TARGETS, Drug
from niche_abm.params import ParameterError

BODY_SURFACE_M2 = 1.8
CONCENTRATION_UM = {"pm": 1e-6, "nm": 1e-3, "um": 1.0, "µm": 1.0, "mm": 1e3}
MASS_MG = {"ug": 1e-3, "µg": 1e-3, "mg": 1.0, "g": 1e3, "mg/m2": BODY_SURFACE_M2}
HOURS = {"h": 1.0, "d": 24.0, "w": 168.0}
MAX_FOLD_OF_DEFAULT = 20.0

_PATTERN = re.compile(
    r"^(?P<name>[a-z0-9-]+)"
    r"(?:=(?P<amount>[-+0-9.eE]+)\s*(?P<unit>[a-zA-Zµ]+(?:/m2)?)(?:/(?P<every>[0-9.]*)(?P<every_unit>[a-z]+))?)?"
    r"(?:@day(?P<start>[-+0-9.]+)(?::(?:day)?(?P<stop>[-+0-9.]+))?)?$"
)


@dataclass(frozen=True)
class Regimen:
    """One drug given one way.

    Attributes:
        drug: the drug.
        concentration_um: fixed concentration, µM (None when dosed by mass).
        dose_mg: dose per administration, mg (None when held at a concentration).
        every_h: dosing interval, h (None: a single dose).
        start_day, stop_day: when it is given (stop None: to the end).
    """

    drug: Drug
    concentration_um: float | None
    dose_mg: float | None
    every_h: float | None
    start_day: float
    stop_day: float | None

    @property
    def text(self) -> str:
        """The regimen in the command-line syntax."""
        if self.concentration_um is not None:
            amount = f"{self.concentration_um:.12g}uM"
        else:
            amount = f"{self.dose_mg:.12g}mg" + (f"/{self.every_h / 24:.12g}d" if self.every_h else "")
        stop = f":day{self.stop_day:.12g}" if self.stop_day is not None else ""
        return f"{self.drug.name}={amount}@day{self.start_day:.12g}{stop}"

    def dose_times_h(self, until_h: float) -> np.ndarray:
        """Hours at which doses are given, up to until_h (inclusive) and before the stop day (exclusive)."""
        start = self.start_day * 24.0
        times = np.array([start]) if self.every_h is None else np.arange(start, until_h + 1e-9, self.every_h)
        times = times[times <= until_h]
        return times if self.stop_day is None else times[times < self.stop_day * 24.0]

    def concentration_at(self, t_h: float) -> float:
        """Concentration at hour t_h, µM."""
        if self.concentration_um is not None:
            on = t_h >= self.start_day * 24.0 and (self.stop_day is None or t_h < self.stop_day * 24.0)
            return self.concentration_um if on else 0.0
        return self.drug.pk.concentration_um(self.dose_mg, self.dose_times_h(t_h), t_h)

    def check_within(self, days: float) -> None:
        """Raise if the regimen starts after the end of a run of `days` days."""
        if self.start_day > days:
            raise ParameterError(
                f"--drug {self.drug.name}", f"starts on day {self.start_day:g}, after the run ends on day {days:g}"
            )


def parse_regimen(text: str) -> Regimen:
    """Parse one regimen (see the module docstring); raises ParameterError naming what is wrong."""
    key = f"--drug {text}"
    match = _PATTERN.match(text.strip().lower().replace(" ", ""))
    if not match:
        raise ParameterError(key, "expected NAME[=AMOUNT UNIT[/EVERY]][@dayS[:dayE]], e.g. lenalidomide=10uM@day14")
    name = match["name"]
    if name not in DRUGS:
        close = difflib.get_close_matches(name, DRUGS, n=1, cutoff=0.5)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise ParameterError(key, f"unknown drug {name!r}{hint}; `python run.py drugs` lists them")
    drug = DRUGS[name]
    start = float(match["start"]) if match["start"] else 0.0
    stop = float(match["stop"]) if match["stop"] else None
    if start < 0:
        raise ParameterError(key, f"start day {start:g} is negative")
    if stop is not None and stop <= start:
        raise ParameterError(key, f"stop day {stop:g} is not after start day {start:g}")
    if match["amount"] is None:
        if not drug.clinical_regimen:
            raise ParameterError(key, f"{name} has no default clinical regimen; give a dose")
        default = parse_regimen(f"{name}={drug.clinical_regimen}")
        return Regimen(drug, None, default.dose_mg, default.every_h, start, stop)
    try:
        amount = float(match["amount"])
    except ValueError:
        raise ParameterError(key, f"dose {match['amount']!r} is not a number") from None
    if not np.isfinite(amount) or amount <= 0:
        raise ParameterError(key, f"dose {amount:g} must be positive")
    unit = match["unit"]
    every = _interval_h(key, match["every"], match["every_unit"])
    if unit in CONCENTRATION_UM:
        if every is not None:
            raise ParameterError(key, "a concentration is held constant; an interval needs a mass dose (mg)")
        um = amount * CONCENTRATION_UM[unit]
        ceiling = 1000.0 * drug.in_vitro_um
        if um > ceiling:
            raise ParameterError(key, f"{um:g} µM is absurd for {name}; allowed up to {ceiling:g} µM")
        return Regimen(drug, um, None, None, start, stop)
    if unit in MASS_MG:
        if drug.pk is None:
            raise ParameterError(key, f"{name} has no pharmacokinetics here; give a concentration (uM)")
        mg = amount * MASS_MG[unit]
        default_mg = _default_dose_mg(drug)
        if mg > MAX_FOLD_OF_DEFAULT * default_mg:
            raise ParameterError(
                key, f"{mg:g} mg is absurd for {name}; allowed up to {MAX_FOLD_OF_DEFAULT * default_mg:g} mg"
            )
        return Regimen(drug, None, mg, every, start, stop)
    units = ", ".join([*CONCENTRATION_UM, *MASS_MG])
    raise ParameterError(key, f"unknown unit {unit!r}; expected one of {units}")


def _interval_h(key: str, number: str | None, unit: str | None) -> float | None:
    if unit is None:
        return None
    if unit not in HOURS:
        raise ParameterError(key, f"unknown interval unit {unit!r}; expected h, d or w")
    hours = (float(number) if number else 1.0) * HOURS[unit]
    if hours < 1.0:
        raise ParameterError(key, f"dosing interval of {hours:g} h is shorter than one step (1 h)")
    return hours


def _default_dose_mg(drug: Drug) -> float:
    amount, unit = re.match(r"([0-9.]+)([a-zµ]+(?:/m2)?)", drug.clinical_regimen).groups()
    return float(amount) * MASS_MG[unit]


class Treatment:
    """All regimens of a run: the concentration of each drug and the composed effect on each target, hour by hour."""

    def __init__(self, regimens: list[Regimen] | tuple[Regimen, ...] = ()):
        self.regimens = tuple(regimens)

    def __bool__(self) -> bool:
        return bool(self.regimens)

    @property
    def drug_names(self) -> list[str]:
        return list(dict.fromkeys(r.drug.name for r in self.regimens))

    def concentrations(self, t_h: float) -> dict[str, float]:
        """Concentration of each drug at hour t_h, µM (regimens of the same drug add)."""
        out = dict.fromkeys(self.drug_names, 0.0)
        for regimen in self.regimens:
            out[regimen.drug.name] += regimen.concentration_at(t_h)
        return out

    def multipliers(self, t_h: float) -> dict[str, float]:
        """Composed factor on every target at hour t_h (1 where no drug acts; Bliss independence)."""
        out = dict.fromkeys(TARGETS, 1.0)
        for name, concentration in self.concentrations(t_h).items():
            for target, factor in DRUGS[name].multipliers(concentration).items():
                out[target] *= factor
        return out
