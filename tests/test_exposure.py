"""A regimen's peak concentration (what the exposure checks of niche_abm.drugs.regimen compare)."""

from __future__ import annotations

import math

import pytest

from niche_abm.drugs.regimen import MIN_CONCENTRATION_UM, parse_regimen


def test_repeated_iv_doses_peak_at_the_plateau_of_superposition():
    """IV bolus every tau: the plateau peak is D/V / (1 - exp(-ke tau)) (one-compartment, superposition)."""
    regimen = parse_regimen("natalizumab=300mg/4w")
    pk = regimen.drug.pk
    single = 300.0 / pk.volume_l * 1e3 / pk.molar_mass_g_per_mol
    plateau = single / (1.0 - math.exp(-pk.elimination_per_h * 4 * 168))
    assert regimen.peak_um() == pytest.approx(plateau, rel=1e-3)


def test_a_regimen_that_stops_early_peaks_below_its_plateau():
    endless, three_doses = parse_regimen("denosumab=120mg/1d"), parse_regimen("denosumab=120mg/1d@day0:day3")
    assert three_doses.peak_um() < endless.peak_um() / 10


def test_one_oral_dose_peaks_where_absorption_and_elimination_balance():
    """After one extravascular dose the peak is at t = ln(ka/ke) / (ka - ke)."""
    regimen = parse_regimen("lenalidomide=25mg")
    pk = regimen.drug.pk
    ka, ke = pk.absorption_per_h, pk.elimination_per_h
    assert regimen.peak_um() == pytest.approx(float(pk.single_dose_um(25.0, math.log(ka / ke) / (ka - ke))), rel=1e-4)


def test_one_molecule_in_a_site_is_about_1_7_picomolar():
    assert MIN_CONCENTRATION_UM * 1e6 == pytest.approx(1.66, abs=0.01)
