"""Regimens: which drug, how much, how often, from when to when; and the treatment they add up to.

Written as ``NAME[~TARGET...][=AMOUNT UNIT[/EVERY]][@dayS[:dayE]]``, for example::

    lenalidomide=10uM@day14        a fixed 10 µM from day 14 on (a co-culture well, or a clamp)
    denosumab=120mg/4w             120 mg every 4 weeks from day 0, through its pharmacokinetics
    bortezomib=1.3mg/m2/3.5d@day7:day63
    denosumab                      the drug's default clinical regimen
    lenalidomide~mm_ccl3_secretion=10uM
                                   lenalidomide without its effect on MM cells' CCL3 secretion (a knock-out
                                   of one action, to ask which of the drug's actions an outcome needs)

Each ``~TARGET`` leaves out the drug's effects on one of its targets (``python run.py drugs`` lists each drug's
effects and targets); at least one effect must remain.

Concentration units (pM, nM, uM or µM, mM) hold the drug at that concentration;
mass units (ug or µg, mg, g, and mg/m2 for 1.8 m² of body surface) are doses given
at the start day and then every EVERY (h, d or w) until the stop day, with the
concentration from the drug's one-compartment pharmacokinetics.

Every regimen's exposure is checked when it is read: the highest concentration it
reaches (repeated doses accumulate) may not exceed 1000x the drug's in-vitro
concentration, and must reach one molecule in a 10 µm site (about 1.7 pM), below
which a dose is no dose at all.
"""

from __future__ import annotations

import difflib
import math
import re
import unicodedata
from dataclasses import dataclass, replace

import numpy as np

from niche_abm.drugs import DRUGS, TARGETS, Drug
from niche_abm.params import ParameterError
from niche_abm.units import PM_PER_MOLECULE_PER_PL, SITE_VOLUME_PL

BODY_SURFACE_M2 = 1.8
CONCENTRATION_UM = {"pm": 1e-6, "nm": 1e-3, "um": 1.0, "µm": 1.0, "mm": 1e3}
MASS_MG = {"ug": 1e-3, "µg": 1e-3, "mg": 1.0, "g": 1e3, "mg/m2": BODY_SURFACE_M2}
HOURS = {"h": 1.0, "d": 24.0, "w": 168.0}
MAX_FOLD_OF_DEFAULT = 20.0
"""Largest single mass dose, as a multiple of the drug's default clinical dose."""
MAX_FOLD_OF_IN_VITRO = 1000.0
"""Highest concentration a regimen may reach, as a multiple of the drug's in-vitro concentration."""
MIN_CONCENTRATION_UM = PM_PER_MOLECULE_PER_PL / SITE_VOLUME_PL * 1e-6
"""One molecule in one site, µM (≈ 1.7e-6): a regimen that never reaches it gives no drug."""
PLATEAU_HALF_LIVES = 10.0
"""Repeated doses reach 99.9% of their plateau within this many of the drug's slowest half-lives."""

_DOSE = r"(?P<amount>[-+0-9.eE]+)\s*(?P<unit>[a-zA-Zµ]+(?:/m2)?)(?:/(?P<every>[0-9.]*)(?P<every_unit>[a-z]+))?"
_PATTERN = re.compile(
    rf"^(?P<name>[^=@/]+?)(?:={_DOSE})?(?:@day(?P<start>[-+0-9.]+)(?::(?:day)?(?P<stop>[-+0-9.]+))?)?$"
)
_DOSE_PATTERN = re.compile(rf"^{_DOSE}$")


