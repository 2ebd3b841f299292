"""Pharmacology: Emax/Hill concentration-effect and one-compartment pharmacokinetics.

Concentrations are in µM throughout (molar, so doses in mg are converted with the
drug's molar mass). Times are in hours.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


def emax_effect(concentration_um, emax: float, ec50_um: float, hill: float):
    """E(C) = Emax · C^n / (C^n + EC50^n): the effect at concentration C (0 at C = 0, Emax/2 at EC50)."""
    c = np.maximum(np.asarray(concentration_um, dtype=float), 0.0)
    cn = c**hill
    return emax * cn / (cn + ec50_um**hill)


@dataclass(frozen=True)
class OneCompartment:
    """One-compartment pharmacokinetics with first-order absorption (or an IV bolus).

    C(t) = F·D/V · ka/(ka − ke) · (e^(−ke·t) − e^(−ka·t)) after an extravascular dose D
    (ka ≠ ke), and C(t) = D/V · e^(−ke·t) after an IV bolus; repeated doses superpose.

    Args:
        volume_l: apparent volume of distribution, L.
        half_life_h: elimination half-life, h.
        absorption_per_h: absorption rate constant ka, /h; None for an IV bolus.
        bioavailability: fraction F of an extravascular dose reaching the circulation.
        molar_mass_g_per_mol: to convert mg/L to µM.
    """

    volume_l: float
    half_life_h: float
    absorption_per_h: float | None
    bioavailability: float
    molar_mass_g_per_mol: float

    @property
    def elimination_per_h(self) -> float:
        return float(np.log(2.0) / self.half_life_h)

    def single_dose_um(self, dose_mg: float, hours_since_dose) -> np.ndarray:
        """Concentration (µM) at hours_since_dose (array; negative times give 0) after one dose of dose_mg."""
        t = np.asarray(hours_since_dose, dtype=float)
        ke = self.elimination_per_h
        if self.absorption_per_h is None:
            mg_per_l = dose_mg / self.volume_l * np.exp(-ke * np.maximum(t, 0.0))
        else:
            ka = self.absorption_per_h
            scale = self.bioavailability * dose_mg / self.volume_l
            if np.isclose(ka, ke):
                mg_per_l = scale * ke * np.maximum(t, 0.0) * np.exp(-ke * np.maximum(t, 0.0))
            else:
                tt = np.maximum(t, 0.0)
                mg_per_l = scale * ka / (ka - ke) * (np.exp(-ke * tt) - np.exp(-ka * tt))
        return np.where(t >= 0, mg_per_l * 1e3 / self.molar_mass_g_per_mol, 0.0)

    def concentration_um(self, dose_mg: float, dose_times_h: np.ndarray, t_h: float) -> float:
        """Concentration (µM) at time t_h of repeated doses given at dose_times_h (superposition)."""
        past = dose_times_h[dose_times_h <= t_h]
        return float(self.single_dose_um(dose_mg, t_h - past).sum()) if len(past) else 0.0
