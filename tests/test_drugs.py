"""Drugs: Emax/Hill effects, one-compartment pharmacokinetics, regimens, Bliss composition, mechanisms, CLI.

Pharmacology is checked against numbers worked out by hand; each drug's mechanism
against its documented target and direction, and end to end on small niches
(60 x 60 sites, a few simulated days, treated against untreated at the same seed).
"""

from __future__ import annotations

import json
import math
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from conftest import QUIET_WORLD, REPO_ROOT, alive, live_forever, place, settle, tiny_model

from niche_abm import NicheModel, build_parameters, load_scenario
from niche_abm.cells import MyelomaCell, Osteoclast, OsteoclastPrecursor, StromalCell
from niche_abm.drugs import DRUGS, TARGETS, Effect
from niche_abm.drugs.pharmacology import OneCompartment, emax_effect
from niche_abm.drugs.regimen import BODY_SURFACE_M2, Regimen, Treatment, parse_regimen
from niche_abm.params import ParameterError

# --- Emax / Hill -----------------------------------------------------------------------------


def test_emax_effect_is_half_emax_at_ec50():
    assert emax_effect(2.0, emax=0.8, ec50_um=2.0, hill=1.0) == pytest.approx(0.4)
    assert emax_effect(2.0, emax=0.8, ec50_um=2.0, hill=3.0) == pytest.approx(0.4)


def test_emax_effect_is_zero_without_drug():
    assert emax_effect(0.0, emax=0.8, ec50_um=2.0, hill=1.5) == 0.0


def test_hill_two_at_three_ec50_gives_nine_tenths_of_emax():
    """3² / (3² + 1²) = 0.9."""
    assert emax_effect(3.0, emax=0.6, ec50_um=1.0, hill=2.0) == pytest.approx(0.9 * 0.6)


def test_emax_effect_saturates_at_emax():
    assert emax_effect(1e6, emax=0.7, ec50_um=0.1, hill=1.0) == pytest.approx(0.7, rel=1e-6)


# --- one-compartment pharmacokinetics ---------------------------------------------------------

ZOLEDRONATE_LIKE = OneCompartment(
    volume_l=10.0, half_life_h=146.0, absorption_per_h=None, bioavailability=1.0, molar_mass_g_per_mol=272.1
)
LENALIDOMIDE_LIKE = OneCompartment(
    volume_l=50.0, half_life_h=3.0, absorption_per_h=2.0, bioavailability=0.9, molar_mass_g_per_mol=259.3
)


def test_iv_bolus_halves_after_one_half_life_in_micromolar():
    """4 mg in 10 L is 0.4 mg/L; one half-life later 0.2 mg/L = 0.2e-3 g/L / 272.1 g/mol = 0.735 µM."""
    expected_um = 0.2e-3 / 272.1 * 1e6
    assert expected_um == pytest.approx(0.73502, rel=1e-4)
    assert ZOLEDRONATE_LIKE.single_dose_um(4.0, 146.0) == pytest.approx(expected_um, rel=1e-12)
    assert ZOLEDRONATE_LIKE.single_dose_um(4.0, 0.0) == pytest.approx(2 * expected_um, rel=1e-12)


def test_oral_dose_follows_the_bateman_function():
    """25 mg, F 0.9, V 50 L, ka 2 /h, ke ln2/3 /h, at t = 2 h: 0.45 · 1.1306 · 0.6117 = 0.3112 mg/L = 1.200 µM."""
    ke = math.log(2) / 3.0
    mg_per_l = 0.9 * 25.0 / 50.0 * 2.0 / (2.0 - ke) * (math.exp(-ke * 2.0) - math.exp(-2.0 * 2.0))
    expected_um = mg_per_l * 1e3 / 259.3
    assert expected_um == pytest.approx(1.2001, rel=1e-4)
    assert LENALIDOMIDE_LIKE.single_dose_um(25.0, 2.0) == pytest.approx(expected_um, rel=1e-12)


