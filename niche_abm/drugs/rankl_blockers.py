"""RANKL blockers: denosumab (anti-RANKL antibody), recombinant OPG-Fc and RANK-Fc (soluble decoys).

All three sequester RANKL, lowering the free RANKL that reaches RANK on precursors.
Kostenuik et al. 2009 J Bone Miner Res 24:182: denosumab binds RANKL with Kd ≈ 3 pM
and cuts trabecular osteoclast surface by ~95%; Croucher et al. 2001 Blood 98:3534
(OPG-Fc) and Pearse et al. 2001 PNAS 98:11581 (RANK-Fc) prevent myeloma bone loss in mice.
"""

from niche_abm.drugs.base import Drug, Effect
from niche_abm.drugs.pharmacology import OneCompartment

DENOSUMAB = Drug(
    name="denosumab",
    drug_class="anti-RANKL monoclonal antibody",
    mechanism="binds RANKL with picomolar affinity, so almost no RANKL reaches RANK on osteoclast precursors",
    effects=(
        Effect(
            "free_rankl",
            "inhibit",
            0.999,
            0.0005,
            1.0,
            "Kostenuik et al. 2009 JBMR 24:182 (Kd ≈ 3 pM; -95% Oc.S); in-vivo EC50 0.5 nM (0.07 µg/mL) an "
            "estimate: about 100x the Kd for tissue penetration",
        ),
    ),
    pk=OneCompartment(
        volume_l=5.0, half_life_h=28 * 24.0, absorption_per_h=0.01, bioavailability=0.62, molar_mass_g_per_mol=147e3
    ),
    clinical_regimen="120mg/4w",
    in_vitro_um=0.007,
    sources="120 mg s.c. every 4 weeks (Xgeva label: t½ ≈ 28 d, F ≈ 62%, Tmax ≈ 10 d); V/F 5 L an estimate; "
    "1 µg/mL (0.007 µM) in vitro an estimate",
)

OPG_FC = Drug(
    name="opg-fc",
    drug_class="recombinant RANKL decoy (osteoprotegerin-Fc)",
    mechanism="adds soluble OPG that binds RANKL, lowering free RANKL",
    effects=(
        Effect(
            "free_rankl",
            "inhibit",
            0.95,
            0.01,
            1.0,
            "Croucher et al. 2001 Blood 98:3534 (prevents lesions in 5T2MM); EC50 an estimate",
        ),
    ),
    pk=OneCompartment(
        volume_l=5.0, half_life_h=4 * 24.0, absorption_per_h=0.02, bioavailability=0.5, molar_mass_g_per_mol=100e3
    ),
    clinical_regimen="210mg/1w",
    in_vitro_um=0.01,
    sources="estimate: 3 mg/kg s.c. (70 kg) weekly after AMGN-0007 (Body et al. 2003 Cancer 97:887); "
    "t½ ≈ 4 d an estimate",
)

RANK_FC = Drug(
    name="rank-fc",
    drug_class="recombinant RANKL decoy (RANK-Fc)",
    mechanism="a soluble RANK that binds RANKL before it reaches RANK on precursors",
    effects=(
        Effect(
            "free_rankl",
            "inhibit",
            0.95,
            0.02,
            1.0,
            "Pearse et al. 2001 PNAS 98:11581 (blocks myeloma bone destruction in SCID-hu); EC50 an estimate",
        ),
    ),
    pk=OneCompartment(
        volume_l=5.0, half_life_h=4 * 24.0, absorption_per_h=0.02, bioavailability=0.5, molar_mass_g_per_mol=100e3
    ),
    clinical_regimen="210mg/1w",
    in_vitro_um=0.02,
    sources="estimate: no clinical regimen; dosed as OPG-Fc for comparison",
)
