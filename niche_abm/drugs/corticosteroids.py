"""Corticosteroids: dexamethasone.

Dexamethasone kills MM cells through the glucocorticoid receptor, more slowly than cytotoxics. IL-6 blocks it:
IL-6 inhibited dexamethasone-induced (but not doxorubicin- or etoposide-induced) apoptosis of RPMI 8226 cells
(Lichtenstein et al. 1995 Cell Immunol 162:248); co-culture with marrow stroma, which kept secreting IL-6 even
under 10⁻⁷ M dexamethasone, "very effectively" protected immature (CD38+CD45+) patient MM cells from it
(PubMed 9657134, 1998); and adhesion of MM cells to stroma is what raises the stromal IL-6 (Uchiyama et al. 1993
Blood 82:3712; Chauhan et al. 1996 Blood 87:1104). So a cell bound to stroma escapes more of dexamethasone's kill
than of melphalan's: adhesion protection 0.8, an estimate (adherent cells get 20% of a free cell's drug-induced
death rate) above melphalan's 0.6. IL-6 also blunts its kill in every cell (``il6_rescued``: the model's IL-6
survival support scales dexamethasone's kill as it scales spontaneous death), so the adhesion protection and the
IL-6 rescue overlap in part.

Kill scale (free MM cells, death rate r = 0.0008/h untreated; P = 1 − exp(−r·(1 + E)·48)): at the in-vitro
default 0.1 µM, E = 10.8 x 0.1 / (0.1 + 0.03) = 8.3, so 1 − exp(−0.0008 x 9.3 x 48) = 30% of free cells die in
48 h (24% at r = 0.0012/h) against 7% untreated; adherent cells get a fold of 1 + 3.85 x 0.2 = 1.8. A 40-mg oral
dose (peak 1.15 µM) keeps E above half its maximum for ~23 h and integrates to ∫E dt ≈ 115 h over the week,
killing ~16% of free cells per weekly dose.
"""

from niche_abm.drugs.base import Drug, Effect
from niche_abm.drugs.pharmacology import OneCompartment

DEXAMETHASONE = Drug(
    name="dexamethasone",
    drug_class="corticosteroid (glucocorticoid receptor agonist)",
    mechanism="induces glucocorticoid-receptor-mediated apoptosis of MM cells; stromal IL-6 and adhesion protect",
    effects=(
        Effect(
            "mm_death",
            "stimulate",
            10.8,
            0.03,
            1.0,
            "estimate: EC50 30 nM, within the 10-100 nM over which glucocorticoid-sensitive lines (MM.1S type) "
            "respond (10⁻⁷ M is the co-culture dose of PubMed 9657134); Emax 10.8 kills 30% of free cells in 48 h "
            "at 0.1 µM (free death rate 0.0008/h), slower than melphalan",
        ),
    ),
    pk=OneCompartment(
        volume_l=56.0, half_life_h=4.0, absorption_per_h=2.0, bioavailability=0.8, molar_mass_g_per_mol=392.5
    ),
    clinical_regimen="40mg/1w",
    in_vitro_um=0.1,
    adhesion_protection=0.8,
    il6_rescued=True,
    sources="40 mg orally once weekly (days 1, 8, 15, 22 of 28 as in lenalidomide-dexamethasone; days 1-4 is "
    "40mg/1d@day0:day4); t½ 4.0 h, Tmax 1.0-1.5 h and Cmax 244-257 ng/mL after 20 mg fasting (randomised "
    "crossover study of 20-mg vs 5 x 4-mg tablets in 36 volunteers, 2020), so ka 2/h; V 0.8 L/kg (56 L at "
    "70 kg) and F 0.8 estimates giving Cmax 1.15 µM (450 ng/mL) after 40 mg; adhesion protection 0.8 an "
    "estimate (Lichtenstein et al. 1995 Cell Immunol 162:248; PubMed 9657134); 0.1 µM in vitro (10⁻⁷ M, "
    "PubMed 9657134)",
)