def test_absorption_equal_to_elimination_uses_the_limit_f_d_over_v_ke_t_exp():
    """ka = ke: C = F·D/V · ke·t · e^(−ke·t), and the ka ≠ ke formula tends to it."""
    ke = math.log(2) / 10.0
    equal = OneCompartment(50.0, 10.0, ke, 0.8, 300.0)
    near = OneCompartment(50.0, 10.0, ke * (1 + 1e-6), 0.8, 300.0)
    t = 7.0
    expected_um = 0.8 * 100.0 / 50.0 * ke * t * math.exp(-ke * t) * 1e3 / 300.0
    assert equal.single_dose_um(100.0, t) == pytest.approx(expected_um, rel=1e-12)
    assert near.single_dose_um(100.0, t) == pytest.approx(expected_um, rel=1e-5)


def test_repeated_doses_superpose_single_doses():
    doses = np.array([0.0, 24.0, 48.0])
    total = LENALIDOMIDE_LIKE.concentration_um(25.0, doses, 60.0)
    singles = sum(float(LENALIDOMIDE_LIKE.single_dose_um(25.0, 60.0 - d)) for d in doses)
    assert total == pytest.approx(singles, rel=1e-12)
    assert total > float(LENALIDOMIDE_LIKE.single_dose_um(25.0, 12.0))


def test_concentration_is_zero_before_the_first_dose():
    assert LENALIDOMIDE_LIKE.concentration_um(25.0, np.array([24.0, 48.0]), 10.0) == 0.0
    assert ZOLEDRONATE_LIKE.single_dose_um(4.0, -5.0) == 0.0
    assert LENALIDOMIDE_LIKE.single_dose_um(25.0, -0.5) == 0.0


def test_repeated_iv_trough_reaches_the_geometric_series_limit():
    """Trough before dose N+1 = Σ_{k=1..N} D/V·e^(−ke·k·τ) → D/V·e^(−ke·τ)/(1 − e^(−ke·τ)).

    Half-life 24 h, τ = 24 h: e^(−ke·τ) = 1/2, so the trough tends to D/V = 1 mg/L = 1e3/500 µM = 2 µM.
    """
    pk = OneCompartment(10.0, 24.0, None, 1.0, 500.0)
    tau, n = 24.0, 80
    r = math.exp(-pk.elimination_per_h * tau)
    expected_um = 10.0 / 10.0 * r / (1 - r) * 1e3 / 500.0
    assert expected_um == pytest.approx(2.0)
    trough = pk.concentration_um(10.0, np.arange(n) * tau, n * tau - 1e-9)
    assert trough == pytest.approx(expected_um, rel=1e-9)


# --- effects, drugs and their composition ----------------------------------------------------


def test_inhibiting_effect_multiplies_by_one_minus_e():
    effect = Effect("mm_ccl3_secretion", "inhibit", 0.6, 1.0, 1.0, "test")
    assert effect.multiplier(1.0) == pytest.approx(1 - 0.3)
    assert effect.multiplier(0.0) == 1.0


def test_stimulating_effect_multiplies_by_one_plus_e():
    effect = Effect("mm_death", "stimulate", 4.0, 0.005, 1.0, "test")
    assert effect.multiplier(0.005) == pytest.approx(1 + 2.0)


def test_drug_multipliers_cover_each_of_its_targets():
    """Zoledronic acid at its EC50 (0.1 µM): death fold 1 + 3/2, resorption 1 − 0.7/2."""
    factors = DRUGS["zoledronic-acid"].multipliers(0.1)
    assert factors == pytest.approx({"osteoclast_death": 2.5, "resorption": 0.65})


