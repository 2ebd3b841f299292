"""Angiogenesis inhibitors: bevacizumab (anti-VEGF-A antibody).

MM cells and marrow stroma secrete VEGF, which drives the marrow angiogenesis of active myeloma. Bevacizumab
binds VEGF-A and keeps it from VEGFR1 and VEGFR2 on endothelial cells (Avastin label). In myeloma it added
little: with bortezomib (15 mg/kg on day 1 of each 21-day cycle) it did not lengthen progression-free survival
(AMBER, White et al. 2013 Cancer 119:339; HR 0.74, P = 0.28), and 10 mg/kg every 2 weeks was tried with or
without thalidomide (California Cancer Consortium, Somlo et al. 2005 ASH abstract, Blood 106:2571).

Pharmacokinetics: the label gives t½ ≈ 20 days (11-50), clearance 0.23 L/day and a central volume of 2.9 L;
with two compartments V1 2.83 L and V2 2.49 L (Cancer Chemother Pharmacol 2013 71:575). One compartment cannot
match both the peak (dose/V1) and the clearance: V = 5 L (≈ V1 + V2) with t½ 20 days reproduces the label's
trough (median 80 µg/mL, 10th-90th percentile 45-128, on day 84 of 5 mg/kg every 2 weeks: model 106 µg/mL) and
puts the first peak of 15 mg/kg at 210 µg/mL (1.4 µM), between dose/(V1 + V2) and dose/V1. Serum levels stay
>100x the EC50, so VEGF is blocked ~95% throughout a cycle.
"""

from niche_abm.drugs.base import Drug, Effect
from niche_abm.drugs.pharmacology import OneCompartment

BEVACIZUMAB = Drug(
    name="bevacizumab",
    drug_class="anti-VEGF-A monoclonal antibody (angiogenesis inhibitor)",
    mechanism="binds VEGF-A so that less VEGF reaches VEGFR2 on endothelial cells",
    effects=(
        Effect(
            "vegf_signalling",
            "inhibit",
            0.95,
            0.001,
            1.0,
            "Avastin label (binds VEGF-A, preventing its binding to VEGFR1/VEGFR2); EC50 1 nM (0.15 µg/mL) an "
            "estimate from its nanomolar-range VEGF-A binding, weaker than VEGF Trap's (Papadopoulos et al. 2012 "
            "Angiogenesis 15:171); Emax 0.95 an estimate",
        ),
    ),
    pk=OneCompartment(
        volume_l=5.0, half_life_h=20 * 24.0, absorption_per_h=None, bioavailability=1.0, molar_mass_g_per_mol=149e3
    ),
    clinical_regimen="1050mg/3w",
    in_vitro_um=0.067,
    sources="15 mg/kg (1050 mg at 70 kg) IV on day 1 of 21-day cycles (AMBER, White et al. 2013 Cancer 119:339); "
    "t½ 20 d and MW 149 kDa (Avastin label); one-compartment V 5 L an estimate ≈ V1 + V2 (2.83 + 2.49 L, "
    "Cancer Chemother Pharmacol 2013 71:575) that meets the label's trough (45-128 µg/mL on day 84 of 5 mg/kg "
    "every 2 weeks); 10 µg/mL (0.067 µM) in vitro an estimate",
)
