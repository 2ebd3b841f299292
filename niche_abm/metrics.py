"""Bone histomorphometry (ASBMR nomenclature, Dempster et al. 2013) and field summaries.

Measured on the model's state, never changing it. Lengths: a bone surface is the
set of edges between a bone site and a marrow site (4-neighbour), each 10 µm.
Tissue volume is the whole grid.

- bv_tv: bone volume / tissue volume, % (sum of bone fractions).
- es_bs: eroded surface: surface edges whose marrow side lies in an unrefilled
  resorption cavity (a site that held more bone before), % of BS.
- oc_s_bs, ob_s_bs: surface edges covered by an osteoclast / osteoblast, % of BS.
- n_oc_b_pm: osteoclasts touching bone per mm of bone perimeter, /mm.
- lesion_count, lesion_area_mm2: connected regions (8-neighbour) of sites that
  were bone at the start and are marrow now, at least metrics.lesion_min_area_mm2.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from scipy import ndimage

from niche_abm.agents.codes import MYELOMA, OSTEOBLAST, OSTEOCLAST
from niche_abm.units import CCL3_KDA, SITE_UM, pm_to_pg_per_ml, sites_to_mm2

if TYPE_CHECKING:
    from niche_abm.model import NicheModel

COLUMNS = (
    "day",
    "bv_tv",
    "es_bs",
    "oc_s_bs",
    "n_oc_b_pm",
    "ob_s_bs",
    "n_mm",
    "mm_fraction",
    "n_oc",
    "n_ob",
    "rankl_opg_ratio",
    "free_rankl_mean",
    "ccl3_mean",
    "resorbed_mm2",
    "formed_mm2",
    "lesion_count",
    "lesion_area_mm2",
)


def surface_edges(marrow: np.ndarray, marrow_side: np.ndarray) -> int:
    """Number of bone-marrow edges whose marrow site satisfies marrow_side (bool array)."""
    bone = ~marrow
    count = 0
    for axis in (0, 1):
        for shift in (1, -1):
            neighbour_is_bone = np.zeros_like(bone)
            src = [slice(None)] * 2
            dst = [slice(None)] * 2
            src[axis] = slice(1, None) if shift == 1 else slice(None, -1)
            dst[axis] = slice(None, -1) if shift == 1 else slice(1, None)
            neighbour_is_bone[tuple(dst)] = bone[tuple(src)]
            count += int((marrow & marrow_side & neighbour_is_bone).sum())
    return count


def lesions(model: NicheModel) -> tuple[int, float]:
    """(count, total area mm²) of connected lost-bone regions above the size threshold."""
    lost = (model.bone_template >= model.params.bone.marrow_threshold) & model.marrow
    labels, n = ndimage.label(lost, structure=np.ones((3, 3)))
    if n == 0:
        return 0, 0.0
    sizes = np.bincount(labels.ravel())[1:]
    big = sizes[sizes >= model.params.metrics.lesion_min_area_mm2 / sites_to_mm2(1)]
    return len(big), sites_to_mm2(float(big.sum()))


def exposure(model: NicheModel) -> dict[str, float]:
    """Concentration of each drug given in the run, µM, as columns conc_<drug>_um."""
    return {f"conc_{name}_um": c for name, c in model.treatment.concentrations(float(model.hour)).items()}


def measure(model: NicheModel) -> dict[str, float]:
    """All daily metrics of the model as it stands (plus the drug exposure when drugs are given)."""
    marrow, occupancy = model.marrow, model.occupancy
    bs = max(surface_edges(marrow, np.ones_like(marrow)), 1)
    cavity = marrow & (model.bone_template - model.bone > 1e-9)
    n_oc = int((occupancy == OSTEOCLAST).sum())
    n_oc_on_bone = int(((occupancy == OSTEOCLAST) & model.next_to_bone).sum())
    n_mm = int((occupancy == MYELOMA).sum())
    marrow_sites = max(int(marrow.sum()), 1)
    lesion_count, lesion_area = lesions(model)
    return {
        "day": model.hour / 24.0,
        "bv_tv": 100.0 * float(model.bone.mean()),
        "es_bs": 100.0 * surface_edges(marrow, cavity) / bs,
        "oc_s_bs": 100.0 * surface_edges(marrow, occupancy == OSTEOCLAST) / bs,
        "n_oc_b_pm": n_oc_on_bone / (bs * SITE_UM * 1e-3),
        "ob_s_bs": 100.0 * surface_edges(marrow, occupancy == OSTEOBLAST) / bs,
        "n_mm": n_mm,
        "mm_fraction": n_mm / marrow_sites,
        "n_oc": n_oc,
        "n_ob": int((occupancy == OSTEOBLAST).sum()),
        "rankl_opg_ratio": float(model.rankl_sites[marrow].mean() / max(model.opg_sites[marrow].mean(), 1e-12)),
        "free_rankl_mean": float(model.free_rankl_sites[marrow].mean()),
        "ccl3_mean": pm_to_pg_per_ml(float(model.ccl3_sites[marrow].mean()), CCL3_KDA),
        "resorbed_mm2": sites_to_mm2(model.counters["resorbed"]),
        "formed_mm2": sites_to_mm2(model.counters["formed"]),
        "lesion_count": lesion_count,
        "lesion_area_mm2": lesion_area,
        **exposure(model),
    }