def test_two_drugs_on_one_target_compose_by_bliss_independence():
    """LEN 10 µM (EC50 1) and POM 1 µM (EC50 0.05), both Emax 0.6 on CCL3 secretion: (1 − 0.6·10/11)(1 − 0.6·1/1.05)."""
    treatment = Treatment([parse_regimen("lenalidomide=10uM"), parse_regimen("pomalidomide=1uM")])
    expected = (1 - 0.6 * 10 / 11) * (1 - 0.6 * 1 / 1.05)
    assert treatment.multipliers(0.0)["mm_ccl3_secretion"] == pytest.approx(expected, rel=1e-12)


def test_treatment_leaves_untouched_targets_at_one():
    factors = Treatment([parse_regimen("denosumab=0.01uM")]).multipliers(0.0)
    assert set(factors) == set(TARGETS)
    assert factors["free_rankl"] < 1.0
    assert all(v == 1.0 for k, v in factors.items() if k != "free_rankl")
    assert Treatment().multipliers(100.0) == dict.fromkeys(TARGETS, 1.0)


def test_fixed_concentration_is_held_only_between_start_and_stop_days():
    regimen = parse_regimen("lenalidomide=10uM@day2:day4")
    assert regimen.concentration_at(47.0) == 0.0
    assert regimen.concentration_at(48.0) == 10.0
    assert regimen.concentration_at(95.0) == 10.0
    assert regimen.concentration_at(96.0) == 0.0
    assert Treatment([regimen]).multipliers(47.0)["mm_ccl3_secretion"] == 1.0


def test_dosed_drug_is_absent_before_its_start_day_and_decays_after_its_stop_day():
    regimen = parse_regimen("bortezomib=2.3mg/3.5d@day1:day6")
    assert regimen.concentration_at(23.0) == 0.0
    assert regimen.concentration_at(24.0) > 0.0
    after = [regimen.concentration_at(h) for h in (7 * 24.0, 9 * 24.0, 14 * 24.0)]
    assert after[0] > after[1] > after[2] > 0.0
    last_doses = regimen.dose_times_h(6 * 24.0)
    assert regimen.concentration_at(14 * 24.0) == pytest.approx(
        DRUGS["bortezomib"].pk.concentration_um(2.3, last_doses, 14 * 24.0), rel=1e-12
    )


# --- regimen syntax ---------------------------------------------------------------------------


def test_fixed_concentration_from_a_start_day_parses():
    r = parse_regimen("lenalidomide=10uM@day14")
    assert (r.drug.name, r.concentration_um, r.dose_mg, r.every_h, r.start_day, r.stop_day) == (
        "lenalidomide",
        10.0,
        None,
        None,
        14.0,
        None,
    )


def test_mass_dose_every_four_weeks_parses_to_hours():
    r = parse_regimen("denosumab=120mg/4w")
    assert (r.concentration_um, r.dose_mg, r.every_h, r.start_day, r.stop_day) == (None, 120.0, 672.0, 0.0, None)


def test_body_surface_dose_with_window_parses():
    """1.3 mg/m² x 1.8 m² = 2.34 mg every 3.5 d = 84 h, days 7 to 63."""
    r = parse_regimen("bortezomib=1.3mg/m2/3.5d@day7:day63")
    assert r.dose_mg == pytest.approx(1.3 * BODY_SURFACE_M2)
    assert (r.every_h, r.start_day, r.stop_day) == (84.0, 7.0, 63.0)


def test_drug_name_alone_gives_its_default_clinical_regimen():
    r = parse_regimen("denosumab")
    assert (r.concentration_um, r.dose_mg, r.every_h, r.start_day) == (None, 120.0, 672.0, 0.0)


def test_stop_day_may_omit_the_word_day():
    assert parse_regimen("lenalidomide=10uM@day14:60").stop_day == 60.0
    r = parse_regimen("denosumab@day14:60")
    assert (r.dose_mg, r.start_day, r.stop_day) == (120.0, 14.0, 60.0)