@dataclass(frozen=True)
class Regimen:
    """One drug given one way.

    Attributes:
        drug: the drug, as registered.
        concentration_um: fixed concentration, µM (None when dosed by mass).
        dose_mg: dose per administration, mg (None when held at a concentration).
        every_h: dosing interval, h (None: a single dose).
        start_day, stop_day: when it is given (stop None: to the end).
        without: targets of the drug whose effects are left out (:meth:`Drug.leaving_out`); () = none.
    """

    drug: Drug
    concentration_um: float | None
    dose_mg: float | None
    every_h: float | None
    start_day: float
    stop_day: float | None
    without: tuple[str, ...] = ()

    @property
    def text(self) -> str:
        """The regimen in the command-line syntax."""
        if self.concentration_um is not None:
            amount = f"{self.concentration_um:.12g}uM"
        else:
            amount = f"{self.dose_mg:.12g}mg" + (f"/{self.every_h / 24:.12g}d" if self.every_h else "")
        stop = f":day{self.stop_day:.12g}" if self.stop_day is not None else ""
        left_out = "".join(f"~{target}" for target in self.without)
        return f"{self.drug.name}{left_out}={amount}@day{self.start_day:.12g}{stop}"

    @property
    def acting(self) -> Drug:
        """The drug with the effects this regimen leaves out removed: what acts on the model."""
        return self.drug.leaving_out(self.without) if self.without else self.drug

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

    def peak_um(self) -> float:
        """The highest concentration the regimen reaches, µM: a held concentration itself; repeated doses
        superposed up to the stop day, or until their accumulation reaches its plateau."""
        if self.concentration_um is not None:
            return self.concentration_um
        pk = self.drug.pk
        ke = pk.elimination_per_h
        ka = pk.absorption_per_h
        slowest_h = math.log(2.0) / min(ke, ka or ke)
        single_peak_h = 0.0 if ka is None or math.isclose(ka, ke) else math.log(ka / ke) / (ka - ke)
        doses = 1
        if self.every_h is not None:
            plateau = math.ceil(PLATEAU_HALF_LIVES * slowest_h / self.every_h) + 1
            window_h = None if self.stop_day is None else (self.stop_day - self.start_day) * 24.0
            doses = plateau if window_h is None else min(plateau, math.ceil(window_h / self.every_h))
        after_last = np.linspace(0.0, single_peak_h + (self.every_h or 0.0), 512)
        since = after_last[:, None] + np.arange(doses)[None, :] * (self.every_h or 0.0)
        return float(pk.single_dose_um(self.dose_mg, since).sum(axis=1).max())

    def check_within(self, days: float) -> None:
        """Raise if the regimen starts after the end of a run of `days` days."""
        if self.start_day > days:
            raise ParameterError(
                f"--drug {self.drug.name}", f"starts on day {self.start_day:g}, after the run ends on day {days:g}"
            )


def parse_regimen(text: str) -> Regimen:
    """Parse one regimen (see the module docstring); raises ParameterError naming what is wrong."""
    key = f"--drug {text}"
    match = _PATTERN.match(_plain(text))
    if not match:
        raise ParameterError(
            key, "expected NAME[~TARGET...][=AMOUNT UNIT[/EVERY]][@dayS[:dayE]], e.g. lenalidomide=10uM@day14"
        )
    name, *left_out = match["name"].split("~")
    drug = find_drug(name, key)
    without = check_left_out(drug, tuple(left_out), key)
    start = float(match["start"]) if match["start"] else 0.0
    stop = float(match["stop"]) if match["stop"] else None
    if match["amount"] is None:
        regimen = clinical(drug, start, stop, key)
    else:
        regimen = given(drug, *_dose(match, key), start, stop, key)
    return replace(regimen, without=without)


def check_left_out(drug: Drug, targets: tuple[str, ...], key: str) -> tuple[str, ...]:
    """The targets a regimen leaves out of the drug's effects, each once and each one of its targets, with at
    least one target left; ParameterError(key) naming the drug's targets otherwise."""
    allowed = ", ".join(drug.targets)
    for target in targets:
        if target not in drug.targets:
            raise ParameterError(key, f"{drug.name} has no effect on {target!r} to leave out; its targets: {allowed}")
    if len(set(targets)) < len(targets):
        raise ParameterError(key, "a target is left out twice")
    if targets and set(targets) >= set(drug.targets):
        raise ParameterError(key, f"leaves out every effect of {drug.name} ({allowed}); give no drug instead")
    return targets


