"""The parameter table: the single source of truth for every number in the model.

Each entry has a dotted name (the key scenario files and ``--set`` use), a
default, a unit, an allowed range and a source: a paper with its year, or
"estimate" with the reasoning. Scales: one site = 10 µm, one step = 1 h
(see :mod:`niche_abm.units`), so every rate is per hour.

Values come from the project's parameter notes (``shared/science/parameters.md``,
kept outside this repository); each row's source names the paper itself, and
where the model departs from the notes the source says so.
"""

from __future__ import annotations

import difflib
import math
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any


class ParameterError(ValueError):
    """A parameter or scenario value that cannot be used, named with what is allowed.

    Attributes:
        key: the field at fault (a dotted parameter name, a command-line option, a file's key).
        message: what is wrong and what is allowed, without the key.
    """

    def __init__(self, key: str, message: str):
        super().__init__(f"{key}: {message}")
        self.key = key
        self.message = message

    def __reduce__(self):
        """Pickle by key and message, so an error raised in a worker process reaches the user whole."""
        return type(self), (self.key, self.message)

    def renamed(self, key: str, note: str = "") -> ParameterError:
        """The same error under another key (e.g. the sweep field that set the value), with an optional note."""
        return ParameterError(key, self.message + (f" ({note})" if note else ""))


@dataclass(frozen=True)
class Parameter:
    """One row of the parameter table."""

    name: str
    default: int | float | str
    unit: str
    low: float | None
    high: float | None
    source: str
    description: str
    choices: tuple[str, ...] = ()

    @property
    def group(self) -> str:
        return self.name.split(".", 1)[0]

    @property
    def allowed(self) -> str:
        """The allowed values, as a person reads them."""
        if self.choices:
            return "one of " + ", ".join(repr(c) for c in self.choices)
        if isinstance(self.default, str):
            return "a text (file path or empty)"
        kind = "integer" if isinstance(self.default, int) else "number"
        return f"{kind} in [{self.low:g}, {self.high:g}]"

    def check(self, value: Any) -> int | float | str:
        """Return value converted to this parameter's type, or raise ParameterError."""
        if isinstance(self.default, str):
            if not isinstance(value, str):
                raise ParameterError(self.name, f"got {value!r}; expected {self.allowed}")
            if self.choices and value not in self.choices:
                raise ParameterError(self.name, f"got {value!r}; expected {self.allowed}")
            return value
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ParameterError(self.name, f"got {value!r} ({type(value).__name__}); expected {self.allowed}")
        if not math.isfinite(value):
            raise ParameterError(self.name, f"got {value!r}; expected {self.allowed}")
        if isinstance(self.default, int):
            if float(value) != int(value):
                raise ParameterError(self.name, f"got {value!r}; expected {self.allowed}")
            value = int(value)
        else:
            value = float(value)
        if not (self.low <= value <= self.high):
            unit = "" if self.unit == "dimensionless" else f" {self.unit}"
            raise ParameterError(self.name, f"got {value!r}{unit}; expected {self.allowed}")
        return value


def _p(name, default, unit, low, high, source, description, choices=()):
    return Parameter(name, default, unit, low, high, source, description, tuple(choices))


# Reused derivations, written once.
_LEMAIRE = "Lemaire et al. 2004 J Theor Biol 229:293; Pivonka et al. 2008 J Theor Biol 252:217"
_CONTACT = (
    "Giuliani et al. 2001 Blood 98:3527 (contact needed, abolished by transwell); "
    "fold size calibrated: the abstract gives only the direction"
)
_STRENGTHS = (
    "analysis.niche_strength (2026-12-03), which scaled MM's contact folds by one exponent and its CCL3 folds by "
    "another and picked contact 0.5, CCL3 0.15 by a rule fixed before it ran: MM's resorption nearest 2.4x healthy's "
    "(serum β-CTX 1.8-3.3x, Auzina et al. 2017 Exp Oncol 39:53) with a CCR1 antagonist's cuts in T7's bands "
    "(Vallet et al. 2007 Blood 110:3744); an ABC-SMC fit of the two to the same data (2026-12-04, "
    "scenarios/calibrations/niche_strengths.toml) gave contact 0.70 (95% interval 0.51-0.84) and CCL3 0.22 "
    "(0.08-0.49), not adopted: on fresh seeds its median cut resorption 34% (the table's 29%) at 3.7x healthy's"
)
"""Where the sizes of MM's contact and CCL3 folds come from (the calibration that set them)."""