@pytest.mark.parametrize(
    "text",
    [
        "lenalidomide=10uM@day14",
        "denosumab=120mg/4w",
        "bortezomib=1.3mg/m2/3.5d@day7:day63",
        "denosumab",
        "lenalidomide=10uM@day14:60",
        "pomalidomide=50nM",
        "zoledronic-acid=4mg",
        "melphalan=9mg/m2/1d@day0:day4",
        "dexamethasone",
        "siltuximab=770mg/3w@day7",
    ],
)
def test_regimen_text_round_trips_through_parse_regimen(text):
    regimen = parse_regimen(text)
    again = parse_regimen(regimen.text)
    assert isinstance(again, Regimen)
    assert again.text == regimen.text
    assert (again.drug, again.every_h, again.start_day, again.stop_day) == (
        regimen.drug,
        regimen.every_h,
        regimen.start_day,
        regimen.stop_day,
    )
    for field in ("concentration_um", "dose_mg"):
        before, after = getattr(regimen, field), getattr(again, field)
        assert (after is None) == (before is None)
        assert after is None or after == pytest.approx(before, rel=1e-12)


def test_regimen_text_keeps_every_digit_of_the_dose():
    regimen = parse_regimen("lenalidomide=1.2345678uM")
    assert parse_regimen(regimen.text).concentration_um == regimen.concentration_um


@pytest.mark.parametrize(
    "text, message",
    [
        ("lenalidomid=10uM", "unknown drug 'lenalidomid' (did you mean 'lenalidomide'?)"),
        ("lenalidomide=-5uM", "dose -5 must be positive"),
        ("lenalidomide=0uM", "dose 0 must be positive"),
        ("lenalidomide=20mM", "20000 µM is absurd for lenalidomide; allowed up to 10000 µM"),
        ("denosumab=5g/4w", "5000 mg is absurd for denosumab; allowed up to 2400 mg"),
        ("denosumab=5kg", "unknown unit 'kg'"),
        ("denosumab=120mg/4y", "unknown interval unit 'y'"),
        ("lenalidomide=10uM@day14:day7", "stop day 7 is not after start day 14"),
        ("lenalidomide=10uM/1d", "a concentration is held constant; an interval needs a mass dose"),
        ("lenalidomide==10uM", "expected NAME"),
        ("lenalidomide=10uM@14", "expected NAME"),
    ],
)
def test_bad_regimen_raises_parameter_error_naming_the_problem(text, message):
    with pytest.raises(ParameterError, match=f"--drug {text}: .*") as caught:
        parse_regimen(text)
    assert message in str(caught.value)


def test_regimen_starting_after_the_run_ends_is_refused():
    regimen = parse_regimen("lenalidomide=10uM@day14")
    regimen.check_within(14)
    with pytest.raises(ParameterError, match="starts on day 14, after the run ends on day 7"):
        regimen.check_within(7)


# --- each drug's mechanism -------------------------------------------------------------------

DOWN, UP = "down", "up"
# a drug's kill reaching MM cells bound to stroma: up, but less than its kill of free cells (CAM-DR)
PROTECTED_UP = "up, less than the same kill of free cells"
IMID = {
    "mm_cd49d": DOWN,
    "mm_itga8": DOWN,
    "mm_icam2": DOWN,
    "mm_ccl3_secretion": DOWN,
    "stroma_contact_response": DOWN,
    "osteoclast_formation": DOWN,
}
DOCUMENTED_TARGETS = {
    "lenalidomide": IMID,
    "pomalidomide": IMID,
    "denosumab": {"free_rankl": DOWN},
    "opg-fc": {"free_rankl": DOWN},
    "rank-fc": {"free_rankl": DOWN},
    "natalizumab": {"mm_adhesion": DOWN},
    "zoledronic-acid": {"osteoclast_death": UP, "resorption": DOWN},
    "bortezomib": {"mm_death": UP, "mm_death_adherent": PROTECTED_UP, "osteoblast_differentiation": UP},
    "mln3897": {"ccl3_signalling": DOWN},
    "bhq880": {"dkk1_signalling": DOWN},
    "bevacizumab": {"vegf_signalling": DOWN},
    "siltuximab": {"il6_signalling": DOWN},
    "atacicept": {"april_signalling": DOWN},
    "melphalan": {"mm_death": UP, "mm_death_adherent": PROTECTED_UP},
    "dexamethasone": {"mm_death_il6": UP, "mm_death_adherent_il6": PROTECTED_UP},
}


