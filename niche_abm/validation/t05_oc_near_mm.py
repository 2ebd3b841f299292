"""T5: osteoclasts concentrate on bone next to MM infiltrates (Valentin-Opran 1982; Bataille 1986)."""

from __future__ import annotations

import numpy as np
from scipy import ndimage

from niche_abm.cells import MyelomaCell, Osteoclast
from niche_abm.units import SITE_UM
from niche_abm.validation.common import (
    GRID,
    IN_VIVO_SEEDS,
    bar_figure,
    excludes_zero_above,
    fmt,
    interval,
    simulate,
)

ID = "T5"
CLAIM = (
    "osteoclasts concentrate where MM cells infiltrate: osteoclast density is higher in marrow areas massively "
    "invaded by MM than in less-invaded areas; excess resorption only in invaded areas"
)
SOURCE = "Valentin-Opran et al. 1982 Br J Haematol 52:601; Bataille et al. 1986 Br J Cancer 53:805"
MECHANISM = (
    "MM contact raises stromal RANKL and lowers OPG locally and MM cells secrete CCL3; precursors reach bone through "
    "the packed marrow, drawn up the CCL3 gradient, and fuse where free RANKL (and CCL3) is high, on a free site "
    "beside bone"
)
READOUT = "emergent"
PUBLISHED = "osteoclasts per mm bone surface near MM ≥ 2x far from MM; lesions overlap MM clusters"
TOLERANCE = (
    "mm_niche, 100x100 (150 MM cells in 2 foci: its 600 in 6 scaled to the area), snapshots at days 30, 40, 50, 60 "
    "pooled per seed; MM cluster = 8-connected group of ≥ 5 MM cells; near = within 100 µm (10 sites, Euclidean) of"
    " a cluster. Pass if the pooled near/far density ratio ≥ 2 and the lesion-sites share near MM exceeds the "
    "bone-surface share near MM (paired 95% interval > 0)"
)
SEEDS = IN_VIVO_SEEDS
SNAPSHOT_DAYS = (30, 40, 50, 60)
NEAR_SITES = 100 / SITE_UM
MIN_CLUSTER = 5
LESION_MIN_SITES = 4


def _near_mm(occupancy: np.ndarray) -> np.ndarray:
    mm = occupancy == MyelomaCell.code
    labels, n = ndimage.label(mm, structure=np.ones((3, 3)))
    if n == 0:
        return np.zeros_like(mm)
    sizes = np.bincount(labels.ravel())
    clusters = (sizes >= MIN_CLUSTER)[labels] & mm
    if not clusters.any():
        return np.zeros_like(mm)
    return ndimage.distance_transform_edt(~clusters) <= NEAR_SITES


def _lesion_sites(snap: dict) -> np.ndarray:
    lost = (snap["bone_template"] >= 0.5) & snap["marrow"]
    labels, _ = ndimage.label(lost, structure=np.ones((3, 3)))
    sizes = np.bincount(labels.ravel())
    return (sizes >= LESION_MIN_SITES)[labels] & lost


def _counts(run) -> dict[str, float]:
    tally = dict.fromkeys(("oc_near", "bs_near", "oc_far", "bs_far", "lesion", "lesion_near", "bs_share_near"), 0.0)
    shares = []
    for day in SNAPSHOT_DAYS:
        snap = run.snapshots[day]
        near = _near_mm(snap["occupancy"])
        surface = snap["bone_surface"]
        oc = (snap["occupancy"] == Osteoclast.code) & surface
        tally["oc_near"] += (oc & near).sum()
        tally["oc_far"] += (oc & ~near).sum()
        tally["bs_near"] += (surface & near).sum()
        tally["bs_far"] += (surface & ~near).sum()
        lesion = _lesion_sites(snap)
        tally["lesion"] += lesion.sum()
        tally["lesion_near"] += (lesion & near).sum()
        shares.append((surface & near).sum() / max(surface.sum(), 1))
    tally["bs_share_near"] = float(np.mean(shares))
    return {k: float(v) for k, v in tally.items()}


def _density_per_mm(oc: float, bs_sites: float) -> float:
    return oc / (bs_sites * SITE_UM * 1e-3) if bs_sites else float("nan")


def seed_counts(seed: int, overrides: dict | None = None, grid: tuple[int, int] = GRID) -> dict[str, float]:
    """Osteoclasts, bone surface and lesion sites near and far from MM clusters in one mm_niche run (MM cells
    scaled to the grid's area)."""
    return _counts(simulate("mm_niche", seed, overrides=overrides, grid=grid))


def _pooled(counts: list[dict[str, float]]) -> dict[str, float]:
    """The counts of several runs summed (the share of surface near MM is per run and left out)."""
    return {k: sum(c[k] for c in counts) for k in counts[0] if k != "bs_share_near"}


def near_far_ratio(counts: list[dict[str, float]]) -> tuple[float, float, float]:
    """(near, far, near/far): osteoclasts per mm of bone surface near and far from MM, pooled over runs."""
    total = _pooled(counts)
    near = _density_per_mm(total["oc_near"], total["bs_near"])
    far = _density_per_mm(total["oc_far"], total["bs_far"])
    return near, far, near / far if far > 0 else float("inf")


def evaluate(seeds: tuple[int, ...] = SEEDS) -> dict:
    counts = [seed_counts(s) for s in seeds]
    near, far, ratio = near_far_ratio(counts)
    near_seed = np.array([_density_per_mm(c["oc_near"], c["bs_near"]) for c in counts])
    far_seed = np.array([_density_per_mm(c["oc_far"], c["bs_far"]) for c in counts])
    lesion_share = np.array([c["lesion_near"] / c["lesion"] if c["lesion"] else np.nan for c in counts])
    surface_share = np.array([c["bs_share_near"] for c in counts])
    excess = lesion_share - surface_share
    checks = {
        "near/far density ≥ 2x": bool(ratio >= 2.0),
        "lesions overlap MM clusters": excludes_zero_above(excess[np.isfinite(excess)]),
    }
    figure = bar_figure(
        "t05_oc_near_mm.png",
        [
            ("osteoclasts per mm bone surface", {"≤100 µm of MM": list(near_seed), "far from MM": list(far_seed)}),
            ("share within 100 µm of MM", {"lesion sites": list(lesion_share), "bone surface": list(surface_share)}),
        ],
        "T5 mm_niche days 30-60 pooled: osteoclasts and lesions near MM clusters (95% CI)",
    )
    return {
        "status": "PASS" if all(checks.values()) else "FAIL",
        "measured": (
            f"N.Oc/BS near MM {near:.3g} /mm vs far {far:.3g} /mm: ratio {ratio:.3g}x (pooled over {len(seeds)} seeds "
            f"x {len(SNAPSHOT_DAYS)} days; per-seed near {fmt(near_seed)}, far {fmt(far_seed)}); lesion sites near MM "
            f"{fmt(lesion_share)} vs bone surface near MM {fmt(surface_share)}"
        ),
        "published": PUBLISHED,
        "details": {
            "checks": checks,
            "pooled_counts": _pooled(counts),
            "per_seed": counts,
            "ratio": ratio,
            "lesion_minus_surface_share": interval(excess[np.isfinite(excess)]),
        },
        "figure": figure,
    }
