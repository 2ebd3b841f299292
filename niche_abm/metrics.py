"""Bone histomorphometry (ASBMR nomenclature, Dempster et al. 2013) and field summaries.

Measured on the model's state, never changing it. Surfaces are counted in
sites: the bone surface (BS) is the set of bone sites touching marrow (8
neighbours) plus the lacunae osteoclasts are dissolving, each 10 µm of
perimeter; osteoclasts and osteoblasts sit on it.
Tissue volume is the whole grid.

- bv_tv: bone volume / tissue volume, % (sum of bone fractions).
- es_bs: eroded surface: bone-surface sites partly resorbed or facing an unrefilled cavity and carrying no
  osteoid, % of BS (ASBMR: a cavity's surface already covered by osteoid is osteoid surface, not eroded).
- os_bs: osteoid surface: bone-surface sites where bone was laid within bone.osteoid_maturation_h (the
  mineralisation lag time), or under an osteoblast laying it, % of BS.
- oc_s_bs, ob_s_bs: sites covered by an osteoclast / osteoblast, % of BS.
- n_oc_b_pm: osteoclasts per mm of bone perimeter, /mm.
- oc_nuclei_mean: mean nuclei per osteoclast (NaN without osteoclasts).
- mm_near_oc: share of MM cells within mm.osteoclast_support_radius_um of an osteoclast.
- ccl3_mean, dkk1_mean, vegf_mean, il6_mean, april_mean: marrow mean of each secreted factor
  (:data:`niche_abm.world.signals.FACTORS`), pg/mL (the unit of
  marrow-plasma ELISAs; pM times the molecular mass in kDa).
- microvessel_density: vessel cross-sections (8-connected groups of endothelial sites) per mm² of marrow,
  the CD34 microvessel count of Vacca et al. 1994.
- A metric with no denominator (no bone surface, no marrow, no MM cell, no osteoclast) is NaN, never 0:
  undefined, which summary.json writes as null.
- lesion_count, lesion_area_mm2: connected regions (8-neighbour) of sites that
  were bone at the start and are marrow now, at least metrics.lesion_min_area_mm2.
- tb_th_um, tb_sp_um, tb_n_per_mm: trabecular thickness, separation and number
  (:func:`niche_abm.world.trabecular.trabecular_structure`), at the start and end of each run
  (empty on the days between: measuring the skeleton daily would cost more than the step at 1,000 x 1,000 sites).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

import numpy as np
from scipy import ndimage

from niche_abm.cells import EndothelialCell, MyelomaCell, Osteoblast, Osteoclast
from niche_abm.units import SITE_UM, pm_to_pg_per_ml, sites_to_mm2
from niche_abm.world.signals import BY_NAME, FACTORS
from niche_abm.world.trabecular import trabecular_structure

if TYPE_CHECKING:
    from niche_abm.drugs.regimen import Treatment
    from niche_abm.params import Parameters
    from niche_abm.world.bone import Bone
    from niche_abm.world.lattice import Lattice
    from niche_abm.world.niche import Niche
    from niche_abm.world.signals import Signals


class Measured(Protocol):
    """What the measures read of a model (:class:`niche_abm.model.NicheModel` is one): the hour, the
    parameters, the bone, the lattice, the fields, the niche's counters and marks, the treatment."""

    hour: int
    params: Parameters
    bone: Bone
    lattice: Lattice
    signals: Signals
    niche: Niche
    treatment: Treatment

    def bone_surface(self) -> np.ndarray:
        """Bone-surface sites [x, y] (bool)."""


COLUMNS = (
    "day",
    "bv_tv",
    "es_bs",
    "os_bs",
    "oc_s_bs",
    "n_oc_b_pm",
    "ob_s_bs",
    "n_mm",
    "mm_fraction",
    "mm_near_oc",
    "n_oc",
    "oc_nuclei_mean",
    "osteoclasts_formed",
    "n_ob",
    "rankl_opg_ratio",
    "free_rankl_mean",
    *(f"{name}_mean" for name in FACTORS),
    "microvessel_density",
    "resorbed_mm2",
    "formed_mm2",
    "lesion_count",
    "lesion_area_mm2",
    "tb_th_um",
    "tb_sp_um",
    "tb_n_per_mm",
)
"""Daily columns; the trabecular structure (last three) is measured at the start and end of each run."""