def test_every_drug_has_its_documented_targets_listed_here():
    assert set(DOCUMENTED_TARGETS) == set(DRUGS)


@pytest.mark.parametrize("name", sorted(DOCUMENTED_TARGETS))
def test_drug_at_high_concentration_moves_only_its_documented_targets(name):
    """At 100x the in-vitro concentration, model.effects moves each documented target its way; the rest stay 1."""
    params = build_parameters({"grid.width": 20, "grid.height": 20, **QUIET_WORLD})
    regimen = parse_regimen(f"{name}={100 * DRUGS[name].in_vitro_um:g}uM")
    model = NicheModel(params, seed=0, bone=np.zeros((20, 20)), drugs=(regimen,))
    model.step()
    expected = DOCUMENTED_TARGETS[name]
    for target, factor in model.effects.items():
        if target not in expected:
            assert factor == 1.0, target
        elif expected[target] == DOWN:
            assert factor < 0.7, target
        elif expected[target] == PROTECTED_UP:
            free_target = target.replace("_adherent", "")
            assert 1.0 < factor < model.effects[free_target], target
        else:
            assert factor > 1.5, target


# --- the five drugs added with DKK1, VEGF, IL-6 and CAM-DR: regimens, exposure, adhesion protection ------------


def peak_um(regimen: Regimen, from_h: float, to_h: float, step_h: float) -> float:
    """Highest concentration (µM) of a regimen between two hours, sampled every step_h."""
    return max(regimen.concentration_at(t) for t in np.arange(from_h, to_h, step_h))


IGG_FIRST_DOSE_H = (0.0, 24.0, 1.0)
ORAL_FIRST_DOSE_H = (0.0, 12.0, 0.05)
STEADY_STATE_SILTUXIMAB_H = (5 * 21 * 24.0, 5 * 21 * 24.0 + 24.0, 1.0)  # the 6th infusion (label: steady state)


@pytest.mark.parametrize(
    "name, window, low_um, high_um",
    [
        # No published BHQ880 peak (Iyer et al. 2014 Br J Haematol 167:366 give dose and saturation only): an IgG's
        # first peak after 10 mg/kg (700 mg) lies between dose / 8 L (upper IgG Vss) and dose / 3 L (plasma).
        ("bhq880", IGG_FIRST_DOSE_H, 700 / 8.0 / 150.0, 700 / 3.0 / 150.0),
        # Bevacizumab 15 mg/kg (1050 mg): first peak between dose / (V1 + V2) and dose / V1, V1 2.83 L and
        # V2 2.49 L (Cancer Chemother Pharmacol 2013 71:575), 149 kDa: 1.32-2.49 µM.
        ("bevacizumab", IGG_FIRST_DOSE_H, 1050 / (2.83 + 2.49) / 149.0, 1050 / 2.83 / 149.0),
        # Siltuximab 11 mg/kg every 3 weeks: steady-state Cmax 332 µg/mL, CV 42% (Sylvant label), ±1 SD, 145 kDa:
        # 1.33-3.25 µM.
        ("siltuximab", STEADY_STATE_SILTUXIMAB_H, 332 * (1 - 0.42) / 145.0, 332 * (1 + 0.42) / 145.0),
        # Melphalan 9 mg/m² orally: very-high-dose oral peaks of 0.354-1.768 µg/mL at 75-80 mg/m² (Boros et al.
        # 1990) scaled to 9 mg/m² give 0.14-0.65 µM; the oral AUC of 53 ± 33 µg·min/mL after 0.6 mg/kg (Alberts
        # et al. 1979 Clin Pharmacol Ther 26:737), scaled and with a 1.5-h half-life, gives peaks of 0.11-0.49 µM.
        # Range: 0.1 µM to the highest of these, 0.65 µM.
        ("melphalan", ORAL_FIRST_DOSE_H, 0.1, 1.768 * 9 / 80 / 305.2 * 1e3),
        # Dexamethasone 40 mg orally: twice the 20-mg Cmax of 194.6 (fed) to 257.2 ng/mL (fasting) of the 2020
        # crossover study of 20-mg tablets in 36 volunteers (linear kinetics assumed), 392.5 g/mol: 0.99-1.31 µM.
        ("dexamethasone", ORAL_FIRST_DOSE_H, 2 * 194.6 / 392.5, 2 * 257.2 / 392.5),
    ],
)
def test_default_regimen_of_each_new_drug_parses_and_peaks_in_the_published_range(name, window, low_um, high_um):
    regimen = parse_regimen(f"{name}={DRUGS[name].clinical_regimen}")
    assert regimen.dose_mg is not None
    assert regimen.every_h is not None
    assert low_um <= peak_um(regimen, *window) <= high_um


