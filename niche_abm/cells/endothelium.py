"""Endothelial cells of the marrow vessels: where osteoclast precursors enter the marrow, and where VEGF
sprouts new microvessels (angiogenesis)."""

from __future__ import annotations

import functools

import numpy as np
from scipy import ndimage

from niche_abm.cells.kind import CellKind, declare
from niche_abm.cells.precursor import OsteoclastPrecursor
from niche_abm.params import Parameters
from niche_abm.rules import happens, hill, rule
from niche_abm.units import SITE_UM
from niche_abm.world.lattice import MARROW
from niche_abm.world.niche import Niche
from niche_abm.world.state import Cell, CellState


class EndothelialCell(Cell):
    """One site of a vessel: a sinusoid placed at the start, or a microvessel sprouted since."""

    sprouted = CellState(bool, False, "")
    """A microvessel that VEGF sprouted during the run (immature: regresses without VEGF)."""


@rule(
    "endothelial cells",
    "each site sprouts a new microvessel at up to {vessels.sprout_rate}, a Hill function of the VEGF it "
    "senses (half-max {vessels.vegf_ec50_pm}, power {vessels.vegf_hill}): one endothelial cell on an empty "
    "marrow site {vessels.sprout_distance_um} away that touches no other vessel; a sprouted microvessel "
    "regresses at {vessels.regression_rate} x half-max / (half-max + VEGF)",
    drug_targets=("vegf_signalling",),
)
def angiogenesis_rates(vegf_pm: np.ndarray, p: Parameters) -> tuple[np.ndarray, np.ndarray]:
    """(sprouting, regression) rates of endothelial sites, /h, from the VEGF each senses
    (MM angiogenesis: Vacca et al. 1994; regression without VEGF: Benjamin et al. 1999)."""
    v = p.vessels
    sprouting = v.sprout_rate * hill(vegf_pm, v.vegf_ec50_pm, v.vegf_hill)
    regression = v.regression_rate * v.vegf_ec50_pm / (v.vegf_ec50_pm + vegf_pm)
    return sprouting, regression


@rule(
    "endothelial cells",
    "each site releases an osteoclast precursor into an empty neighbouring site at {ocp.recruitment_rate}, "
    "raised up to {ocp.ccl3_recruitment_fold} by local CCL3 (half-max {ocp.ccl3_ec50_pm}); where no neighbour is "
    "empty the precursor squeezes in (chance {ocp.squeeze_probability}) by pushing the marrow cells toward the "
    "nearest empty site within {ocp.entry_push_radius_um}",
    drug_targets=("ccl3_signalling",),
)
def precursor_release_rate(ccl3_pm: np.ndarray, p: Parameters) -> np.ndarray:
    """Precursor release rate of each endothelial site, /h (CCL3 recruits precursors: Abe 2002)."""
    gain = 1.0 + (p.ocp.ccl3_recruitment_fold - 1.0) * hill(ccl3_pm, p.ocp.ccl3_ec50_pm, 1.0)
    return p.ocp.recruitment_rate * gain


@rule(
    "the initial marrow",
    "sinusoid cross-sections {vessels.diameter_um} wide are placed at {vessels.density_per_mm2}, "
    "clear of bone and of each other",
)
def seed_vessels(niche: Niche) -> None:
    """Endothelial cells on sinusoid cross-sections (none in a culture well); marks the sites near a vessel."""
    p = niche.params
    density = 0.0 if p.culture.well else p.vessels.density_per_mm2
    vessels = place_sinusoids(niche.bone.marrow, density, p.vessels.diameter_um, niche.rng)
    sites = np.flatnonzero(vessels)
    for site in sites:
        niche.lattice.add(EndothelialCell, site)
    niche.near_vessel = niche.mark_near(sites, p.mm.vessel_support_radius_um)


def step_endothelium(niche: Niche) -> None:
    """One hour of vessels: precursor release, then sprouting and regression of microvessels."""
    sites = niche.lattice.sites_of(EndothelialCell)
    if len(sites) == 0:
        return
    ccl3 = niche.signals.at("ccl3", sites) * niche.effects["ccl3_signalling"]
    releasing = sites[happens(niche.rng.random(len(sites)), precursor_release_rate(ccl3, niche.params))]
    _release_precursors(niche, releasing)
    if _remodel_vessels(niche, sites):
        niche.near_vessel = niche.mark_near(
            niche.lattice.sites_of(EndothelialCell), niche.params.mm.vessel_support_radius_um
        )


