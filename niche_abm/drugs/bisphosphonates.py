"""Bisphosphonates: zoledronic acid."""

from niche_abm.drugs.base import Drug, Effect
from niche_abm.drugs.pharmacology import OneCompartment

ZOLEDRONIC_ACID = Drug(
    name="zoledronic-acid",
    drug_class="nitrogen-containing bisphosphonate",
    mechanism="taken up by resorbing osteoclasts, it blocks farnesyl pyrophosphate synthase: osteoclasts "
    "resorb less and die sooner",
    effects=(
        Effect(
            "osteoclast_death",
            "stimulate",
            3.0,
            0.1,
            1.0,
            "Croucher et al. 2003 JBMR 18:482 (fewer osteoclasts, lesions prevented in 5T2MM); size an estimate",
        ),
        Effect("resorption", "inhibit", 0.7, 0.1, 1.0, "Croucher et al. 2003 JBMR 18:482; size an estimate"),
    ),
    pk=OneCompartment(
        volume_l=10.0, half_life_h=146.0, absorption_per_h=None, bioavailability=1.0, molar_mass_g_per_mol=272.1
    ),
    clinical_regimen="4mg/4w",
    in_vitro_um=1.0,
    sources="4 mg IV every 4 weeks, terminal t½ ≈ 146 h (Zometa label); V 10 L an estimate for the bone-available pool",
)
