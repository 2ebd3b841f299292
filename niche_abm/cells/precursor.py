"""Osteoclast precursors: RANK+ monocytes that crawl through the packed marrow and fuse on bone."""

from __future__ import annotations

import numpy as np

from niche_abm.cells.kind import CellKind, declare
from niche_abm.cells.osteoclast import Osteoclast
from niche_abm.params import Parameters
from niche_abm.rules import happens, hill, probability, rule
from niche_abm.world import kernels
from niche_abm.world.lattice import MARROW, SURFACE
from niche_abm.world.niche import Niche
from niche_abm.world.state import Cell


class OsteoclastPrecursor(Cell):
    """A mononuclear RANK+ osteoclast precursor on a marrow site."""


@rule(
    "osteoclast precursors",
    "each cell hops to a neighbouring marrow site (10 µm) at {ocp.migration_rate}, choosing up the CCL3 gradient "
    "with weight exp({ocp.chemotaxis} x ΔCCL3 / (CCL3 + {ocp.ccl3_ec50_pm})), times "
    "{ocp.bone_migration_factor} when next to bone; a site held by an MM cell or another precursor is "
    "entered by squeezing past it (the two swap) with probability {ocp.squeeze_probability}; "
    "cells die or leave at {ocp.death_rate}",
    drug_targets=("ccl3_signalling",),
)
def chemotaxis_weights(ccl3_here: np.ndarray, ccl3_neighbours: np.ndarray, p: Parameters) -> np.ndarray:
    """Relative weights of the 8 neighbouring sites (n x 8) from the CCL3 (pM) at each cell (n) and at its
    neighbours (n x 8): a biased random walk up CCL3 (compiled, the formula
    :func:`_crawl` applies to each mover through :func:`niche_abm.world.kernels.crawl`)."""
    return kernels.chemotaxis_weights(ccl3_here, ccl3_neighbours, p.ocp.chemotaxis, p.ocp.ccl3_ec50_pm)


def migration_rate(next_to_bone: np.ndarray, p: Parameters) -> np.ndarray:
    """Migration rate of each precursor, /h: slowed where it has attached to bone."""
    return p.ocp.migration_rate * np.where(next_to_bone, p.ocp.bone_migration_factor, 1.0)


@rule(
    "osteoclast precursors",
    "a cell next to the bone surface fuses at up to {ocp.fusion_rate}, a Hill function of its RANK occupancy "
    "by free RANKL (half-max {ocp.fusion_occupancy_half}, power {ocp.fusion_hill}; RANK Kd "
    "{binding.rank_rankl_kd_pm}), raised up to {ocp.ccl3_fusion_fold} by CCL3 (half-max "
    "{ocp.ccl3_fusion_ec50_pm}) which cannot replace RANKL: into an osteoclast on a bone-surface site next to "
    "it (one more nucleus, up to {oc.max_nuclei}), or, with none there, together with {ocp.fusion_partners} "
    "within two sites into a new osteoclast on a free bone-surface site next to it",
    drug_targets=("osteoclast_formation", "free_rankl", "ccl3_signalling"),
)
def fusion_rate(rank_occupancy: np.ndarray, ccl3_pm: np.ndarray, p: Parameters) -> np.ndarray:
    """Fusion rate of each precursor next to bone, /h; ccl3_pm is the CCL3 it senses through CCR1, pM."""
    ccl3_boost = 1.0 + (p.ocp.ccl3_fusion_fold - 1.0) * hill(ccl3_pm, p.ocp.ccl3_fusion_ec50_pm, 1.0)
    return p.ocp.fusion_rate * hill(rank_occupancy, p.ocp.fusion_occupancy_half, p.ocp.fusion_hill) * ccl3_boost


def step_precursors(niche: Niche) -> None:
    """One hour of precursors: death, fusion on bone, then chemotactic migration of those left."""
    p, rng, fx, lattice = niche.params, niche.rng, niche.effects, niche.lattice
    sites = lattice.sites_of(OsteoclastPrecursor)
    n = len(sites)
    if n == 0:
        return
    dies = happens(rng.random(n), p.ocp.death_rate)
    on_bone = _touches_surface(niche, sites)
    ccl3 = niche.signals.at("ccl3", sites) * fx["ccl3_signalling"]
    rate = fusion_rate(niche.signals.at("rank_occupancy", sites), ccl3, p) * on_bone
    fuses = ~dies & happens(rng.random(n), rate * fx["osteoclast_formation"])
    for cell in lattice.cells_at(OsteoclastPrecursor, sites[dies]):
        lattice.remove(cell)
    if fuses.any():  # most hours none fuses
        partners = niche.count_near(OsteoclastPrecursor.code, sites[fuses], radius=2)
        for cell, around in zip(lattice.cells_at(OsteoclastPrecursor, sites[fuses]), partners, strict=True):
            _fuse(niche, cell, int(around))
    _crawl(niche, lattice.sites_of(OsteoclastPrecursor), max(int(np.ceil(p.ocp.migration_rate)), 1))


