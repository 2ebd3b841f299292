"""Anti-CD49d (α4 integrin) antibody: natalizumab."""

from niche_abm.drugs.base import Drug, Effect
from niche_abm.drugs.pharmacology import OneCompartment

NATALIZUMAB = Drug(
    name="natalizumab",
    drug_class="anti-α4 integrin (CD49d) monoclonal antibody",
    mechanism="blocks VLA-4 on MM cells so they cannot bind VCAM-1 on stroma",
    effects=(
        Effect(
            "mm_adhesion",
            "inhibit",
            0.9,
            0.007,
            1.0,
            "Giuliani et al. 2001 Blood 98:3527 (anti-VLA-4 partly prevents the stromal RANKL rise); "
            "EC50 ≈ 1 µg/mL (α4 saturation, Tysabri label) an estimate",
        ),
    ),
    pk=OneCompartment(
        volume_l=5.7, half_life_h=11 * 24.0, absorption_per_h=None, bioavailability=1.0, molar_mass_g_per_mol=149e3
    ),
    clinical_regimen="300mg/4w",
    in_vitro_um=0.07,
    sources="300 mg IV every 4 weeks, t½ ≈ 11 d, V ≈ 5.7 L (Tysabri label); 10 µg/mL in vitro an estimate",
)
