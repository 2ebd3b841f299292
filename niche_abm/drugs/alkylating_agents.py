"""Alkylating agents: melphalan.

Melphalan cross-links DNA and kills MM cells. Cells bound to fibronectin escape much of it: drug-sensitive
RPMI 8226 cells pre-adhered to fibronectin through VLA-4/VLA-5 were relatively resistant to melphalan- and
doxorubicin-induced apoptosis, without less drug uptake or more Bcl-2 (cell-adhesion-mediated drug resistance,
CAM-DR; Damiano et al. 1999 Blood 93:1658); marrow stroma protects MM cells from drug-induced apoptosis through
Notch, and blocking Notch restored killing by melphalan and doxorubicin (Nefedova et al. 2008 Blood 111:2220).
The fold is not in the abstracts: the adhesion protection 0.6 is an estimate (an adherent cell gets 40% of a
free cell's drug-induced death rate), set well above bortezomib's 0.1, which overcomes most CAM-DR.

Concentrations: melphalan hydrolyses at 37 °C in plasma in vitro about as fast as it is cleared in patients
(Alberts et al. 1979 Clin Pharmacol Ther 26:73), so a nominal in-vitro dose decays with t½ ≈ 1.5 h. A well
here holds its concentration, so the in-vitro default is the 48-h mean of the common nominal 10 µM
(10 µM x 1.5 h / ln 2 / 48 h ≈ 0.45 µM, estimate: hydrolysis in medium taken as in plasma), rounded to 0.5 µM,
and the EC50 (0.5 µM) is on the same held basis; plasma levels after an oral dose (peak ≈ 0.44 µM) are
then compared with it on like terms.

Kill scale (free MM cells, death rate r = 0.0008/h untreated; P = 1 − exp(−r·(1 + E)·48)): at the in-vitro
default E = 28 x 0.5 / (0.5 + 0.5) = 14, so 1 − exp(−0.0008 x 15 x 48) = 44% of free cells die in 48 h (37% at
r = 0.0012/h) against 7% untreated; adherent cells get a fold of 1 + 7 x 0.4 = 3.8. One oral dose of 9 mg/m²
(16.2 mg) integrates to ∫E dt ≈ 30 h, killing ~4% of free cells; the 4-day course ~16%.
"""

from niche_abm.drugs.base import Drug, Effect
from niche_abm.drugs.pharmacology import OneCompartment

MELPHALAN = Drug(
    name="melphalan",
    drug_class="alkylating agent (nitrogen mustard)",
    mechanism="cross-links DNA and kills MM cells; cells bound to stroma escape much of it (CAM-DR)",
    effects=(
        Effect(
            "mm_death",
            "stimulate",
            28.0,
            0.5,
            1.0,
            "estimate: EC50 0.5 µM held, the 48-h mean of the ~10 µM nominal dose that kills about half of "
            "MM cell lines in 48-72 h as it hydrolyses (t½ ≈ 1.5 h, Alberts et al. 1979 Clin Pharmacol Ther "
            "26:73); Emax 28 kills 44% of free cells in 48 h at the in-vitro default (free death rate 0.0008/h)",
        ),
    ),
    pk=OneCompartment(
        volume_l=40.0, half_life_h=1.5, absorption_per_h=1.5, bioavailability=0.56, molar_mass_g_per_mol=305.2
    ),
    clinical_regimen="9mg/m2/1d",
    in_vitro_um=0.5,
    adhesion_protection=0.6,
    sources="9 mg/m² (16.2 mg at 1.8 m²) orally on days 1-4 of 6-week cycles (melphalan-prednisone as in VMP): "
    "give one course as melphalan=9mg/m2/1d@day0:day4 (the default alone repeats daily); oral t½ 90 ± 17 min and "
    "F 0.56 (0.25-0.89) after 0.6 mg/kg (Alberts et al. 1979 Clin Pharmacol Ther 26:737); Tmax ≈ 1.1 h, "
    "ka 1.5/h (Ehrsson et al. 1989 Med Oncol Tumor Pharmacother 6:151); V 40 L (Vss ≈ 40 ± 18 L; F 56-85%: "
    "Alkeran Swiss prescribing information); Cmax 0.44 µM; adhesion protection 0.6 an estimate (Damiano et al. "
    "1999 Blood 93:1658: direction; Schmidmaier et al. 2004 Blood 104:1825 report 'a CAM-DR of about 50%' to "
    "melphalan for NCI-H929 cells on HS-5 stroma, 20 µM, 48 h, WST-1, without its definition in the abstract: a "
    "relative cut of the kill would give 0.5, a survival ratio of 1.5 some other value); in vitro 0.5 µM held = "
    "~10 µM nominal, an estimate",
)