def structure(model: Measured) -> dict[str, float]:
    """Tb.Th (µm), Tb.Sp (µm) and Tb.N (/mm) of the bone now (:func:`trabecular_structure`)."""
    measured = trabecular_structure(model.bone.fraction, model.bone.threshold)
    return {key: measured[key] for key in ("tb_th_um", "tb_sp_um", "tb_n_per_mm")}


def exposure(model: Measured) -> dict[str, float]:
    """Concentration of each drug given in the run, µM, as columns conc_<drug>_um."""
    return {f"conc_{name}_um": c for name, c in model.treatment.concentrations(float(model.hour)).items()}


def microvessel_density(model: Measured) -> float:
    """Vessel cross-sections (8-connected groups of endothelial sites) per mm² of marrow."""
    _, n = ndimage.label(model.lattice.marrow_code == EndothelialCell.code, structure=np.ones((3, 3)))
    return n / (sites_to_mm2(float(model.bone.marrow.sum())) or float("nan"))


def measure(model: Measured) -> dict[str, float]:
    """All daily metrics of the model as it stands (plus the drug exposure when drugs are given)."""
    bone, lattice, signals = model.bone, model.lattice, model.signals
    marrow = bone.marrow
    surface = model.bone_surface()
    bs = float(surface.sum()) or float("nan")
    osteoid = surface & bone.osteoid(model.hour, model.params.bone.osteoid_maturation_h)
    oc_sites = lattice.sites_of(Osteoclast)
    nuclei = lattice.read(Osteoclast, "nuclei", oc_sites)
    mm_sites = lattice.sites_of(MyelomaCell)
    n_mm = len(mm_sites)
    surface_code = lattice.surface_code
    lesion_count, lesion_area = bone.lesions(model.params.metrics.lesion_min_area_mm2)
    means = signals.marrow_means(("opg", "rankl", "free_rankl", *FACTORS), marrow)
    opg_mean = max(means["opg"], 1e-12)
    return {
        "day": model.hour / 24.0,
        "bv_tv": bone.bv_tv(),
        "es_bs": 100.0 * float((surface & bone.near_cavity & ~osteoid).sum()) / bs,
        "os_bs": 100.0 * float(osteoid.sum()) / bs,
        "oc_s_bs": 100.0 * float((surface & (surface_code == Osteoclast.code)).sum()) / bs,
        "n_oc_b_pm": len(oc_sites) / (bs * SITE_UM * 1e-3),
        "ob_s_bs": 100.0 * float((surface & (surface_code == Osteoblast.code)).sum()) / bs,
        "n_mm": n_mm,
        "mm_fraction": n_mm / (float(marrow.sum()) or float("nan")),
        "mm_near_oc": float(model.niche.near_osteoclast.ravel()[mm_sites].mean()) if n_mm else float("nan"),
        "n_oc": len(oc_sites),
        "oc_nuclei_mean": float(nuclei.mean()) if len(nuclei) else float("nan"),
        "osteoclasts_formed": model.niche.counters["osteoclasts_formed"],
        "n_ob": len(lattice.sites_of(Osteoblast)),
        "rankl_opg_ratio": means["rankl"] / opg_mean,
        "free_rankl_mean": means["free_rankl"],
        **{f"{name}_mean": pm_to_pg_per_ml(means[name], BY_NAME[name].mass_kda) for name in FACTORS},
        "microvessel_density": microvessel_density(model),
        "resorbed_mm2": sites_to_mm2(bone.resorbed),
        "formed_mm2": sites_to_mm2(bone.formed),
        "lesion_count": lesion_count,
        "lesion_area_mm2": lesion_area,
        **exposure(model),
    }
