"""Immunomodulatory drugs (IMiDs): lenalidomide and pomalidomide.

Bolzoni et al. 2013 Exp Hematol 41:387 (GEO GSE37302): at concentrations reached in
vivo both lower CD49d on MM cells (and, in the dataset, the adhesion molecules ITGA8
and ICAM2/CD102), cut their CCL3, blunt the contact-induced RANKL rise in PreOBs
(normalising RANKL/OPG) and reduce osteoclast formation;
Breitkreutz et al. 2008 Leukemia 22:1925: lenalidomide inhibits osteoclastogenesis.
Effect sizes are not in the abstracts: Emax values are estimates; pomalidomide is
given a 20x lower EC50 (it is the more potent IMiD in the same assays).
"""

from niche_abm.drugs.base import Drug, Effect
from niche_abm.drugs.pharmacology import OneCompartment

_BOLZONI = "Bolzoni et al. 2013 Exp Hematol 41:387 (direction); size an estimate"
_GSE37302 = "GEO GSE37302 (Bolzoni 2013: ITGA8 and ICAM2/CD102 down with CD49d); size an estimate, as CD49d"


def _imid_effects(ec50_um: float) -> tuple[Effect, ...]:
    return (
        Effect("mm_cd49d", "inhibit", 0.5, ec50_um, 1.0, _BOLZONI),
        Effect("mm_itga8", "inhibit", 0.5, ec50_um, 1.0, _GSE37302),
        Effect("mm_icam2", "inhibit", 0.5, ec50_um, 1.0, _GSE37302),
        Effect("mm_ccl3_secretion", "inhibit", 0.6, ec50_um, 1.0, _BOLZONI),
        Effect("stroma_contact_response", "inhibit", 0.7, ec50_um, 1.0, _BOLZONI),
        Effect(
            "osteoclast_formation",
            "inhibit",
            0.5,
            ec50_um,
            1.0,
            "Breitkreutz et al. 2008 Leukemia 22:1925 (direction); size an estimate",
        ),
    )


LENALIDOMIDE = Drug(
    name="lenalidomide",
    drug_class="immunomodulatory drug (IMiD)",
    mechanism="lowers CD49d on MM cells, cuts their CCL3, blunts the contact-induced RANKL rise and OPG fall "
    "in stroma, and inhibits osteoclast formation",
    effects=_imid_effects(ec50_um=1.0),
    pk=OneCompartment(
        volume_l=50.0, half_life_h=3.0, absorption_per_h=2.0, bioavailability=0.9, molar_mass_g_per_mol=259.3
    ),
    clinical_regimen="25mg/1d",
    in_vitro_um=10.0,
    sources="25 mg daily orally, t½ ≈ 3 h, >90% absorbed (Revlimid label); V/F 50 L an estimate giving "
    "Cmax ≈ 1.7 µM; 10 µM in vitro an estimate (a common co-culture dose)",
)

POMALIDOMIDE = Drug(
    name="pomalidomide",
    drug_class="immunomodulatory drug (IMiD)",
    mechanism="as lenalidomide, about 20 times more potent: lowers CD49d, cuts CCL3, blunts the stromal "
    "contact response and inhibits osteoclast formation",
    effects=_imid_effects(ec50_um=0.05),
    pk=OneCompartment(
        volume_l=62.0, half_life_h=7.5, absorption_per_h=1.0, bioavailability=0.73, molar_mass_g_per_mol=273.2
    ),
    clinical_regimen="4mg/1d",
    in_vitro_um=1.0,
    sources="4 mg daily orally, t½ ≈ 7.5 h, V/F ≈ 62 L (Pomalyst label; Cmax ≈ 0.27 µM); 1 µM in vitro an "
    "estimate (a common co-culture dose)",
)