def _release_precursors(niche: Niche, vessels: np.ndarray) -> None:
    """Each releasing vessel site puts a precursor on an empty neighbouring site (one per site, in turn). One that
    finds none squeezes in with ocp.squeeze_probability: the marrow cells between it and the nearest empty site
    within ocp.entry_push_radius_um shift one site outwards (:meth:`Niche.push_toward`; not past stroma or
    endothelium), freeing the site next to the vessel (monocytes cross the sinusoid wall into packed marrow)."""
    p = niche.params
    neighbours, open_ = niche.open_neighbours(vessels)
    crowded = []
    for vessel, target in zip(vessels, niche.choose_neighbour(vessels, open_, neighbours), strict=True):
        if niche.is_open(target):
            niche.lattice.add(OsteoclastPrecursor, target)
        else:
            crowded.append(vessel)
    if not crowded or p.ocp.entry_push_radius_um <= 0:
        return
    crowded = np.array(crowded)
    squeezing = crowded[niche.rng.random(len(crowded)) < p.ocp.squeeze_probability]
    ends = niche.nearest_open(squeezing, p.ocp.entry_push_radius_um / SITE_UM)
    for vessel, end in zip(squeezing, ends, strict=True):
        target = niche.push_toward(int(vessel), int(end)) if end >= 0 else -1
        if target >= 0:
            niche.lattice.add(OsteoclastPrecursor, target)


def _remodel_vessels(niche: Niche, sites: np.ndarray) -> bool:
    """Sprouting and regression of microvessels this hour; returns whether any vessel appeared or went."""
    lattice, rng, p = niche.lattice, niche.rng, niche.params
    vegf = niche.signals.at("vegf", sites) * niche.effects["vegf_signalling"]
    sprouting, regression = angiogenesis_rates(vegf, p)
    draw = rng.random(len(sites))
    sprouted = lattice.read(EndothelialCell, "sprouted", sites)
    regresses = happens(draw, regression)
    regressing = sites[sprouted & regresses]
    for cell in lattice.cells_at(EndothelialCell, regressing):
        lattice.remove(cell)
    kept = ~sprouted | ~regresses
    parents = sites[kept & happens(rng.random(len(sites)), sprouting)]
    return bool(len(regressing)) | (_sprout(niche, parents, p.vessels.sprout_distance_um / SITE_UM) > 0)


def _sprout(niche: Niche, parents: np.ndarray, distance_sites: float) -> int:
    """Each sprouting parent puts a new endothelial cell on an empty marrow site about distance_sites away
    whose Moore neighbourhood holds no endothelium (one after another, so two new microvessels never touch);
    parents with no such site do not sprout. Returns how many sprouted."""
    lattice = niche.lattice
    ring = _ring_offsets(distance_sites)
    w, h = lattice.shape
    marrow_code = lattice.marrow_code.ravel()
    new = 0
    for parent in parents:
        (x,), (y,) = lattice.xy(np.array([parent]))
        cx, cy = x + ring[:, 0], y + ring[:, 1]
        inside = (cx >= 0) & (cx < w) & (cy >= 0) & (cy < h)
        candidates = cx[inside] * h + cy[inside]
        candidates = candidates[niche.open_at(candidates)]
        neighbours, _ = lattice.neighbours(candidates)
        clear = ~(marrow_code[neighbours] == EndothelialCell.code).any(axis=1)
        if clear.any():
            lattice.add(EndothelialCell, int(niche.rng.choice(candidates[clear])), sprouted=True)
            new += 1
    return new


@functools.lru_cache(maxsize=8)
def _ring_offsets(radius_sites: float) -> np.ndarray:
    """Offsets (n x 2) of the sites whose distance from a site rounds to radius_sites (read-only, kept per radius)."""
    r = int(np.ceil(radius_sites)) + 1
    dx, dy = np.meshgrid(np.arange(-r, r + 1), np.arange(-r, r + 1), indexing="ij")
    on_ring = np.abs(np.hypot(dx, dy) - radius_sites) < 0.5
    ring = np.stack([dx[on_ring], dy[on_ring]], axis=1)
    ring.flags.writeable = False
    return ring


def place_sinusoids(
    marrow: np.ndarray, density_per_mm2: float, diameter_um: float, rng: np.random.Generator
) -> np.ndarray:
    """Boolean mask of endothelial sites: square sinusoid cross-sections in the marrow.

    Each cross-section is diameter_um wide, lies wholly in marrow at least one
    site from bone, and does not touch another; their number is density_per_mm2
    times the marrow area.
    """
    side = max(1, int(round(diameter_um / SITE_UM)))
    marrow_mm2 = marrow.sum() * (SITE_UM * 1e-3) ** 2
    wanted = int(round(density_per_mm2 * marrow_mm2))
    clear = ndimage.binary_erosion(marrow, structure=np.ones((3, 3)), border_value=0)
    fits = ndimage.minimum_filter(clear.astype(np.uint8), size=side, origin=-(side // 2)) > 0
    vessels = np.zeros_like(marrow, dtype=bool)
    for flat in rng.permutation(np.flatnonzero(fits)):
        if wanted == 0:
            break
        x, y = np.unravel_index(flat, marrow.shape)
        box = (slice(max(x - 1, 0), x + side + 1), slice(max(y - 1, 0), y + side + 1))
        if vessels[box].any() or not fits[x, y]:
            continue
        vessels[x : x + side, y : y + side] = True
        wanted -= 1
    return vessels


KIND = declare(
    CellKind(
        EndothelialCell,
        label="endothelium",
        colour=(0.85, 0.10, 0.45),
        layer=MARROW,
        mobile=False,
        phase=step_endothelium,
        seed=seed_vessels,
    )
)