def _touches_surface(niche: Niche, sites: np.ndarray) -> np.ndarray:
    """Whether each flat site touches the bone surface (bone facing marrow, or a lacuna with a surface cell)."""
    lattice = niche.lattice
    return kernels.touches_surface(sites, lattice.shape, niche.bone.surface.ravel(), lattice.surface_code.ravel())


def _crawl(niche: Niche, sites: np.ndarray, hops: int) -> None:
    """An hour of migration in `hops` sub-steps of 1/hops h: in each, every precursor (on the flat sites) steps to
    a neighbouring site at its migration rate, chosen up the CCL3 gradient (:func:`chemotaxis_weights`): empty
    sites first (one mover per site), then squeezing past mobile cells (a squeeze happens only if no other squeeze
    in the sub-step involves either site). Compiled (:func:`niche_abm.world.kernels.crawl`), the random numbers of
    the whole hour drawn before it."""
    p, lattice = niche.params, niche.lattice
    chance = probability(migration_rate(np.array([False, True]), p), 1.0 / hops)
    ccl3, voxel_of = niche.signals.lookup("ccl3")
    moved, holders = kernels.crawl(
        sites,
        chance,
        niche.rng.random((hops, 5, len(sites))),
        ccl3 * niche.effects["ccl3_signalling"],
        voxel_of,
        p.ocp.chemotaxis,
        p.ocp.ccl3_ec50_pm,
        p.ocp.squeeze_probability,
        OsteoclastPrecursor.code,
        lattice.shape,
        kernels.crawl_terrain(
            niche.bone.marrow.ravel(),
            niche.bone.surface.ravel(),
            lattice.surface_code.ravel(),
            lattice.marrow_code.ravel(),
        ),
        niche.passable,
        niche.mobile,
        niche.scratch,
        niche.origin,
    )
    lattice.relocate(MARROW, moved, holders)


def _fuse(niche: Niche, precursor: OsteoclastPrecursor, partners: int) -> None:
    """Join an osteoclast next to the precursor, or found one with its nearest partners (partners: the other
    precursors within two sites when the fusions of this hour began)."""
    p, lattice = niche.params, niche.lattice
    if precursor.site < 0:
        return
    neighbours, inside = lattice.neighbours(np.array([precursor.site]))
    neighbours = neighbours[0][inside[0]]
    in_random_order = niche.rng.permutation(neighbours)
    osteoclasts = in_random_order[lattice.surface_code.flat[in_random_order] == Osteoclast.code]
    joinable = osteoclasts[lattice.read(Osteoclast, "nuclei", osteoclasts) < p.oc.max_nuclei]
    if len(joinable):
        lattice.remove(precursor)
        lattice.agent_at(SURFACE, joinable[0]).nuclei += 1
        niche.counters["nuclei_fused"] += 1
        return
    free = neighbours[niche.bone.surface.flat[neighbours] & (lattice.surface_code.flat[neighbours] == 0)]
    if not len(free) or partners < p.ocp.fusion_partners:
        return
    group = _nearest_precursors(niche, precursor.site, p.ocp.fusion_partners)
    if len(group) < p.ocp.fusion_partners:
        return
    for partner in (*group, precursor):
        lattice.remove(partner)
    lattice.add(Osteoclast, free[int(niche.rng.integers(len(free)))], nuclei=len(group) + 1)
    niche.counters["osteoclasts_formed"] += 1
    niche.counters["nuclei_fused"] += len(group) + 1


_WINDOW = np.array([(dx, dy) for dx in range(-2, 3) for dy in range(-2, 3) if dx or dy])
"""The 24 offsets (dx, dy) within two sites, in scan order."""
_RING = np.abs(_WINDOW).max(axis=1)
"""The Chebyshev distance of each offset in _WINDOW (1 or 2)."""


def _nearest_precursors(niche: Niche, site: int, k: int) -> list:
    """Up to k other precursors within two sites of a site, nearest (Chebyshev) first, ties in scan order."""
    lattice = niche.lattice
    width, height = lattice.shape
    x, y = divmod(int(site), height)
    wx, wy = x + _WINDOW[:, 0], y + _WINDOW[:, 1]
    inside = (wx >= 0) & (wx < width) & (wy >= 0) & (wy < height)
    window, ring = wx[inside] * height + wy[inside], _RING[inside]
    held = lattice.marrow_code.flat[window] == OsteoclastPrecursor.code
    nearest = np.argsort(ring[held], kind="stable")[:k]
    return lattice.cells_at(OsteoclastPrecursor, window[held][nearest])


KIND = declare(
    CellKind(
        OsteoclastPrecursor,
        label="osteoclast precursor",
        colour=(1.00, 0.70, 0.20),
        layer=MARROW,
        mobile=True,
        phase=step_precursors,
    )
)
