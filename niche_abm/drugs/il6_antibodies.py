"""Anti-IL-6 antibodies: siltuximab.

Stromal cells touched by MM cells raise their IL-6 (Uchiyama et al. 1993 Blood 82:3712; Chauhan et al. 1996
Blood 87:1104), the main paracrine growth and survival factor of MM cells, which also protects them from
glucocorticoid-induced death. Siltuximab, a chimeric IgG1 that binds IL-6, suppressed C-reactive protein (the
surrogate of IL-6 blockade) in relapsed MM but gave no responses alone; with dexamethasone 23% responded,
some of them dexamethasone-refractory (Voorhees et al. 2013 Br J Haematol, doi 10.1111/bjh.12266). Added to
bortezomib-melphalan-prednisone at 11 mg/kg every 3 weeks it raised the rate of ≥VGPR but not complete responses,
progression-free or overall survival (San-Miguel et al. 2014 Blood 123:4136).

Pharmacokinetics: at 11 mg/kg every 3 weeks the label gives a steady-state Cmax of 332 µg/mL (CV 42%), a trough
of 84 µg/mL (CV 78%) and 1.7-fold accumulation; population t½ ≈ 22 d in tumour patients and 19 d in Castleman
disease (Nikanjam et al. 2019 Cancer Chemother Pharmacol 84:993). One compartment with t½ 21 d and V 4.5 L gives
the label's steady-state Cmax (342 µg/mL, 2.4 µM) but a higher trough (171 µg/mL) than the label's. IL-6 stays
blocked ~95% throughout either way.
"""

from niche_abm.drugs.base import Drug, Effect
from niche_abm.drugs.pharmacology import OneCompartment

SILTUXIMAB = Drug(
    name="siltuximab",
    drug_class="anti-IL-6 monoclonal antibody",
    mechanism="binds IL-6 so that less of it reaches its receptor on MM cells (less growth and survival support)",
    effects=(
        Effect(
            "il6_signalling",
            "inhibit",
            0.95,
            0.001,
            1.0,
            "Voorhees et al. 2013 Br J Haematol (doi 10.1111/bjh.12266) and Orlowski et al. 2015 Am J Hematol "
            "90:42 (sustained CRP suppression, the surrogate of IL-6 blockade); Emax 0.95 and EC50 1 nM "
            "(0.15 µg/mL) estimates for a high-affinity antibody whose troughs (~84 µg/mL) are far above",
        ),
    ),
    pk=OneCompartment(
        volume_l=4.5, half_life_h=21 * 24.0, absorption_per_h=None, bioavailability=1.0, molar_mass_g_per_mol=145e3
    ),
    clinical_regimen="770mg/3w",
    in_vitro_um=0.069,
    sources="11 mg/kg (770 mg at 70 kg) IV every 3 weeks (Sylvant label; San-Miguel et al. 2014 Blood 123:4136); "
    "steady-state Cmax 332 µg/mL (CV 42%) (Sylvant label); t½ 21 d (Nikanjam et al. 2019 Cancer Chemother "
    "Pharmacol 84:993: 22 d in tumours, 19 d in Castleman disease); V 4.5 L an estimate that gives the label's "
    "steady-state Cmax; MW 145 kDa; 10 µg/mL (0.069 µM) in vitro an estimate",
)