def test_bevacizumab_trough_matches_the_label():
    """5 mg/kg (350 mg) every 2 weeks: trough on day 84 median 80.3 µg/mL, 10th-90th percentile 45-128 (Avastin
    label population simulation), 149 kDa."""
    regimen = parse_regimen("bevacizumab=350mg/2w")
    trough_ug_per_ml = regimen.concentration_at(84 * 24.0 - 1e-6) * 149.0
    assert 45.0 <= trough_ug_per_ml <= 128.0


@pytest.mark.parametrize("name", ["melphalan", "dexamethasone", "bortezomib"])
def test_adhesion_to_stroma_protects_myeloma_cells_from_the_drugs_kill(name):
    drug = DRUGS[name]
    suffix = "_il6" if drug.il6_rescued else ""
    factors = drug.multipliers(drug.in_vitro_um)
    free, adherent = factors["mm_death" + suffix], factors["mm_death_adherent" + suffix]
    assert 1.0 < adherent < free
    assert adherent == pytest.approx(1.0 + (free - 1.0) * (1.0 - drug.adhesion_protection), rel=1e-12)


def test_only_dexamethasone_is_rescued_by_il6():
    """Lichtenstein et al. 1995: IL-6 blocks dexamethasone-induced apoptosis, not that of DNA-damaging drugs;
    Hideshima et al. 2001: IL-6 does not protect against bortezomib."""
    assert [name for name, drug in DRUGS.items() if drug.il6_rescued] == ["dexamethasone"]


def test_bortezomib_overcomes_adhesion_better_than_melphalan_and_dexamethasone():
    """Hideshima et al. 2001: bortezomib overcomes most CAM-DR; Damiano et al. 1999: adhesion protects from
    melphalan; IL-6 from stroma protects from dexamethasone most of all (Lichtenstein et al. 1995)."""
    protection = {name: DRUGS[name].adhesion_protection for name in ("bortezomib", "melphalan", "dexamethasone")}
    assert protection["bortezomib"] < protection["melphalan"] < protection["dexamethasone"]


# The scale the cytotoxic drugs' Emax values were set against (their module docstrings): a free MM cell's death
# rate without drug or IL-6 support, the model's mm.death_rate_free (0.0008/h).
FREE_DEATH_RATE_PER_H = build_parameters().mm.death_rate_free


def test_melphalan_in_vitro_kills_a_third_to_a_half_of_free_myeloma_cells_in_48_hours():
    """P = 1 − exp(−r·(1 + E)·48) at the in-vitro default with the model's free death rate r (0.0008/h):
    melphalan 30-50% (44%), dexamethasone less (30%), both above the untreated (4%)."""
    rate = FREE_DEATH_RATE_PER_H

    def killed(name: str) -> float:
        drug = DRUGS[name]
        target = "mm_death_il6" if drug.il6_rescued else "mm_death"
        return 1.0 - math.exp(-rate * drug.multipliers(drug.in_vitro_um)[target] * 48.0)

    untreated = 1.0 - math.exp(-rate * 48.0)
    assert 0.30 <= killed("melphalan") <= 0.50
    assert untreated < killed("dexamethasone") < killed("melphalan")


