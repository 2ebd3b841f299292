"""APRIL/BLyS decoy receptors: atacicept (TACI-Ig).

Osteoclasts express APRIL and BAFF (BLyS) highly and keep MM cells alive through them (Abe et al. 2006 Leukemia
20:1313; Yaccoby et al. 2008 Leukemia 22:406); APRIL raises Mcl-1 and Bcl-2 in MM cells and protects them from
dexamethasone (Moreaux et al. 2004 Blood 103:3148). Atacicept, the extracellular domain of TACI fused to a human
IgG1 Fc, binds and neutralises both. It slowed the growth of TACI-high primary MM in SCID-hu mice and in
co-culture with osteoclasts (Yaccoby et al. 2008). In a phase I study in MM and Waldenström's macroglobulinemia
(Rossi et al. 2009 Br J Cancer 101:1051: five weekly subcutaneous doses of 2-10 mg/kg; 15 weekly doses of
10 mg/kg in the extension) it was well tolerated, and marrow MM cells and soluble CD138 fell in some patients.
Here it acts on APRIL signalling only: any effect on MM, or on bone, has to come through the niche.

Pharmacokinetics: subcutaneous atacicept peaks about 16 h after a dose (Munafo et al. 2007 Eur J Clin Pharmacol
63:647) with a bioavailability of about 30-40% (Nestorov et al. 2010 J Pharm Sci 99:524); its half-life in
cynomolgus monkeys was 179 h (Carbonatto et al. 2008 Toxicol Sci). Its binding of its ligands makes the
kinetics non-linear; one compartment with t½ 7 d, ka 0.26 /h (the 16 h peak) and F 0.35 is an estimate that
ignores that. At 700 mg weekly the model peaks at 0.63 µM after the first dose and falls to 0.34 µM before the
next, ~70x the EC50: APRIL stays ~95% blocked throughout.
"""

from niche_abm.drugs.base import Drug, Effect
from niche_abm.drugs.pharmacology import OneCompartment

ATACICEPT = Drug(
    name="atacicept",
    drug_class="APRIL/BLyS decoy receptor (TACI-Ig fusion protein)",
    mechanism="binds APRIL (and BLyS) so that less of it reaches TACI and BCMA on MM cells (less survival support "
    "from osteoclasts)",
    effects=(
        Effect(
            "april_signalling",
            "inhibit",
            0.95,
            0.005,
            1.0,
            "Yaccoby et al. 2008 Leukemia 22:406 (atacicept slows TACI-high MM growth in SCID-hu mice and with "
            "osteoclasts); Emax 0.95 and EC50 5 nM (0.37 µg/mL) estimates for a decoy receptor binding APRIL with "
            "nanomolar affinity, as for the other ligand-neutralising biologics here",
        ),
    ),
    pk=OneCompartment(
        volume_l=5.0, half_life_h=7 * 24.0, absorption_per_h=0.26, bioavailability=0.35, molar_mass_g_per_mol=73e3
    ),
    clinical_regimen="700mg/1w",
    in_vitro_um=0.14,
    sources="10 mg/kg (700 mg at 70 kg) subcutaneously every week, the top dose and the extension schedule of "
    "Rossi et al. 2009 Br J Cancer 101:1051; peak at 16 h (Munafo et al. 2007 Eur J Clin Pharmacol 63:647) gives "
    "ka 0.26 /h; F 0.35 (Nestorov et al. 2010 J Pharm Sci 99:524: 30-40%); t½ 7 d an estimate from 179 h in "
    "cynomolgus monkeys (Carbonatto et al. 2008 Toxicol Sci); V 5 L an estimate for an Fc fusion protein in "
    "plasma; MW 73 kDa an estimate (an IgG1 Fc dimer with two TACI extracellular domains); 10 µg/mL (0.14 µM) in "
    "vitro an estimate",
)