TABLE: tuple[Parameter, ...] = (
    # --- the world -----------------------------------------------------------------
    _p(
        "grid.width",
        200,
        "sites",
        20,
        2000,
        "design: 200 sites x 10 µm = 2 mm of trabecular marrow",
        "Grid width (x); one site is 10 µm.",
    ),
    _p("grid.height", 200, "sites", 20, 2000, "design: 2 mm, as grid.width", "Grid height (y); one site is 10 µm."),
    _p(
        "bone.bv_tv",
        0.22,
        "fraction",
        0.05,
        0.6,
        "Parfitt 1983 (in Recker, Bone Histomorphometry, CRC Press): normal iliac crest BV/TV 20-25% in young "
        "adults; 22% inside that range",
        "Target bone volume / tissue volume of the generated trabecular bone.",
    ),
    _p(
        "bone.trabecular_thickness_um",
        140.0,
        "µm",
        40.0,
        400.0,
        "Parfitt 1983 (in Recker, Bone Histomorphometry): normal iliac Tb.Th 100-200 µm; 132 ± 22 µm by micro-CT "
        "in nine human trabecular specimens (PubMed Central article PMC3352993, Table 1)",
        "Mean thickness of the generated plates and rods.",
    ),
    _p(
        "bone.mask_file",
        "",
        "path",
        None,
        None,
        "user input: a histology section as PNG (bright = bone) or NPY (bone fraction 0..1)",
        "Load the bone from this file instead of generating it; relative to the scenario file.",
    ),
    _p(
        "bone.marrow_threshold",
        0.5,
        "fraction",
        0.05,
        0.95,
        "estimate: a site is bone while more than half of it is mineralised matrix",
        "A site whose bone fraction falls below this is marrow; one refilled to it is bone again.",
    ),
    _p(
        "bone.osteoid_maturation_h",
        504.0,
        "h",
        0.0,
        5000.0,
        "Melsen & Mosekilde 1980 Acta Pathol Microbiol Scand A 88:83 (tetracycline double labelling of iliac "
        "trabecular bone in 41 normal adults): mineralisation lag time 8-52 days, median 21 days",
        "How long newly laid bone stays osteoid before it mineralises; a bone surface carrying osteoid is osteoid "
        "surface (OS), not eroded surface (ES).",
    ),
    _p(
        "vessels.density_per_mm2",
        15.0,
        "/mm² marrow",
        0.0,
        200.0,
        "estimate: normal marrow microvessel density 10-30 /mm² (Vacca et al. 1994 Br J Haematol 87:503)",
        "Sinusoid cross-sections per mm² of marrow.",
    ),
    _p(
        "vessels.diameter_um",
        20.0,
        "µm",
        10.0,
        60.0,
        "estimate: 2 x 2 sites, the narrow end of marrow sinusoids (lumens 30-70 µm or more: DocCheck Flexikon, "
        "'Knochenmarksinus'; 30-40 µm: Bailey 2016, ThoughtCo 'Sinusoids'), since a section cuts most sinusoids "
        "off their widest chord and microvessel counts also count capillaries of 5-10 µm",
        "Diameter of one sinusoid cross-section (square of endothelial sites).",
    ),
    _p(
        "vessels.sprout_rate",
        0.002,
        "/h",
        0.0,
        0.1,
        "estimate: a 2 x 2-site sinusoid at saturating VEGF starts a new microvessel about every 5 days, so "
        "microvessel density can double within weeks of an angiogenic switch",
        "Rate at which an endothelial site sprouts a new microvessel at saturating VEGF.",
    ),
    _p(
        "vessels.vegf_ec50_pm",
        25.0,
        "pM",
        0.1,
        1e4,
        "estimate: ~1 ng/mL (45 kDa: 1 pM = 45 pg/mL), the half-maximal VEGF165 dose for endothelial "
        "proliferation in vitro (ED50 1-6 ng/mL)",
        "VEGF giving half the maximal sprouting.",
    ),
    _p(
        "vessels.vegf_hill",
        2.0,
        "dimensionless",
        0.5,
        8.0,
        "estimate: angiogenic switch",
        "Hill coefficient of sprouting in VEGF.",
    ),
    _p(
        "vessels.sprout_distance_um",
        30.0,
        "µm",
        10.0,
        200.0,
        "estimate: a tip cell leads a sprout a few cell lengths before a lumen forms",
        "Distance from its parent at which a new microvessel cross-section appears.",
    ),
    _p(
        "vessels.regression_rate",
        0.004,
        "/h",
        0.0,
        0.1,
        "Benjamin et al. 1999 J Clin Invest 103:159 (immature tumour vessels regress within days of VEGF "
        "withdrawal); rate an estimate (half in ~1 week without VEGF)",
        "Rate at which a sprouted microvessel regresses without VEGF (times EC50 / (EC50 + VEGF)).",
    ),
    # --- soluble fields --------------------------------------------------------------
    _p(
        "rankl.diffusion_mm2_per_h",
        0.0108,
        "mm²/h",
        0.001,
        1.0,
        "estimate: 3 µm²/s = 0.0108 mm²/h, below the 10-60 µm²/s of the project's notes "
        "(shared/science/parameters.md) for free sRANKL "
        "(Stokes-Einstein from Nauman et al. 2007 Biophys J 92:4444) because most RANKL stays on the "
        "stromal membrane and acts by contact (Giuliani et al. 2001); diffusion length ≈ 160 µm",
        "Diffusion coefficient of RANKL in marrow interstitium.",
    ),
    _p(
        "rankl.decay_per_h",
        0.422,
        "/h",
        0.001,
        10.0,
        "Pivonka et al. 2008 J Theor Biol 252:217: 10.13/day (t½ 1.6 h)",
        "Degradation rate of RANKL.",
    ),
    _p(
        "rankl.voxel_um",
        20.0,
        "µm",
        10.0,
        80.0,
        "design: BioFVM-style 20 µm voxels; diffusion length sqrt(D/k) ≈ 160 µm spans 8 voxels",
        "Voxel edge of the RANKL (and free-RANKL) field; a multiple of 10 µm dividing the grid.",
    ),
    _p(
        "opg.diffusion_mm2_per_h",
        0.144,
        "mm²/h",
        0.001,
        1.0,
        "estimate: 40 µm²/s for the ~110 kDa dimer (Stokes-Einstein scaling of Nauman et al. 2007 with ECM hindrance)",
        "Diffusion coefficient of OPG.",
    ),
    _p(
        "opg.decay_per_h",
        1.0,
        "/h",
        0.0001,
        10.0,
        "Owen & Triffitt 1976 J Physiol 257:293 (albumin, 66 kDa, in the extravascular fluid of bone is cleared "
        "about once an hour): OPG leaves the marrow fluid by exchange with the blood through the sinusoids, "
        "taken at the albumin rate (t½ ≈ 0.7 h). The former 0.35/day (Lemaire et al. 2004 / Pivonka et al. "
        "2008) is a whole-body compartment value with no transport; every other field's loss was already a "
        "tissue rate of hours. Changed after T5 failed; T5 does not hinge on it (python -m analysis.t5_far_field at "
        "e789814, secretion rescaled: near/far 3.04x at 0.35/day, 2.92x at 0.17/h, 2.73x at 0.5/h, 3.34x at 1/h; "
        "docs/ODD.md)",
        "Loss rate of OPG from the marrow fluid (degradation and exchange with the blood).",
    ),
    _p(
        "opg.voxel_um",
        40.0,
        "µm",
        10.0,
        80.0,
        "design: OPG's diffusion length sqrt(D/k) ≈ 380 µm spans about 10 voxels of 40 µm",
        "Voxel edge of the OPG field.",
    ),
    _p(
        "ccl3.diffusion_mm2_per_h",
        0.057,
        "mm²/h",
        0.001,
        5.0,
        "estimate: free CCL3 (7.8 kDa) diffuses ~159 µm²/s (IGF-I proxy, Nauman et al. 2007 Biophys J 92:4444), "
        "lowered 10x to 16 µm²/s for its reversible binding to heparan sulphate in the matrix (CCL3's GAG-binding "
        "site: Koopmann & Krangel 1997 J Biol Chem 272:10103; GAG binding is needed for chemokine activity in "
        "vivo: Proudfoot et al. 2003 PNAS 100:1885); diffusion length ≈ 0.4 mm",
        "Diffusion coefficient of CCL3/MIP-1α.",
    ),
    _p(
        "ccl3.decay_per_h",
        0.347,
        "/h",
        0.001,
        10.0,
        "estimate: chemokine half-life in tissue 1-4 h assumed 2 h (the project's notes, "
        "shared/science/parameters.md, known gaps)",
        "Degradation rate of CCL3.",
    ),
    _p(
        "ccl3.voxel_um",
        40.0,
        "µm",
        10.0,
        80.0,
        "design: CCL3's diffusion length ≈ 0.4 mm spans 10 voxels of 40 µm",
        "Voxel edge of the CCL3 field.",
    ),
    _p(
        "dkk1.diffusion_mm2_per_h",
        0.16,
        "mm²/h",
        0.001,
        1.0,
        "estimate: Stokes-Einstein scaling of Nauman et al. 2007 (121 µm²/s at 14 kDa) to 35 kDa gives "
        "~90 µm²/s free, halved for ECM hindrance: 45 µm²/s",
        "Diffusion coefficient of DKK1.",
    ),
    _p(
        "dkk1.decay_per_h",
        0.17,
        "/h",
        0.001,
        10.0,
        "estimate: half-life of a secreted glycoprotein in tissue taken as 4 h; diffusion length ≈ 1 mm",
        "Degradation rate of DKK1.",
    ),
    _p("dkk1.voxel_um", 40.0, "µm", 10.0, 80.0, "design: diffusion length ≈ 1 mm spans 25 voxels", "Voxel of DKK1."),
    _p(
        "vegf.diffusion_mm2_per_h",
        0.1,
        "mm²/h",
        0.001,
        1.0,
        "estimate: VEGF165 (45 kDa) ~100 µm²/s free (Mac Gabhann & Popel 2005 Am J Physiol 288:H2851), "
        "lowered to 28 µm²/s for its heparan-sulphate binding",
        "Diffusion coefficient of VEGF-A.",
    ),
    _p(
        "vegf.decay_per_h",
        0.35,
        "/h",
        0.001,
        10.0,
        "estimate: VEGF half-life in tissue ~2 h (internalisation by receptors); diffusion length ≈ 0.5 mm",
        "Degradation rate of VEGF-A.",
    ),
    _p("vegf.voxel_um", 40.0, "µm", 10.0, 80.0, "design: diffusion length ≈ 0.5 mm spans 13 voxels", "Voxel of VEGF."),
    _p(
        "il6.diffusion_mm2_per_h",
        0.2,
        "mm²/h",
        0.001,
        1.0,
        "estimate: Stokes-Einstein scaling of Nauman et al. 2007 to 21 kDa gives ~105 µm²/s free, halved "
        "for ECM hindrance: 55 µm²/s",
        "Diffusion coefficient of IL-6.",
    ),
    _p(
        "il6.decay_per_h",
        0.69,
        "/h",
        0.001,
        10.0,
        "estimate: IL-6 is cleared within hours (receptor uptake); half-life 1 h; diffusion length ≈ 0.5 mm",
        "Degradation rate of IL-6.",
    ),
    _p("il6.voxel_um", 40.0, "µm", 10.0, 80.0, "design: diffusion length ≈ 0.5 mm spans 13 voxels", "Voxel of IL-6."),
    _p(
        "april.diffusion_mm2_per_h",
        0.0108 * (1 + 0.35) / (1 + 0.422),  # RANKL's D x (1 + k_APRIL·1 h) / (1 + k_RANKL·1 h): see the source
        "mm²/h",
        0.001,
        1.0,
        "estimate: APRIL binds heparan sulfate proteoglycans through its basic N-terminus (Ingold et al. 2005 "
        "J Exp Med 201:1375; syndecan-1 on MM cells: Moreaux et al. 2009 Eur J Haematol 83:119), which holds it in the "
        "matrix as heparin-binding growth factors are held; VEGF165, which binds heparan sulfate less, is taken at "
        "28 µm²/s, APRIL an order lower: 2.8 µm²/s, set at 2.85 µm²/s (0.010253 mm²/h) = rankl.diffusion_mm2_per_h "
        "x (1 + april.decay_per_h·1 h) / (1 + rankl.decay_per_h·1 h), which makes the hourly operators of the two "
        "20 µm fields multiples of each other, so one factor solves both (niche_abm.world.fields.step_fields; "
        "0.01 mm²/h, 2.5% lower, before 2026-12-05)",
        "Diffusion coefficient of APRIL.",
    ),
    _p(
        "april.decay_per_h",
        0.35,
        "/h",
        0.001,
        10.0,
        "estimate: as VEGF, a half-life in tissue of ~2 h (receptor and proteoglycan uptake); diffusion length "
        "sqrt(D/k) ≈ 170 µm",
        "Degradation rate of APRIL.",
    ),
    _p(
        "april.voxel_um",
        20.0,
        "µm",
        10.0,
        80.0,
        "design: as RANKL, whose diffusion length is as short; 170 µm spans 8 voxels of 20 µm",
        "Voxel edge of the APRIL field.",
    ),
    _p(
        "fields.outer_boundary",
        "no_flux",
        "choice",
        None,
        None,
        "design: the window is a sample of a larger, similar marrow, so the edge mirrors it (no flux); "
        "'absorbing' holds the edge at zero",
        "Outer boundary of every field.",
        ("no_flux", "absorbing"),
    ),
    _p(
        "fields.geometry_refresh_h",
        24,
        "h",
        1,
        720,
        "design, error measured (python -m analysis.geometry_lag): against an hourly refresh, in mm_advanced "
        "(200 x 200 sites, seeds 1-3, 20 days) the daily one leaves the fields off by a median 3-5% (relative L2; "
        "RANKL 5.1%, 95th percentile 9.4%) and RANK occupancy at the precursors by a median 0.005, more at freshly "
        "resorbed sites; T5's protocol (--readouts, mm_niche 1 mm², seeds 1-8) reads near/far 3.47x against 3.32x, "
        "bone lost -0.10 [-0.54, +0.35] points and osteoclasts formed +5.9 [-1.2, +12.9] per run (paired), within "
        "the seeds' spread; an hourly refresh factorises 24 times as often (0.54 ms a step at 200 x 200 becomes "
        "about 13)",
        "How often the diffusion geometry follows the changing bone.",
    ),
    _p(
        "binding.opg_rankl_kd_pm",
        1000.0,
        "pM",
        1.0,
        1e5,
        "Lemaire et al. 2004 (K_a 1e-3 /pM); SPR values are lower (Kostenuik et al. 2009 JBMR 24:182)",
        "Dissociation constant of the RANKL-OPG decoy complex.",
    ),
    _p(
        "binding.rank_rankl_kd_pm",
        29.0,
        "pM",
        0.1,
        1e4,
        "Lemaire et al. 2004 (K_a 3.41e-2 /pM)",
        "Dissociation constant of RANKL for RANK on precursors.",
    ),
    # --- stromal cells / pre-osteoblasts --------------------------------------------
    _p(
        "stroma.density",
        0.05,
        "fraction of marrow sites",
        0.0,
        0.5,
        "estimate: stromal reticular cells are a few % of marrow cellularity",
        "Share of marrow sites holding a stromal cell (PreOB) at the start.",
    ),
    _p(
        "stroma.endosteal_density",
        0.3,
        "fraction of marrow sites next to bone",
        0.0,
        1.0,
        "estimate from anatomy: flat osteoblast-lineage bone-lining cells cover most quiescent trabecular "
        "surface (Everts et al. 2002 J Bone Miner Res 17:77) and express RANKL (Streicher et al. 2017 Sci Rep "
        "7:6460); a lining cell about 30 µm long covers 3 sites of 10 µm, so 80-90% cover is about 0.3 of "
        "the marrow sites next to bone. Added in the core rebuild after T5 and T12 were measured without it",
        "Share of the marrow sites next to bone holding an endosteal (bone-lining) PreOB at the start.",
    ),
    _p(
        "stroma.rankl_secretion",
        80.0,
        "molecules/h/cell",
        0.0,
        1e5,
        "estimate: set so healthy marrow RANKL ≈ 16 pM and RANK occupancy ≈ 0.2 (Lemaire 2004 scale)",
        "Baseline RANKL release by a stromal cell.",
    ),
    _p(
        "stroma.opg_secretion",
        12300.0,
        "molecules/h/cell",
        0.0,
        1e5,
        "estimate: set so healthy marrow OPG ≈ Kd ≈ 1 nM (Lemaire 2004 scale); 180 x (1/h) / (0.0146/h) when "
        "OPG's loss became a tissue rate, so the level is unchanged (healthy marrow RANKL/OPG 0.015 either way)",
        "Baseline OPG release by a stromal cell.",
    ),
    _p(
        "stroma.contact_rankl_fold",
        4.0**0.5,
        "x",
        1.0,
        50.0,
        _CONTACT + "; the estimate 4 raised to the contact strength 0.5, " + _STRENGTHS,
        "RANKL multiplier in a stromal cell touched by an adherent MM cell.",
    ),
    _p(
        "stroma.contact_opg_fold",
        0.55,
        "x",
        0.0,
        1.0,
        _CONTACT + " ('strongly' lowers OPG); the estimate 0.3 raised to the contact strength 0.5 (0.548, rounded "
        "to the app slider's step of 0.05), " + _STRENGTHS,
        "OPG multiplier in a stromal cell touched by an adherent MM cell.",
    ),
    _p(
        "stroma.eroded_surface_recruitment",
        0.004,
        "/h per site",
        0.0,
        1.0,
        "estimate: coupling (matrix-derived TGF-β/IGF-1 draw osteoprogenitors to resorbed surfaces, "
        "Tang et al. 2009 Nat Med 15:757); set so formation keeps pace with resorption in health",
        "Rate at which an empty marrow site on an eroded surface gains a PreOB.",
    ),
    _p(
        "stroma.osteoblast_differentiation_rate",
        0.02,
        "/h",
        0.0,
        1.0,
        "estimate: reversal phase of days (Lips et al. 1978 Calcif Tissue Res 26:13)",
        "Rate at which a PreOB on an eroded surface becomes an osteoblast.",
    ),
    _p(
        "stroma.mm_contact_differentiation_block",
        0.9,
        "fraction",
        0.0,
        1.0,
        "Giuliani et al. 2005 Blood 106:2472 (MM contact blocks Runx2 in PreOBs); size an estimate",
        "Share of osteoblast differentiation blocked when an MM cell touches the PreOB.",
    ),
    _p(
        "stroma.ccl3_differentiation_ic50_pm",
        50.0,
        "pM",
        1.0,
        1e5,
        "Vallet et al. 2011 Leukemia 25:1174 (CCL3 suppresses osterix); IC50 an estimate",
        "CCL3 concentration that halves osteoblast differentiation.",
    ),
    _p(
        "stroma.renewal_rate",
        0.01,
        "/h",
        0.0,
        1.0,
        "design: a missing PreOB is replaced in about 100 h (4 days), fast against 60-90-day runs so the pool stays "
        "near its starting size, slow against the hourly contact signals; not a measured proliferation rate",
        "Rate (per missing cell) at which the PreOB pool refills toward its starting size.",
    ),
    _p(
        "stroma.il6_secretion",
        2.0,
        "molecules/h/cell",
        0.0,
        1e5,
        "calibrated by hand: healthy marrow IL-6 within normal marrow plasma levels below 10 pg/mL (Bataille et "
        "al. 1989 J Clin Invest 84:2008 report serum IL-6 mostly below that in health); measured 6.0-6.3 pg/mL "
        "(healthy, 100 x 100, seeds 1-3, days 5-10), though set for 5 pg/mL (which change parted them was not "
        "traced). The ABC-SMC "
        "refit to 5 ± 2.5 pg/mL (`run.py calibrate il6_baseline`) gives 1.43 [95%: 1.15, 1.94]; 2 is kept, "
        "inside the source's band, as changing it would need the validation measured again",
        "Baseline IL-6 release by a stromal cell.",
    ),
    _p(
        "stroma.contact_il6_fold",
        5.0,
        "x",
        1.0,
        100.0,
        "Uchiyama et al. 1993 Blood 82:3712 (adhesion of MM cells to BMSC triggers IL-6 secretion); "
        "Chauhan et al. 1996 Blood 87:1104 (NF-κB dependent); fold an estimate",
        "Multiplier of IL-6 secretion by a stromal cell touched by an adherent MM cell.",
    ),
    _p(
        "stroma.vegf_secretion",
        10.0,
        "molecules/h/cell",
        0.0,
        1e5,
        "estimate: set so healthy marrow VEGF ≈ 2.4 pM (110 pg/mL), the order of healthy marrow plasma VEGF",
        "Baseline VEGF release by a stromal cell.",
    ),
    _p(
        "stroma.dkk1_ic50_pm",
        300.0,
        "pM",
        1.0,
        1e5,
        "estimate: ~10 ng/mL (35 kDa: 1 pM = 35 pg/mL), the order of marrow plasma DKK1 in MM with lesions "
        "(Tian et al. 2003 NEJM 349:2483: recombinant DKK1 blocks osteoblast differentiation)",
        "DKK1 that halves osteoblast differentiation of PreOBs (Wnt co-receptor LRP5/6 blocked).",
    ),
    _p(
        "stroma.quiescent_differentiation_rate",
        2e-5,
        "/h",
        0.0,
        0.01,
        "estimate: modelling-based formation on quiescent cancellous surfaces covers a few % of surface in "
        "untreated adults (Lindsay et al. 2006 J Bone Miner Res 21:366): an endosteal PreOB starts one about "
        "every 6 years",
        "Rate at which an endosteal PreOB on a quiescent bone surface becomes an osteoblast (Wnt-driven modelling).",
    ),
    # --- myeloma cells ---------------------------------------------------------------
    _p(
        "mm.initial_count",
        0,
        "cells",
        0,
        1_000_000,
        "scenario input: the tumour seeded, set by each scenario (0 in health)",
        "MM cells seeded at the start.",
    ),
    _p(
        "mm.initial_foci",
        3,
        "foci",
        1,
        1000,
        "scenario input: MM homes to few sites first",
        "Number of foci the initial MM cells are seeded in, each around a stromal cell.",
    ),
    _p(
        "mm.initial_focus_bone_distance_um",
        50.0,
        "µm",
        10.0,
        2000.0,
        "MM cells home to the endosteal niche next to bone (Abe 2011 Int J Hematol 94:334)",
        "Initial MM foci are centred on stromal cells at most this far from a bone surface.",
    ),
    _p(
        "mm.cd49d_mean",
        1.0,
        "relative",
        0.0,
        10.0,
        "design: CD49d (VLA-4 α4) expression relative to untreated MM cells (Bolzoni et al. 2013)",
        "Mean CD49d level of new MM cells (1 = untreated).",
    ),
    _p(
        "mm.cd49d_cv",
        0.2,
        "fraction",
        0.0,
        2.0,
        "estimate: a modest spread between cells (log-normal; the 1st percentile at 0.62x the mean), so single cells "
        "differ without any being CD49d-negative; not fitted (adhesion reads CD49d through a saturating Hill "
        "function)",
        "Coefficient of variation of CD49d between MM cells (log-normal).",
    ),
    _p(
        "mm.adhesion_rate",
        0.5,
        "/h",
        0.0,
        10.0,
        "estimate: VLA-4/VCAM-1 binding within about 2 h of contact",
        "Maximal rate at which an MM cell next to a VCAM-1+ stromal cell adheres.",
    ),
    _p(
        "mm.adhesion_strength_half",
        0.5,
        "relative",
        0.01,
        10.0,
        "estimate: half-maximal adhesion at half the adhesion of an untreated cell (its CD49d halved, or its "
        "ITGA8 and ICAM2 shares gone with most of it)",
        "Adhesion strength (the sum of the molecular pairs, 1 for an untreated cell) giving half the maximal "
        "adhesion rate.",
    ),
    _p(
        "mm.adhesion_hill",
        2.0,
        "dimensionless",
        0.5,
        8.0,
        "estimate: cooperative integrin clustering",
        "Hill coefficient of the adhesion rate in adhesion strength.",
    ),
    _p(
        "mm.detachment_rate",
        0.02,
        "/h",
        0.0,
        10.0,
        "estimate: adhesion lasts about 2 days",
        "Rate at which an adherent MM cell lets go.",
    ),
    _p(
        "mm.division_rate_adherent",
        0.0008,
        "/h",
        0.0,
        1.0,
        "estimate: adhesion's growth signal runs through stromal IL-6 (Uchiyama et al. 1993 Blood 82:3712; "
        "Chauhan et al. 1996 Blood 87:1104), modelled on its own, so an adherent cell divides at the free rate",
        "Division rate of an MM cell bound to stroma.",
    ),
    _p(
        "mm.division_rate_free",
        0.0008,
        "/h",
        0.0,
        1.0,
        "human MM: labelling index ≈ 0.6-1% in plateau (Larsen et al. 2011 Blood 118:2702) gives a division "
        "every ~30-60 d; estimate 52 d",
        "Division rate of a non-adherent MM cell.",
    ),
    _p(
        "mm.death_rate_free",
        0.0008,
        "/h",
        0.0,
        1.0,
        "estimate: a free MM cell with no IL-6 just holds its number (MM cells grow without stroma, "
        "Uchiyama et al. 1993); IL-6, vessels and adhesion tip it into growth",
        "Death rate of a non-adherent MM cell.",
    ),
    _p(
        "mm.death_rate_adherent",
        0.0004,
        "/h",
        0.0,
        1.0,
        "estimate: adhesion to stroma protects MM cells (Damiano et al. 1999 Blood 93:1658); half the free "
        "cells' death rate",
        "Death rate of an MM cell bound to stroma.",
    ),
    _p(
        "mm.osteoclast_support_radius_um",
        50.0,
        "µm",
        10.0,
        500.0,
        "estimate: osteoclasts support MM survival mostly by cell–cell contact (Abe et al. 2004 Blood 104:2484), "
        "so within a few cell diameters; their soluble APRIL reaches further (mm.april_survival)",
        "Distance within which an osteoclast supports an MM cell by contact.",
    ),
    _p(
        "mm.osteoclast_support_death_factor",
        0.4,
        "x",
        0.0,
        1.0,
        "estimate: osteoclasts kept MM cells alive and growing in co-culture more than stroma did, mostly by "
        "contact (Abe et al. 2004 Blood 104:2484; vicious cycle: Abe 2011)",
        "Death-rate multiplier of an MM cell within contact reach of an osteoclast.",
    ),
    _p(
        "mm.vessel_support_radius_um",
        50.0,
        "µm",
        10.0,
        500.0,
        "estimate: five cell diameters, the perivascular reach in which an MM cell touches endothelium or its "
        "short-range factors (the support's direction: Abe 2011 review of the MM niche); VEGF, IL-6 and APRIL act "
        "through their own fields",
        "Distance within which endothelium supports an MM cell.",
    ),
    _p(
        "mm.vessel_support_division_fold",
        1.5,
        "x",
        1.0,
        10.0,
        "estimate: endothelium feeds MM growth (direction: Abe 2011); 1.5x, half the extra division IL-6 gives at "
        "most (mm.il6_division_fold 2x), for a contact-range aid rather than a growth factor; the cycle run "
        "measures vessels carrying about a tenth of MM's growth (README)",
        "Division-rate multiplier of an MM cell near a vessel.",
    ),
    _p(
        "mm.push_radius_um",
        30.0,
        "µm",
        0.0,
        200.0,
        "estimate: a dividing cell pushes its neighbours aside when an empty site lies within a few cell "
        "diameters (lattice push models of tumour growth: Drasdo & Höhme 2005 Phys Biol 2:133); compression "
        "beyond that stops growth (Helmlinger et al. 1997 Nat Biotechnol 15:778)",
        "A crowded MM cell divides only if an empty marrow site lies this close; cells between are pushed outwards.",
    ),
    _p(
        "mm.migration_rate",
        0.3,
        "/h",
        0.0,
        1.0,
        "estimate: plasma cells crawl ~10 µm in a few hours",
        "Rate at which a non-adherent MM cell steps to a free neighbouring site.",
    ),
    _p(
        "mm.ccl3_secretion",
        500.0,
        "molecules/h/cell",
        0.0,
        1e6,
        "Choi et al. 2003 Blood 101:3778 (Roodman senior author): high producers >1 ng/mL per 1e6 cells per 72 h (≈1e3 "
        "molecules/cell/h), low producers <200 pg/mL (≈200); an estimate between the two for a mixed clone",
        "CCL3 release by an MM cell.",
    ),
    _p(
        "mm.adhesion_share_itga8",
        0.1,
        "fraction",
        0.0,
        0.5,
        "estimate: anti-VLA-4 blocks most MM-stroma adhesion (Michigami et al. 2000 Blood 96:1953), so "
        "integrin α8 (GSE37302) carries a small share",
        "Share of an untreated MM cell's adhesion to stroma carried by the ITGA8 pair.",
    ),
    _p(
        "mm.adhesion_share_icam2",
        0.1,
        "fraction",
        0.0,
        0.5,
        "estimate: as ITGA8; ICAM2/CD102 (GSE37302) binds LFA-1 and carries a small share",
        "Share of an untreated MM cell's adhesion to stroma carried by the ICAM2 pair.",
    ),
    _p(
        "mm.il6_division_fold",
        2.0,
        "x",
        1.0,
        10.0,
        "Kawano et al. 1988 Nature 332:83 and Klein et al. 1989 Blood 73:517 (IL-6 is the main paracrine "
        "growth factor of MM cells); fold an estimate",
        "Division-rate multiplier of an MM cell at saturating IL-6.",
    ),
    _p(
        "mm.il6_survival",
        0.5,
        "fraction",
        0.0,
        1.0,
        "estimate: IL-6 protects MM cells from apoptosis (Chauhan et al. 1996 Blood 87:1104; "
        "Hardin et al. 1994 Blood 84:3063)",
        "Share of an MM cell's death prevented at saturating IL-6.",
    ),
    _p(
        "mm.il6_ec50_pm",
        1.0,
        "pM",
        0.01,
        1e4,
        "estimate: ~21 pg/mL, between healthy marrow IL-6 (a few pg/mL) and MM marrow levels (tens of pg/mL)",
        "IL-6 giving half the maximal growth and survival support.",
    ),
    _p(
        "mm.april_survival",
        0.5,
        "fraction",
        0.0,
        1.0,
        "estimate: APRIL is a survival factor of MM cells as potent as IL-6 for IL-6-dependent lines, raising "
        "Mcl-1 and Bcl-2 (Moreaux et al. 2004 Blood 103:3148), so the share is taken as IL-6's; osteoclasts are "
        "a main marrow source (Abe et al. 2006 Leukemia 20:1313; Yaccoby et al. 2008 Leukemia 22:406)",
        "Share of an MM cell's death prevented at saturating APRIL.",
    ),
    _p(
        "mm.april_ec50_pm",
        200.0,
        "pM",
        1.0,
        1e5,
        "estimate: ~10 ng/mL of the 48 kDa trimer; recombinant APRIL is used at 100-200 ng/mL for a full "
        "response on MM cells (Moreaux et al. 2004 Blood 103:3148), taken as 10-20x the half-maximal dose",
        "APRIL giving half the maximal survival support.",
    ),
    _p(
        "mm.dkk1_secretion",
        500.0,
        "molecules/h/cell",
        0.0,
        1e6,
        "Tian et al. 2003 NEJM 349:2483 (MM cells express DKK1, highest in patients with lytic lesions); "
        "rate an estimate giving marrow DKK1 of ng/mL to tens of ng/mL at MM burdens of 5-20% of the marrow",
        "DKK1 release by an MM cell.",
    ),
    _p(
        "mm.opg_clearance_pl_per_h",
        0.0,
        "pL/h/cell",
        0.0,
        2000.0,
        "Standal et al. 2002 Blood 100:3002 (myeloma cells bind OPG through the heparan sulfate chains of "
        "syndecan-1, internalise and degrade it); off by default, a hypothesis to test: 1, 10 and 100 pL/h per "
        "cell (0.01-1% of the diffusion limit of a 10 µm cell) raise mm_niche's day-60 marrow RANKL/OPG from 0.036 "
        "to 0.039, 0.046 and 0.061 (T5 near/far 3.37x, 2.77x, 3.22x against 3.34x without; python -m "
        "analysis.t5_far_field at e789814, docs/ODD.md); with OPG's former 0.35/day loss they raised it 4 to "
        "28-fold, far beyond patients (133 MM patients: marrow sRANKL/OPG median 0.14, control serum 0.11; Kraj et "
        "al. 2005 Arch Immunol Ther Exp 53:454, PMID 16314829)",
        "Marrow fluid an MM cell clears of OPG per hour (bound, internalised, degraded).",
    ),
    _p(
        "mm.vegf_secretion",
        10.0,
        "molecules/h/cell",
        0.0,
        1e6,
        "Dankbar et al. 2000 Blood 95:2630 (MM cells secrete VEGF); the stromal rate, an estimate that puts "
        "marrow VEGF in MM a few-fold above health",
        "VEGF release by an MM cell.",
    ),
    # --- osteoclast precursors and osteoclasts -----------------------------------------
    _p(
        "ocp.recruitment_rate",
        0.03,
        "/h per vessel site",
        0.0,
        10.0,
        "calibrated: set so healthy trabecular turnover is about 20%/year, mid-range of 10-30% (Parfitt 1983; "
        "Manolagas 2000 Endocr Rev 21:115); measured as T13 does (healthy, 100 x 100, seeds 1-6, days 31-90): "
        "0.015 gave 7%, 0.02 12%, 0.03 20% and the old 0.06 63%/yr once precursors crawled at 6 hops/h. T13's "
        "turnover band therefore checks this calibration; it is not an independent test. The ABC-SMC refit to "
        "20 ± 5 %/yr (`run.py calibrate turnover`: 4 generations of 20 particles, each the mean of 4 runs) gives "
        "0.029 [95%: 0.026, 0.036]",
        "Rate at which an endothelial site releases an osteoclast precursor into the marrow.",
    ),
    _p(
        "ocp.entry_push_radius_um",
        30.0,
        "µm",
        0.0,
        200.0,
        "estimate: as mm.push_radius_um (a cell entering packed tissue displaces its neighbours when an empty site "
        "lies within a few cell diameters; Drasdo & Höhme 2005 Phys Biol 2:133); monocytes cross the marrow "
        "sinusoid wall into haematopoietic cords packed with cells, so crowding slows their entry rather than "
        "stopping it (squeezing at ocp.squeeze_probability); 0 = no entry where every neighbour is taken",
        "A precursor released where no neighbouring site is empty enters by pushing cells toward an empty site "
        "this close.",
    ),
    _p(
        "ocp.ccl3_recruitment_fold",
        3.0**0.15,
        "x",
        1.0,
        50.0,
        "CCL3 recruits precursors (Abe et al. 2002 Blood 100:2195); size calibrated: the estimate 3 raised to the "
        "CCL3 strength 0.15, " + _STRENGTHS,
        "Maximal multiplier of precursor recruitment by CCL3.",
    ),
    _p(
        "ocp.ccl3_ec50_pm",
        200.0,
        "pM",
        1.0,
        1e5,
        "estimate: MIP-1α chemotaxis is half-maximal near 1-10 ng/mL (130-1300 pM)",
        "CCL3 giving half the maximal recruitment and chemotactic response.",
    ),
    _p(
        "ocp.chemotaxis",
        50.0 * 0.15,
        "per relative CCL3 difference",
        0.0,
        500.0,
        "calibrated: the estimate 50 (CCL3 changes by ~2.5% per 10 µm near MM; monocytes follow gradients of 1-2% "
        "across the cell, Zigmond 1977 J Cell Biol 75:606: a neighbour with 1% more CCL3 then 1.6x likelier) times "
        "the CCL3 strength 0.15, so 1% more CCL3 makes a neighbour 1.08x likelier; " + _STRENGTHS,
        "Strength of the bias up the CCL3 gradient (0 = random walk).",
    ),
    _p(
        "ocp.migration_rate",
        6.0,
        "/h",
        0.0,
        30.0,
        "estimate: intravital two-photon imaging shows osteoclast-precursor-containing monocytoid cells crawling "
        "through the bone marrow at micrometres per minute (Ishii et al. 2009 Nature 458:524); a conservative "
        "1 µm/min is 6 hops of 10 µm an hour (was 0.5 /h, i.e. 5 µm/h, before the core rebuild)",
        "Rate of a precursor's hops to a neighbouring site (10 µm each), /h; taken in that many sub-steps an hour.",
    ),
    _p(
        "ocp.bone_migration_factor",
        0.1,
        "x",
        0.0,
        1.0,
        "estimate: precursors attach to bone matrix through αvβ3 integrin and slow down there "
        "(Teitelbaum 2000 Science 289:1504)",
        "Migration-rate multiplier of a precursor next to bone.",
    ),
    _p(
        "ocp.death_rate",
        0.014,
        "/h",
        0.0,
        1.0,
        "estimate: precursors not recruited to bone die or leave within ~3 days",
        "Death (or exit) rate of a precursor.",
    ),
    _p(
        "ocp.fusion_rate",
        0.05,
        "/h",
        0.0,
        10.0,
        "estimate: a precursor on bone with its RANK saturated fuses in about a day (mean 20 h), well within "
        "its life of about 3 days, so most precursors that reach bone under RANKL fuse",
        "Maximal fusion rate of a precursor next to bone.",
    ),
    _p(
        "ocp.ccl3_fusion_fold",
        2.0**0.15,
        "x",
        1.0,
        20.0,
        "Han et al. 2001 Blood 97:3349 (MIP-1α enhances RANKL-induced osteoclast formation by purified precursors, "
        "acting late, at fusion); Vallet et al. 2007 Blood 110:3744 (CCR1 blockade cuts multinucleation); "
        "size calibrated: the estimate 2 (set while looking at T7) raised to the CCL3 strength 0.15, " + _STRENGTHS,
        "Maximal multiplier of a precursor's fusion rate by CCL3 (through CCR1).",
    ),
    _p(
        "ocp.ccl3_fusion_ec50_pm",
        6.4,
        "pM",
        0.1,
        1e5,
        "Han et al. 2001 Blood 97:3349: dose-dependent from 5 to 200 pg/mL MIP-1α; half-max taken at 50 pg/mL "
        "(6.4 pM at 7.8 kDa)",
        "CCL3 giving half the maximal enhancement of fusion.",
    ),
    _p(
        "ocp.fusion_occupancy_half",
        0.5,
        "fraction",
        0.01,
        1.0,
        "estimate: osteoclastogenesis needs most RANK occupied (Lemaire 2004 activator function)",
        "RANK occupancy giving half the maximal fusion rate.",
    ),
    _p(
        "ocp.fusion_hill",
        4.0,
        "dimensionless",
        0.5,
        10.0,
        "estimate: switch-like NFATc1 induction",
        "Hill coefficient of fusion in RANK occupancy.",
    ),
    _p(
        "ocp.squeeze_probability",
        0.5,
        "probability",
        0.0,
        1.0,
        "estimate: a monocyte squeezes past a neighbouring cell (the two swap sites) at half its free crawling "
        "rate; confinement slows amoeboid leukocyte migration about 2-fold (Lämmermann et al. 2008 Nature "
        "453:51; Wolf et al. 2013 J Cell Biol 201:1069)",
        "Chance that a precursor stepping toward a site held by an MM cell or precursor squeezes past it.",
    ),
    _p(
        "ocp.fusion_partners",
        1,
        "other precursors",
        0,
        24,
        "estimate: human trabecular osteoclasts hold 2-10 nuclei (histology summaries in the project's notes, "
        "shared/science/parameters.md, a weak source)",
        "Other precursors within two sites needed to fuse into one osteoclast.",
    ),
    _p(
        "oc.relocation_radius_um",
        0.0,
        "µm",
        0.0,
        250.0,
        "estimate: 0, so an osteoclast that has dissolved its site waits for a free surface site next to it, as when "
        "oc.resorption_per_nucleus and ocp.recruitment_rate were set; isolated osteoclasts crawl 30-248 µm/h "
        "between resorption episodes (Kanehisa & Heersche 1988 Bone 9:73) and can move while resorbing (Søe & "
        "Delaissé 2017 J Cell Sci 130:2026). 30 µm raised mm_advanced's first-month resorption by a fifth "
        "(0.082 against 0.068 mm², 1 mm², seeds 101-108: python -m analysis.t18_levers)",
        "How far an osteoclast that has dissolved its site, with no free bone-surface site next to it, moves to "
        "the nearest free one in an hour.",
    ),
    _p(
        "oc.detached_death_fold",
        4.0,
        "x",
        1.0,
        20.0,
        "Zhao, Ross & Teitelbaum 2005 Mol Endocrinol 19:771: preosteoclasts on a matrix their αvβ3 integrin "
        "cannot bind undergo apoptosis 4-fold faster than on its ligand (unoccupied αvβ3 signals death)",
        "Death-rate multiplier of an osteoclast with no bone left next to it (detached from the matrix).",
    ),
    _p(
        "oc.lifespan_h",
        336.0,
        "h",
        24.0,
        5000.0,
        "Manolagas 2000 Endocr Rev 21:115: osteoclasts live ≈ 2 weeks (histology, not population fits)",
        "Mean osteoclast lifespan (gamma distributed).",
    ),
    _p(
        "oc.lifespan_shape",
        4.0,
        "dimensionless",
        1.0,
        100.0,
        "estimate: lifespans spread a few days to ~25 d",
        "Shape of the gamma distribution of osteoclast lifespans.",
    ),
    _p(
        "oc.resorption_per_nucleus",
        0.01,
        "site/h per nucleus",
        0.0,
        1.0,
        "estimate: erosion ~2 µm/day over a ~30 µm front = 60 µm²/day per osteoclast (Lips et al. 1978; "
        "the project's notes) shared over the 2-3 nuclei of a human trabecular osteoclast; resorption grows with the "
        "number of nuclei (Piper et al. 1992 Anat Embryol 186:291)",
        "Bone removed per nucleus of an osteoclast, in site volumes per hour.",
    ),
    _p(
        "oc.max_nuclei",
        20,
        "nuclei",
        1,
        200,
        "estimate: human osteoclasts hold 2-10 nuclei, rarely over 20 outside Paget's disease (the project's "
        "notes, shared/science/parameters.md; Piper et al. 1992)",
        "Most nuclei an osteoclast takes in; a precursor next to a full osteoclast founds a new one instead.",
    ),
    _p(
        "oc.ccl3_resorption_fold",
        2.0**0.15,
        "x",
        1.0,
        20.0,
        "Han et al. 2001 Blood 97:3349 (MIP-1α stimulates resorption by osteoclasts); Vallet et al. 2007 (CCR1 "
        "blockade cuts resorption more than formation); size calibrated: the estimate 2 raised to the CCL3 strength "
        "0.15, " + _STRENGTHS,
        "Maximal multiplier of an osteoclast's resorption by CCL3.",
    ),
    _p(
        "oc.ccl3_activation_ec50_pm",
        200.0,
        "pM",
        1.0,
        1e5,
        "estimate: as ocp.ccl3_ec50_pm (1-10 ng/mL MIP-1α acts on osteoclast-lineage cells)",
        "CCL3 giving half the maximal activation of resorption.",
    ),
    _p(
        "oc.april_secretion",
        50000.0,
        "molecules/h/cell",
        0.0,
        1e7,
        "estimate: osteoclasts express APRIL highly and keep MM cells alive through it (Abe et al. 2006 Leukemia "
        "20:1313; Yaccoby et al. 2008 Leukemia 22:406), at a rate not measured; set so a lone osteoclast on a flat "
        "bone surface holds APRIL at half-maximal (mm.april_ec50_pm) 100 µm away, 14 molecules/s, an ordinary "
        "cytokine secretion rate (steady state of the APRIL field's own solver, in tests/test_april.py)",
        "APRIL release by an osteoclast.",
    ),
    _p(
        "oc.rankl_withdrawal_death_rate",
        0.02,
        "/h",
        0.0,
        1.0,
        "Lacey et al. 2000 Am J Pathol 157:435 (RANKL keeps osteoclasts alive; without it they die within "
        "days); rate an estimate (half-life ≈ 35 h without RANKL)",
        "Extra death rate of an osteoclast with no RANK signalling.",
    ),
    _p(
        "oc.survival_occupancy_half",
        0.03,
        "fraction",
        0.001,
        1.0,
        "estimate: survival needs far less RANK signalling than fusion (healthy occupancy ≈ 0.2 keeps "
        "osteoclasts alive for their full life)",
        "RANK occupancy giving half the survival support.",
    ),
    _p(
        "oc.survival_hill",
        2.0,
        "dimensionless",
        0.5,
        10.0,
        "estimate: graded (10% to 90% of the support over a ninefold range of occupancy), gentler than the "
        "switch of fusion (ocp.fusion_hill 4)",
        "Hill coefficient of survival in RANK occupancy.",
    ),
    _p(
        "ob.formation_rate",
        0.003,
        "site/h",
        0.0,
        1.0,
        "Lips et al. 1978 Calcif Tissue Res 26:13: mineral apposition 0.72 µm/day over a 10 µm cell",
        "Bone laid down by one osteoblast, in site volumes per hour.",
    ),
    _p(
        "ob.lifespan_h",
        1656.0,
        "h",
        24.0,
        10000.0,
        "Lips et al. 1978: formation period ≈ 69 days (wall thickness / apposition rate)",
        "Mean active osteoblast lifespan (gamma distributed).",
    ),
    _p(
        "ob.lifespan_shape",
        4.0,
        "dimensionless",
        1.0,
        100.0,
        "estimate: as oc.lifespan_shape: formation periods vary with a coefficient of variation of 0.5 "
        "(1/√4) around Lips' 69 days",
        "Shape of the gamma distribution of osteoblast lifespans.",
    ),
    _p(
        "ob.mm_contact_apoptosis_rate",
        0.02,
        "/h",
        0.0,
        1.0,
        "Silvestris et al. 2003 Br J Haematol 122:39 (MM cells induce osteoblast apoptosis by contact); "
        "rate an estimate",
        "Death rate of an osteoblast touched by an MM cell.",
    ),
    _p(
        "ob.opg_secretion",
        12300.0,
        "molecules/h/cell",
        0.0,
        1e5,
        "estimate: osteoblasts secrete OPG at the stromal rate",
        "OPG release by an osteoblast.",
    ),
    _p(
        "ob.dkk1_secretion",
        20.0,
        "molecules/h/cell",
        0.0,
        1e5,
        "estimate: osteoblasts express DKK1 as Wnt feedback (Kubota et al. 2009 JBMR 24:1117), far less than MM",
        "DKK1 release by an osteoblast.",
    ),
    _p(
        "ob.dkk1_opg_suppression",
        0.5,
        "fraction",
        0.0,
        1.0,
        "Glass et al. 2005 Dev Cell 8:751 (Wnt/β-catenin raises osteoblast OPG); share lost an estimate",
        "Share of osteoblast OPG secretion lost at saturating DKK1 (half at stroma.dkk1_ic50_pm).",
    ),
    # --- in-vitro co-culture ----------------------------------------------------------------
    _p(
        "culture.well",
        0,
        "0 or 1",
        0,
        1,
        "design: the co-culture of Giuliani et al. 2001 and Bolzoni et al. 2013 (GSE37302)",
        "1 = an in-vitro well: no bone, no vessels, MM cells seeded at random among the stroma.",
    ),
    _p(
        "culture.transwell",
        0,
        "0 or 1",
        0,
        1,
        "Giuliani et al. 2001 Blood 98:3527 (the transwell abolishes the stromal response)",
        "1 = MM cells sit in a transwell insert: they share the medium but never touch stroma.",
    ),
    # --- measurement -------------------------------------------------------------------
    _p(
        "metrics.lesion_min_area_mm2",
        0.005,
        "mm²",
        0.0,
        10.0,
        "design: a lost-bone region of at least 50 sites (e.g. 70 x 70 µm) counts as a lesion",
        "Smallest connected region of lost bone counted as a lesion.",
    ),
)