SMALL_NICHE = {"grid.width": 60, "grid.height": 60}


def run_niche(drug: str | None, days: int = 3, seed: int = 3) -> NicheModel:
    """mm_niche on a 60 x 60 grid for a few days, with one drug or none."""
    scenario = load_scenario("mm_niche", SMALL_NICHE)
    model = NicheModel(scenario, seed=seed, drugs=(parse_regimen(drug),) if drug else ())
    model.run(days)
    return model


@pytest.fixture(scope="module")
def untreated() -> NicheModel:
    return run_niche(None)


def mm_cells(model: NicheModel) -> list:
    return model.lattice.cells_of(MyelomaCell)[0]


def test_denosumab_lowers_free_rankl(untreated):
    treated = run_niche("denosumab=0.07uM")
    assert treated.signals.map("free_rankl").mean() < 0.2 * untreated.signals.map("free_rankl").mean()


def test_lenalidomide_lowers_ccl3_from_myeloma(untreated):
    treated = run_niche("lenalidomide=10uM")
    assert mm_cells(treated)
    assert treated.signals.map("ccl3").mean() < 0.7 * untreated.signals.map("ccl3").mean()


def test_natalizumab_lowers_the_share_of_adherent_myeloma_cells():
    """At 1 µM adhesion falls to ~11% of its rate, with detachment unchanged (0.02 /h): among the MM cells that
    touch a stromal cell (only those can adhere) the adherent share falls, pooled over three seeds after six days,
    by more than a tenth. Measured at eefbf21: 0.906 -> 0.761 (0.84x; single seeds 0.81-0.87x after six days,
    0.82-0.93x after one to three, which is why one seed at three days is no test). The rates alone would give
    0.95 -> 0.68 at equilibrium; cells that are not adherent move on, so the cells that stay beside stroma are
    enriched for adherent ones."""

    def adherent_next_to_stroma(model):
        cells, sites = model.lattice.cells_of(MyelomaCell)
        next_to_stroma = model.niche.touching(StromalCell.code, sites)
        return [cell.adherent for cell, near in zip(cells, next_to_stroma, strict=True) if near]

    shares = {
        drug: np.mean([a for seed in (1, 2, 3) for a in adherent_next_to_stroma(run_niche(drug, days=6, seed=seed))])
        for drug in (None, "natalizumab=1uM")
    }
    assert shares["natalizumab=1uM"] < 0.9 * shares[None]


def test_bortezomib_kills_myeloma_cells(untreated):
    treated = run_niche("bortezomib=0.1uM")
    assert len(mm_cells(treated)) < 0.6 * len(mm_cells(untreated))


def test_zoledronic_acid_shortens_osteoclast_life_and_cuts_resorption():
    """20 osteoclasts on the surface of a bone wall, immortal unless killed, 24 h with and without 10 µM zoledronic
    acid."""

    def culture(drug: str | None):
        bone = np.zeros((20, 20))
        bone[:5, :] = 1.0
        model = tiny_model(bone, **{"stroma.eroded_surface_recruitment": 0.0})
        osteoclasts = live_forever(*place(model, Osteoclast, *[(4, y) for y in range(20)], nuclei=2))
        model.treatment = Treatment([parse_regimen(drug)] if drug else [])
        settle(model)
        for _ in range(24):
            model.step()
        return sum(alive(oc) for oc in osteoclasts), model.counters["resorbed"]

    survivors_untreated, resorbed_untreated = culture(None)
    survivors_treated, resorbed_treated = culture("zoledronic-acid=10uM")
    assert survivors_untreated == 20
    assert survivors_treated < 20
    assert resorbed_treated < 0.5 * resorbed_untreated


