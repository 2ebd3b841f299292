"""Proteasome inhibitors: bortezomib.

Bortezomib kills MM cells bound to stroma nearly as well as free ones: it blocks the NF-κB
activation that adhesion triggers, overcoming most cell-adhesion-mediated drug resistance
(Hideshima et al. 2001 Cancer Res 61:3071); its adhesion protection (0.1) is an estimate. Not every study
agrees: Schmidmaier et al. 2004 Blood 104:1825 report a CAM-DR of about 50% to bortezomib as to melphalan.
"""

from niche_abm.drugs.base import Drug, Effect
from niche_abm.drugs.pharmacology import OneCompartment

BORTEZOMIB = Drug(
    name="bortezomib",
    drug_class="proteasome inhibitor",
    mechanism="kills MM cells and, through Runx2, promotes osteoblast differentiation",
    effects=(
        Effect(
            "mm_death",
            "stimulate",
            20.0,
            0.005,
            1.0,
            "estimate: MM cells die at low nM bortezomib in vitro; at saturation a free cell dies within ~2.5 d "
            "(fold 21 on a free death rate of 0.0008/h)",
        ),
        Effect(
            "osteoblast_differentiation",
            "stimulate",
            1.0,
            0.005,
            1.0,
            "Giuliani et al. 2007 Blood 110:334 (Runx2 up, more osteoblasts); Lund et al. 2010 (bALP up); "
            "size an estimate",
        ),
    ),
    pk=OneCompartment(
        volume_l=500.0, half_life_h=40.0, absorption_per_h=None, bioavailability=1.0, molar_mass_g_per_mol=384.2
    ),
    clinical_regimen="2.3mg/3.5d",
    in_vitro_um=0.005,
    adhesion_protection=0.1,
    sources="1.3 mg/m² (2.3 mg at 1.8 m²) IV twice weekly (Velcade label: days 1, 4, 8, 11 of 21; t½ 40-193 h); "
    "V 500 L an estimate",
)