BY_NAME: dict[str, Parameter] = {p.name: p for p in TABLE}


class Parameters:
    """Validated parameter values, read as ``params.mm.adhesion_rate`` or ``params["mm.adhesion_rate"]``."""

    def __init__(self, values: dict[str, Any]):
        self._values = dict(values)
        groups: dict[str, dict[str, Any]] = {}
        for name, value in self._values.items():
            group, field = name.split(".", 1)
            groups.setdefault(group, {})[field] = value
        for group, fields in groups.items():
            setattr(self, group, SimpleNamespace(**fields))

    def __getitem__(self, name: str) -> Any:
        return self._values[name]

    def as_dict(self) -> dict[str, Any]:
        return dict(self._values)

    def replace(self, **overrides: Any) -> Parameters:
        """A copy with dotted-name overrides (``replace(**{"mm.initial_count": 5})``), validated."""
        return build_parameters({**self._values, **overrides})


def suggest(key: str) -> str:
    """A 'did you mean' hint for an unknown key, or an empty string."""
    close = difflib.get_close_matches(key, BY_NAME, n=1, cutoff=0.5)
    return f" (did you mean {close[0]!r}?)" if close else ""


def build_parameters(overrides: dict[str, Any] | None = None) -> Parameters:
    """Defaults with overrides applied, every value checked; raises ParameterError."""
    values = {p.name: p.default for p in TABLE}
    for key, value in (overrides or {}).items():
        if key not in BY_NAME:
            raise ParameterError(key, "unknown parameter" + suggest(key) + "; `python run.py params` lists them")
        values[key] = BY_NAME[key].check(value)
    _check_grid(values)
    return Parameters(values)


