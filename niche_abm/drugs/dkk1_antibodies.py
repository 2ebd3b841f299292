"""Anti-DKK1 antibodies (Wnt-pathway disinhibitors): BHQ880.

MM cells secrete DKK1, a soluble Wnt inhibitor that blocks the LRP5/6 co-receptors of osteoblast-lineage cells
and so holds back bone formation. BHQ880, a human neutralising IgG1 anti-DKK1 antibody, raised osteoblast
differentiation in vitro and osteoblast numbers, serum human osteocalcin and trabecular bone in SCID-hu mice
bearing human MM, and slowed MM growth there (Fulciniti et al. 2009 Blood 114:371). It had no direct effect on
MM cells in vitro (their slower growth on stroma went with less MM-stroma adhesion and IL-6), so here it acts
on DKK1 signalling only; any anti-MM effect has to come through the niche.

In the clinic (phase IB, Iyer et al. 2014 Br J Haematol 167:366) it was given at 3-40 mg/kg IV every 4 weeks
with zoledronic acid and anti-myeloma therapy, with no dose-limiting toxicity; the recommended phase II dose,
10 mg/kg, was chosen mainly on saturation data. No BHQ880 half-life or volume is in the abstracts: the
pharmacokinetics below are those of a typical IgG1 (estimates). At 700 mg every 4 weeks the model peaks at
0.93 µM (140 µg/mL) after the first dose and falls to 0.23 µM by the next, still ~50x the EC50: DKK1 stays
~98% blocked between doses, consistent with dosing chosen for saturation.
"""

from niche_abm.drugs.base import Drug, Effect
from niche_abm.drugs.pharmacology import OneCompartment

BHQ880 = Drug(
    name="bhq880",
    drug_class="anti-DKK1 monoclonal antibody (Wnt-pathway disinhibitor)",
    mechanism="neutralises DKK1 so that Wnt signalling in osteoblast precursors resumes and bone formation recovers",
    effects=(
        Effect(
            "dkk1_signalling",
            "inhibit",
            0.95,
            0.005,
            1.0,
            "Fulciniti et al. 2009 Blood 114:371 (BHQ880 neutralises DKK1: osteoblasts, osteocalcin and "
            "trabecular bone up in SCID-hu MM mice); Emax 0.95 and EC50 5 nM (0.75 µg/mL) estimates: an "
            "antibody a few-fold in molar excess of marrow DKK1 (order 1 nM) with sub-nanomolar affinity",
        ),
    ),
    pk=OneCompartment(
        volume_l=5.0, half_life_h=14 * 24.0, absorption_per_h=None, bioavailability=1.0, molar_mass_g_per_mol=150e3
    ),
    clinical_regimen="700mg/4w",
    in_vitro_um=0.067,
    sources="10 mg/kg (700 mg at 70 kg) IV every 4 weeks, the recommended phase II dose (Iyer et al. 2014 "
    "Br J Haematol 167:366); V 5 L, t½ 14 d and MW 150 kDa estimates for an IgG1 whose target is abundant "
    "(no published BHQ880 pharmacokinetics found); 10 µg/mL (0.067 µM) in vitro an estimate",
)
