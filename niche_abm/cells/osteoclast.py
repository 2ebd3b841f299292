"""Osteoclasts: multinucleated cells in their resorption lacunae on the bone side of the surface."""

from __future__ import annotations

import mesa
import numpy as np

from niche_abm.cells.kind import CellKind, declare
from niche_abm.params import Parameters
from niche_abm.rules import gamma_lifespans, happens, hill, rule
from niche_abm.units import SITE_UM
from niche_abm.world.lattice import SURFACE
from niche_abm.world.niche import Niche
from niche_abm.world.state import Cell, CellState


class Osteoclast(Cell):
    """A multinucleated osteoclast on a bone-surface site, resorbing the bone under it."""

    nuclei = CellState(np.int64, 1, "nuclei")
    """Precursors fused into it so far."""
    age_h = CellState(float, 0.0, "h")
    """Hours since it formed."""
    lifespan_h = CellState(float, 0.0, "h")
    """Hours it will live, drawn when it formed."""

    def __init__(self, model: mesa.Model, nuclei: int) -> None:
        super().__init__(model)
        self.nuclei = nuclei
        self.lifespan_h = float(draw_lifespans(model.rng, 1, model.params)[0])


@rule(
    "osteoclasts",
    "a cell resorbs {oc.resorption_per_nucleus} of the bone site it sits on; when that site is "
    "dissolved it moves onto a free bone-surface site next to it, deepening the pit; CCL3 raises resorption "
    "up to {oc.ccl3_resorption_fold} (half-max {oc.ccl3_activation_ec50_pm})",
    drug_targets=("resorption", "ccl3_signalling"),
)
def resorption_rate(nuclei: np.ndarray, ccl3_pm: np.ndarray, p: Parameters) -> np.ndarray:
    """Bone resorbed by each osteoclast, site volumes/h: proportional to its nuclei (Piper et al. 1992),
    activated by CCL3 (Han et al. 2001)."""
    activation = 1.0 + (p.oc.ccl3_resorption_fold - 1.0) * hill(ccl3_pm, p.oc.ccl3_activation_ec50_pm, 1.0)
    return p.oc.resorption_per_nucleus * nuclei * activation


@rule(
    "osteoclasts",
    "a cell whose bone site is dissolved and that has no free bone-surface site next to it moves onto the "
    "nearest free one within {oc.relocation_radius_um} (none: it stays); while no bone is left next to it, it is "
    "detached and dies {oc.detached_death_fold} as fast as its lifespan implies",
)
def detached_death_rate(detached: np.ndarray, p: Parameters) -> np.ndarray:
    """Extra death rate of each osteoclast, /h: a detached one (no bone next to it) dies oc.detached_death_fold
    times as fast (unoccupied αvβ3 integrin signals apoptosis: Zhao, Ross & Teitelbaum 2005)."""
    return np.where(detached, (p.oc.detached_death_fold - 1.0) / p.oc.lifespan_h, 0.0)


@rule(
    "osteoclasts",
    "a cell lives {oc.lifespan_h} on average (gamma, shape {oc.lifespan_shape}), and dies sooner when RANKL is "
    "withdrawn: an extra {oc.rankl_withdrawal_death_rate} times 1 minus a Hill function of its RANK occupancy "
    "(half-max {oc.survival_occupancy_half}, power {oc.survival_hill})",
    drug_targets=("osteoclast_death", "free_rankl"),
)
def survival_death_rate(rank_occupancy_here: np.ndarray, p: Parameters) -> np.ndarray:
    """Extra death rate of each osteoclast for lack of RANKL, /h (RANKL is a survival factor: Lacey et al. 2000)."""
    support = hill(rank_occupancy_here, p.oc.survival_occupancy_half, p.oc.survival_hill)
    return p.oc.rankl_withdrawal_death_rate * (1.0 - support)


@rule("osteoclasts", "each cell secretes {oc.april_secretion} of APRIL, an MM survival factor")
def _april(niche: Niche, sites: np.ndarray) -> np.ndarray:
    """APRIL secretion of osteoclasts, molecules/h (Abe et al. 2006; Yaccoby et al. 2008)."""
    return np.full(len(sites), niche.params.oc.april_secretion)


def draw_lifespans(rng: np.random.Generator, n: int, p: Parameters) -> np.ndarray:
    """Lifespans of n new osteoclasts, h (Manolagas 2000: about 2 weeks)."""
    return gamma_lifespans(rng, n, p.oc.lifespan_h, p.oc.lifespan_shape)


def step_osteoclasts(niche: Niche) -> None:
    """One hour of osteoclasts: resorption, ageing and death (sooner when detached from bone), moving on when the
    site is dissolved."""
    p, fx, lattice = niche.params, niche.effects, niche.lattice
    sites = lattice.sites_of(Osteoclast)
    if len(sites):
        bone = niche.bone
        detached = (bone.fraction.ravel()[sites] <= 0.0) & ~bone.next_to_bone.ravel()[sites]
        nuclei = lattice.read(Osteoclast, "nuclei", sites)
        ccl3 = niche.signals.at("ccl3", sites) * fx["ccl3_signalling"]
        niche.bone.resorb(sites, resorption_rate(nuclei, ccl3, p) * fx["resorption"])
        drug_death = (fx["osteoclast_death"] - 1.0) / p.oc.lifespan_h
        withdrawal_death = survival_death_rate(niche.signals.at("rank_occupancy", sites), p)
        killed = happens(niche.rng.random(len(sites)), drug_death + withdrawal_death + detached_death_rate(detached, p))
        age = lattice.read(Osteoclast, "age_h", sites) + 1.0
        lattice.write(Osteoclast, "age_h", sites, age)
        dying = killed | (age >= lattice.read(Osteoclast, "lifespan_h", sites))
        niche.counters["osteoclast_lifespans_h"].extend(age[dying].tolist())
        for cell in lattice.cells_at(Osteoclast, sites[dying]):
            lattice.remove(cell)
        dissolved = sites[~dying & (bone.fraction.ravel()[sites] <= 0.0)]
        if len(dissolved):  # most hours no lacuna is dissolved through
            _move_on(niche, dissolved)
    listing = lattice.sites_of(Osteoclast)  # the same object until an osteoclast is added, moved or removed
    if listing is not niche.near_osteoclast_of:
        niche.near_osteoclast = niche.mark_near(listing, p.mm.osteoclast_support_radius_um)
        niche.near_osteoclast_of = listing


def _move_on(niche: Niche, dissolved: np.ndarray) -> None:
    """The osteoclasts on the flat sites `dissolved`, whose bone is gone, each move to a free bone-surface site next
    to it, else to the nearest within oc.relocation_radius_um; one that finds none stays."""
    lattice = niche.lattice
    neighbours, free = niche.free_surface_neighbours(dissolved)
    targets = niche.choose_neighbour(dissolved, free, neighbours)
    stuck = targets < 0
    targets[stuck] = niche.nearest_free_surface(dissolved[stuck], niche.params.oc.relocation_radius_um / SITE_UM)
    for cell, target in zip(lattice.cells_at(Osteoclast, dissolved), targets, strict=True):
        if target >= 0 and lattice.agent_at(SURFACE, target) is None:
            lattice.move(cell, target)


KIND = declare(
    CellKind(
        Osteoclast,
        label="osteoclast",
        colour=(1.00, 0.15, 0.10),
        layer=SURFACE,
        mobile=False,
        phase=step_osteoclasts,
        secretes={"april": _april},
    )
)