def _check_grid(values: dict[str, Any]) -> None:
    """Cross-checks between parameters: field voxels must tile the grid."""
    for key in (name for name in values if name.endswith(".voxel_um")):
        voxel = values[key]
        factor = voxel / 10.0
        if factor != int(factor):
            raise ParameterError(key, f"got {voxel:g} µm; must be a multiple of the 10 µm site")
        for dim in ("grid.width", "grid.height"):
            if values[dim] % int(factor):
                raise ParameterError(
                    dim,
                    f"got {values[dim]} sites, which {key} = {voxel:g} µm ({int(factor)} sites) does not "
                    f"divide; use a multiple of {int(factor)}",
                )
            if values[dim] // int(factor) < 5:
                raise ParameterError(dim, f"got {values[dim]} sites: fewer than 5 voxels of {key}")


# --- the table as text (``run.py params``) ----------------------------------------------------------------------
def parameter_text() -> str:
    """The parameter table as aligned text: name, default value, unit, allowed values, source."""
    defaults = build_parameters()
    lines = [f"{'name':40s} {'value':>10s}  {'unit':22s} {'allowed':28s} source"]
    for p in TABLE:
        value = f"{defaults[p.name]!r}" if isinstance(p.default, str) else f"{defaults[p.name]:g}"
        lines.append(f"{p.name:40s} {value:>10s}  {p.unit or '-':22s} {_allowed(p):28s} {p.source}")
    return "\n".join(lines)


def parameter_markdown() -> str:
    """The parameter table as the Markdown page docs/parameters.md (``run.py params --markdown``)."""
    lines = [
        "# Parameters",
        "",
        "Generated by `python run.py params --markdown` (`make docs`) from `niche_abm/params.py`, the single",
        "source of truth. One site = 10 µm, one step = 1 h, so every rate is per hour. Scenario files and",
        "`--set` override values by the dotted name.",
        "",
        "| name | default | unit | allowed | meaning | source |",
        "|---|---|---|---|---|---|",
    ]
    for p in TABLE:
        value = f"`{p.default!r}`" if isinstance(p.default, str) else f"{p.default:g}"
        cells = (f"`{p.name}`", value, p.unit or "–", _allowed(p), p.description, p.source)
        lines.append("| " + " | ".join(str(c).replace("|", "\\|") for c in cells) + " |")
    return "\n".join(lines)


def _allowed(p: Parameter) -> str:
    """The allowed values, short, for a table column."""
    if p.choices:
        return " | ".join(p.choices)
    if isinstance(p.default, str):
        return "path"
    return f"[{p.low:g}, {p.high:g}]"