def parse_dose(text: str, key: str) -> tuple[float, str, float | None]:
    """A dose written ``AMOUNT UNIT[/EVERY]`` (``10uM``, ``120mg/4w``) as (amount, unit as spelled in
    CONCENTRATION_UM or MASS_MG, interval in h or None); ParameterError(key) if it is not written so."""
    match = _DOSE_PATTERN.match(_plain(text))
    if not match:
        raise ParameterError(key, f"got {text!r}; expected AMOUNT UNIT[/EVERY], e.g. 10uM or 120mg/4w")
    return _dose(match, key)


def clinical(drug: Drug, start_day: float = 0.0, stop_day: float | None = None, key: str = "--drug") -> Regimen:
    """The drug's default clinical regimen (``Drug.clinical_regimen``) from start_day to stop_day, checked as
    :func:`given`; ParameterError(key) for a drug that has none."""
    if not drug.clinical_regimen:
        raise ParameterError(key, f"{drug.name} has no default clinical regimen; give a dose")
    return given(drug, *parse_dose(drug.clinical_regimen, key), start_day, stop_day, key)


def given(
    drug: Drug,
    amount: float,
    unit: str,
    every_h: float | None,
    start_day: float,
    stop_day: float | None,
    key: str,
) -> Regimen:
    """A regimen checked as every regimen is: ParameterError(key) naming what cannot be given.

    Args:
        drug: the drug.
        amount: the dose, in unit; positive.
        unit: a concentration unit of CONCENTRATION_UM (held constant, no interval) or a mass unit of MASS_MG
            (dosed through the drug's pharmacokinetics, at most MAX_FOLD_OF_DEFAULT times its clinical dose).
        every_h: dosing interval of a mass dose, h (at least one step); None for a single dose.
        start_day, stop_day: when it is given, days (start ≥ 0; stop after start, or None: to the end).

    The peak exposure must lie within :func:`check_exposure`'s limits.
    """
    if start_day < 0:
        raise ParameterError(key, f"start day {start_day:g} is negative")
    if stop_day is not None and stop_day <= start_day:
        raise ParameterError(key, f"stop day {stop_day:g} is not after start day {start_day:g}")
    if not np.isfinite(amount):
        raise ParameterError(key, f"dose {amount:g} is not a finite amount; expected a positive number, e.g. 10uM")
    if amount <= 0:
        raise ParameterError(key, f"dose {amount:g} must be positive")
    if every_h is not None and every_h < 1.0:
        raise ParameterError(key, f"dosing interval of {every_h:g} h is shorter than one step (1 h)")
    if unit in CONCENTRATION_UM:
        if every_h is not None:
            raise ParameterError(key, "a concentration is held constant; an interval needs a mass dose (mg)")
        return check_exposure(Regimen(drug, amount * CONCENTRATION_UM[unit], None, None, start_day, stop_day), key)
    if unit in MASS_MG:
        if drug.pk is None:
            raise ParameterError(key, f"{drug.name} has no pharmacokinetics here; give a concentration (uM)")
        mg = amount * MASS_MG[unit]
        most_mg = MAX_FOLD_OF_DEFAULT * _default_dose_mg(drug)
        if mg > most_mg:
            raise ParameterError(key, f"{mg:g} mg is absurd for {drug.name}; allowed up to {most_mg:g} mg")
        return check_exposure(Regimen(drug, None, mg, every_h, start_day, stop_day), key)
    units = ", ".join([*CONCENTRATION_UM, *MASS_MG])
    raise ParameterError(key, f"unknown unit {unit!r}; expected one of {units}")


def find_drug(name: str, key: str) -> Drug:
    """The drug of this command-line name; ParameterError(key) with the closest name (accents ignored) if none."""
    if name in DRUGS:
        return DRUGS[name]
    plain = "".join(c for c in unicodedata.normalize("NFKD", name) if not unicodedata.combining(c))
    close = difflib.get_close_matches(plain, DRUGS, n=1, cutoff=0.5)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    raise ParameterError(key, f"unknown drug {name!r}{hint}; `python run.py drugs` lists them")


