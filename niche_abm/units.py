"""Scales of the model and the unit conversions every module shares.

One grid site is a 10 µm square, about one cell diameter; the 2-D section is
one site (10 µm) thick, so a site holds 1 pL of tissue. One model step is one
hour of real time. These are constants of the model, not parameters: every
rate in the parameter table is written for them.
"""

SITE_UM = 10.0
"""Edge of one grid site, µm."""

SECTION_UM = 10.0
"""Thickness of the simulated section, µm (one cell)."""

STEP_H = 1.0
"""Real time of one model step, hours."""

SITE_VOLUME_PL = SITE_UM * SITE_UM * SECTION_UM * 1e-3
"""Tissue volume of one site, pL (1 µm³ = 1e-3 pL)."""

AVOGADRO = 6.02214076e23

PM_PER_MOLECULE_PER_PL = 1.0 / (AVOGADRO * 1e-12) * 1e12
"""Concentration of one molecule in one picolitre, pM (≈ 1.66 pM)."""


def pm_to_pg_per_ml(concentration_pm: float, mass_kda: float) -> float:
    """Convert a concentration in pM to pg/mL for a protein of mass_kda.

    1 pM = 1e-12 mol/L, times mass_kda·1e3 g/mol = mass_kda·1e-9 g/L = mass_kda pg/mL.
    """
    return concentration_pm * mass_kda


def sites_to_mm2(n_sites: float) -> float:
    """Area of n_sites grid sites, mm²."""
    return n_sites * (SITE_UM * 1e-3) ** 2


def hours_to_days(hours: float) -> float:
    """Hours to days."""
    return hours / 24.0