def test_mln3897_blocks_ccl3_signalling_and_precursor_recruitment(untreated):
    treated = run_niche("mln3897=10uM")
    assert treated.effects["ccl3_signalling"] < 0.1
    assert untreated.effects["ccl3_signalling"] == 1.0

    assert treated.count(OsteoclastPrecursor) < untreated.count(OsteoclastPrecursor)


# --- the command line ------------------------------------------------------------------------


def run_cli(*args: str) -> subprocess.CompletedProcess:
    """`python run.py args` from the repository root."""
    return subprocess.run(
        [sys.executable, "run.py", *args], cwd=REPO_ROOT, capture_output=True, text=True, timeout=120, check=False
    )


SMALL_RUN = ["run", "mm_niche", "--days", "2", "--set", "grid.width=40", "--set", "grid.height=40"]


def test_drugs_command_lists_every_drug_with_class_and_default_regimen():
    result = run_cli("drugs")
    assert result.returncode == 0, result.stderr
    for drug in DRUGS.values():
        assert f"{drug.name}  ({drug.drug_class})" in result.stdout
        if drug.clinical_regimen:
            assert f"--drug {drug.name}={drug.clinical_regimen}" in result.stdout


def test_run_with_a_drug_records_its_concentration_and_regimen(tmp_path):
    out = tmp_path / "run"
    result = run_cli(*SMALL_RUN, "--drug", "denosumab=120mg/4w", "--out", str(out))
    assert result.returncode == 0, result.stderr
    series = pd.read_parquet(out / "timeseries.parquet")
    assert "conc_denosumab_um" in series
    assert (series["conc_denosumab_um"].iloc[1:] > 0).all()
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["drugs"] == ["denosumab=120mg/28d@day0"]


@pytest.mark.parametrize(
    "drug, expected",
    [
        ("lenalidomid=10uM", "did you mean 'lenalidomide'"),
        ("denosumab=-120mg/4w", "must be positive"),
        ("denosumab=5kg", "unknown unit 'kg'"),
        ("lenalidomide=10uM@day5", "after the run ends on day 2"),
    ],
)
def test_bad_drug_exits_2_with_one_line_and_writes_nothing(tmp_path, drug, expected, command_here):
    out = tmp_path / "run"
    result = command_here(*SMALL_RUN, "--drug", drug, "--out", str(out))
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert expected in lines[0]
    assert "Traceback" not in result.stderr
    assert not out.exists()


def scenario_file(tmp_path, drugs: str):
    path = tmp_path / "treated.toml"
    path.write_text(
        f'description = "a small treated niche"\ndays = 2\ndrugs = {drugs}\n\n'
        "[grid]\nwidth = 40\nheight = 40\n\n[mm]\ninitial_count = 20\ninitial_foci = 2\n",
        encoding="utf-8",
    )
    return path


def test_scenario_file_drugs_run_and_record_their_exposure(tmp_path):
    out = tmp_path / "run"
    result = run_cli("run", str(scenario_file(tmp_path, '["lenalidomide=10uM@day1"]')), "--out", str(out))
    assert result.returncode == 0, result.stderr
    series = pd.read_parquet(out / "timeseries.parquet")
    assert list(series["conc_lenalidomide_um"]) == [0.0, 10.0, 10.0]
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["drugs"] == ["lenalidomide=10uM@day1"]


@pytest.mark.parametrize(
    "drugs, expected", [("[5]", "expected a list of regimens"), ('["lenalidomid=10uM"]', "unknown drug")]
)
def test_bad_drugs_in_a_scenario_file_exit_2(tmp_path, drugs, expected, command_here):
    out = tmp_path / "run"
    result = command_here("run", str(scenario_file(tmp_path, drugs)), "--out", str(out))
    assert result.returncode == 2
    assert expected in result.stderr
    assert "Traceback" not in result.stderr
    assert not out.exists()