def check_exposure(regimen: Regimen, key: str) -> Regimen:
    """The regimen, if its peak concentration lies between one molecule a site and MAX_FOLD_OF_IN_VITRO times
    the drug's in-vitro concentration; ParameterError(key) naming the peak and the limit otherwise."""
    drug, peak = regimen.drug, regimen.peak_um()
    ceiling = MAX_FOLD_OF_IN_VITRO * drug.in_vitro_um
    reached = f"{peak:g} µM"
    if regimen.dose_mg is not None:
        every = f" every {regimen.every_h:g} h" if regimen.every_h is not None else ""
        reached = f"{regimen.dose_mg:g} mg{every} reaches {peak:.3g} µM, which"
    if peak > ceiling:
        raise ParameterError(
            key,
            f"{reached} is absurd for {drug.name}; allowed up to {ceiling:g} µM "
            f"({MAX_FOLD_OF_IN_VITRO:g}x its in-vitro {drug.in_vitro_um:g} µM)",
        )
    if peak < MIN_CONCENTRATION_UM:
        raise ParameterError(
            key,
            f"{reached} is less than one molecule in a 10 µm site ({MIN_CONCENTRATION_UM:.2g} µM): no dose; "
            "give at least that, or leave the drug out",
        )
    return regimen


def _plain(text: str) -> str:
    """A regimen or dose as matched: lower case, no spaces."""
    return text.strip().lower().replace(" ", "")


def _dose(match: re.Match, key: str) -> tuple[float, str, float | None]:
    """The amount, unit and interval (h) of a matched dose."""
    try:
        amount = float(match["amount"])
    except ValueError:
        raise ParameterError(key, f"dose {match['amount']!r} is not a number") from None
    return amount, match["unit"], _interval_h(key, match["every"], match["every_unit"])


def _interval_h(key: str, number: str | None, unit: str | None) -> float | None:
    if unit is None:
        return None
    if unit not in HOURS:
        raise ParameterError(key, f"unknown interval unit {unit!r}; expected h, d or w")
    return (float(number) if number else 1.0) * HOURS[unit]


def _default_dose_mg(drug: Drug) -> float:
    amount, unit, _ = parse_dose(drug.clinical_regimen, f"{drug.name}: clinical_regimen")
    return amount * MASS_MG[unit]


class Treatment:
    """All regimens of a run: the concentration of each drug and the composed effect on each target, hour by hour.

    Regimens of one drug that leave out the same effects add their concentrations (one pool of the drug); a
    regimen that leaves out other effects is a pool of its own, composed with the rest as another drug is (so a
    drug stopped whole and restarted without an action changes what acts, not how much of it there is).
    """

    def __init__(self, regimens: list[Regimen] | tuple[Regimen, ...] = ()):
        self.regimens = tuple(regimens)
        self._acting = {(r.drug.name, r.without): r.acting for r in self.regimens}
        """What acts in each pool (drug name, effects left out), made once rather than every hour."""

    def __bool__(self) -> bool:
        return bool(self.regimens)

    @property
    def drug_names(self) -> list[str]:
        return list(dict.fromkeys(r.drug.name for r in self.regimens))

    def concentrations(self, t_h: float) -> dict[str, float]:
        """Concentration of each drug at hour t_h, µM (regimens of the same drug add, whatever they leave out)."""
        out = dict.fromkeys(self.drug_names, 0.0)
        for regimen in self.regimens:
            out[regimen.drug.name] += regimen.concentration_at(t_h)
        return out

    def multipliers(self, t_h: float) -> dict[str, float]:
        """Composed factor on every target at hour t_h (1 where no drug acts; Bliss independence across drugs
        and across the pools of one drug that leave out different effects)."""
        pools = dict.fromkeys(self._acting, 0.0)
        for regimen in self.regimens:
            pools[regimen.drug.name, regimen.without] += regimen.concentration_at(t_h)
        out = dict.fromkeys(TARGETS, 1.0)
        for pool, concentration in pools.items():
            for target, factor in self._acting[pool].multipliers(concentration).items():
                out[target] *= factor
        return out
