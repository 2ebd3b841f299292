"""The drug panel's input turned into a regimen, checked as on the command line, and regimens described.

A dose typed in the app goes straight to :func:`niche_abm.drugs.regimen.given`,
the constructor every regimen goes through, so a zero, negative or absurd dose
or a mass dose of a drug without pharmacokinetics is refused with the command
line's message, shown in the panel instead of a traceback.
"""

from __future__ import annotations

import math
from dataclasses import replace

from niche_abm.drugs import DRUGS
from niche_abm.drugs.regimen import Regimen, check_left_out, clinical, given
from niche_abm.params import ParameterError
from niche_abm.units import hours_to_days

CONCENTRATION_UNITS = {"µM": "um", "nM": "nm", "pM": "pm"}
MASS_UNITS = {"mg": "mg", "mg/m²": "mg/m2"}
UNITS = {**CONCENTRATION_UNITS, **MASS_UNITS}
"""Units offered in the panel, with their spelling in the regimen tables (CONCENTRATION_UM, MASS_MG)."""

INTERVALS = {"once": None, "every day": 24.0, "every 3.5 days": 84.0, "every week": 168.0, "every 4 weeks": 672.0}
"""Dosing intervals offered for a mass dose, h (None: a single dose)."""


def regimen_from_panel(
    drug: str, amount: float | str | None, unit: str, interval: str, left_out: tuple[str, ...] = ()
) -> Regimen:
    """The regimen the panel describes, starting at day 0 (the model moves it to now); raises ParameterError
    naming the drug and what is wrong.

    Args:
        drug: a drug name (``python run.py drugs``).
        amount: the dose, in `unit`, as a number or as typed (None or blank: nothing entered).
        unit: a key of UNITS: a concentration is held constant, a mass is dosed through pharmacokinetics.
        interval: a key of INTERVALS (only for a mass dose).
        left_out: targets of the drug whose effects are left out (``NAME~TARGET`` on the command line).
    """
    if drug not in DRUGS:
        raise ParameterError("drug", f"choose a drug; known: {', '.join(DRUGS)}")
    if isinstance(amount, str):
        try:
            amount = float(amount) if amount.strip() else None
        except ValueError:
            raise ParameterError(drug, f"dose {amount.strip()!r} is not a number; enter a dose") from None
    if amount is None or not math.isfinite(amount):
        raise ParameterError(drug, "enter a dose")
    every_h = INTERVALS[interval] if unit in MASS_UNITS else None
    without = check_left_out(DRUGS[drug], tuple(left_out), drug)
    return replace(given(DRUGS[drug], amount, UNITS[unit], every_h, 0.0, None, drug), without=without)


def default_dose(drug: str) -> tuple[float, str]:
    """The drug's in-vitro concentration as (amount, unit): a starting point for the panel."""
    micromolar = DRUGS[drug].in_vitro_um
    if micromolar >= 0.1:
        return micromolar, "µM"
    return round(micromolar * 1e3, 6), "nM"


def default_interval(drug: str) -> str:
    """The dosing interval of the drug's clinical regimen, as the panel offers it (a key of INTERVALS); "once"
    for a drug given once or with no clinical regimen."""
    regimen = clinical(DRUGS[drug]) if DRUGS[drug].clinical_regimen else None
    every_h = regimen.every_h if regimen is not None else None
    return next((label for label, hours in INTERVALS.items() if hours == every_h), "once")


def describe(regimen: Regimen, hour: float) -> str:
    """One line for the panel: what is given, from when to when, and the concentration now (µM)."""
    if regimen.concentration_um is not None:
        given = f"held at {regimen.concentration_um:g} µM"
    else:
        every = f" every {hours_to_days(regimen.every_h):g} d" if regimen.every_h else " once"
        given = f"{regimen.dose_mg:g} mg{every}"
    until = f" to day {regimen.stop_day:.1f}" if regimen.stop_day is not None else ""
    now = regimen.concentration_at(hour)
    without = f" without {', '.join(regimen.without)}" if regimen.without else ""
    return f"{regimen.drug.name}{without}: {given} from day {regimen.start_day:.1f}{until}; now {now:.3g} µM"
