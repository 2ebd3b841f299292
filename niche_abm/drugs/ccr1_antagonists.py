"""CCR1 antagonists: MLN3897."""

from niche_abm.drugs.base import Drug, Effect
from niche_abm.drugs.pharmacology import OneCompartment

MLN3897 = Drug(
    name="mln3897",
    drug_class="CCR1 antagonist",
    mechanism="blocks the CCL3 receptor CCR1, so precursors are no longer drawn by CCL3, osteoclasts no longer "
    "activated by it and osteoblasts no longer held back by it",
    effects=(
        Effect(
            "ccl3_signalling",
            "inhibit",
            0.95,
            0.01,
            1.0,
            "Vallet et al. 2007 Blood 110:3744 (osteoclast formation -40%, resorption -70%); potency an estimate",
        ),
    ),
    pk=OneCompartment(
        volume_l=100.0, half_life_h=12.0, absorption_per_h=1.0, bioavailability=0.5, molar_mass_g_per_mol=500.0
    ),
    clinical_regimen="10mg/1d",
    in_vitro_um=0.1,
    sources="estimate: 10 mg daily orally as in rheumatoid-arthritis trials; PK estimates",
)
