"""The drug panel's input turned into a regimen, checked as on the command line, and regimens described.

A dose typed in the app becomes the command-line regimen text
(``lenalidomide=10uM``, ``denosumab=120mg/4w``) and goes through the same
:func:`niche_abm.drugs.regimen.parse_regimen`, so a zero, negative or absurd dose
or a mass dose of a drug without pharmacokinetics is refused with the same
message, shown in the panel instead of a traceback.
"""

from __future__ import annotations

import math

from niche_abm.drugs import DRUGS
from niche_abm.drugs.regimen import Regimen, parse_regimen
from niche_abm.params import ParameterError
from niche_abm.units import hours_to_days

CONCENTRATION_UNITS = {"µM": "uM", "nM": "nM", "pM": "pM"}
MASS_UNITS = {"mg": "mg", "mg/m²": "mg/m2"}
UNITS = {**CONCENTRATION_UNITS, **MASS_UNITS}
"""Units offered in the panel, with their spelling in a regimen."""

INTERVALS = {"once": "", "every day": "/1d", "every 3.5 days": "/3.5d", "every week": "/1w", "every 4 weeks": "/4w"}
"""Dosing intervals offered for a mass dose, with their spelling in a regimen."""


def regimen_from_panel(drug: str, amount: float | None, unit: str, interval: str) -> Regimen:
    """The regimen the panel describes, starting now; raises ParameterError naming what is wrong.

    Args:
        drug: a drug name (``python run.py drugs``).
        amount: the dose, in `unit` (None: nothing entered).
        unit: a key of UNITS: a concentration is held constant, a mass is dosed through pharmacokinetics.
        interval: a key of INTERVALS (only for a mass dose).
    """
    if drug not in DRUGS:
        raise ParameterError("drug", f"choose a drug; known: {', '.join(DRUGS)}")
    if amount is None or not math.isfinite(amount):
        raise ParameterError(drug, "enter a dose")
    if amount <= 0:
        raise ParameterError(drug, f"the dose must be positive, got {amount:g} {unit}")
    every = INTERVALS[interval] if unit in MASS_UNITS else ""
    return parse_regimen(f"{drug}={amount:.12g}{UNITS[unit]}{every}")


def default_dose(drug: str) -> tuple[float, str]:
    """The drug's in-vitro concentration as (amount, unit): a starting point for the panel."""
    micromolar = DRUGS[drug].in_vitro_um
    if micromolar >= 0.1:
        return micromolar, "µM"
    return round(micromolar * 1e3, 6), "nM"


def describe(regimen: Regimen, hour: float) -> str:
    """One line for the panel: what is given, from when to when, and the concentration now (µM)."""
    if regimen.concentration_um is not None:
        given = f"held at {regimen.concentration_um:g} µM"
    else:
        every = f" every {hours_to_days(regimen.every_h):g} d" if regimen.every_h else " once"
        given = f"{regimen.dose_mg:g} mg{every}"
    until = f" to day {regimen.stop_day:.1f}" if regimen.stop_day is not None else ""
    now = regimen.concentration_at(hour)
    return f"{regimen.drug.name}: {given} from day {regimen.start_day:.1f}{until}; now {now:.3g} µM"


def reason(error: ParameterError) -> str:
    """The message of an error without the key it names (the panel already shows which drug)."""
    return str(error).split(": ", 1)[-1]
