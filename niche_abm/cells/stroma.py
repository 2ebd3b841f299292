"""Bone-marrow stromal cells / pre-osteoblasts (PreOBs): the MM cell's anchor, the main RANKL and OPG source."""

from __future__ import annotations

import numpy as np

from niche_abm.cells.kind import CellKind, declare
from niche_abm.cells.osteoblast import Osteoblast
from niche_abm.params import Parameters
from niche_abm.rules import probability, rule
from niche_abm.world.lattice import MARROW
from niche_abm.world.niche import Niche
from niche_abm.world.state import Cell, CellState


class StromalCell(Cell):
    """A VCAM-1+ stromal cell / PreOB on a marrow site: reticular, or endosteal (lining the bone surface)."""

    touched_by_adherent_mm = CellState(bool, False, "")
    """An adherent MM cell is in its Moore neighbourhood this hour."""
    endosteal = CellState(bool, False, "")
    """Belongs to the endosteal (bone-lining) pool, renewed next to bone."""


@rule(
    "stromal cells",
    "baseline secretion is {stroma.rankl_secretion} of RANKL and {stroma.opg_secretion} of OPG; "
    "contact with an adherent MM cell multiplies RANKL secretion by {stroma.contact_rankl_fold} "
    "and OPG secretion by {stroma.contact_opg_fold}",
    drug_targets=("stroma_contact_response",),
)
def secretion(touched: np.ndarray, p: Parameters, contact_response: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """RANKL and OPG secretion of each stromal cell (molecules/h), shifted by MM contact (Giuliani 2001).

    contact_response scales the shift: 1 = full fold change, 0 = none (e.g. under an IMiD).
    """
    rankl_fold = 1.0 + (p.stroma.contact_rankl_fold - 1.0) * contact_response
    opg_fold = 1.0 + (p.stroma.contact_opg_fold - 1.0) * contact_response
    rankl = p.stroma.rankl_secretion * np.where(touched, rankl_fold, 1.0)
    opg = p.stroma.opg_secretion * np.where(touched, opg_fold, 1.0)
    return rankl, opg


def _rankl(niche: Niche, sites: np.ndarray) -> np.ndarray:
    """RANKL secretion of the stromal cells on these sites; each cell's contact flag follows its neighbours."""
    touched = niche.adherent_mm_contact.ravel()[sites]
    niche.lattice.write(StromalCell, "touched_by_adherent_mm", sites, touched)
    return secretion(touched, niche.params, niche.effects["stroma_contact_response"])[0]


def _opg(niche: Niche, sites: np.ndarray) -> np.ndarray:
    touched = niche.adherent_mm_contact.ravel()[sites]
    return secretion(touched, niche.params, niche.effects["stroma_contact_response"])[1]


@rule(
    "stromal cells",
    "a PreOB on an eroded bone surface becomes an osteoblast on a free eroded bone-surface site next to it at "
    "{stroma.osteoblast_differentiation_rate}; touching MM cells block {stroma.mm_contact_differentiation_block} "
    "of this, and CCL3 halves it at {stroma.ccl3_differentiation_ic50_pm}",
    drug_targets=("osteoblast_differentiation", "ccl3_signalling"),
)
def differentiation_rate(
    on_eroded_surface: np.ndarray, touching_mm: np.ndarray, ccl3_pm: np.ndarray, p: Parameters
) -> np.ndarray:
    """Osteoblast differentiation rate of each PreOB, /h."""
    s = p.stroma
    contact = np.where(touching_mm, 1.0 - s.mm_contact_differentiation_block, 1.0)
    ccl3 = s.ccl3_differentiation_ic50_pm / (s.ccl3_differentiation_ic50_pm + ccl3_pm)
    return s.osteoblast_differentiation_rate * on_eroded_surface * contact * ccl3


@rule(
    "stromal cells",
    "an empty marrow site on an eroded surface gains a PreOB at {stroma.eroded_surface_recruitment} "
    "(coupling of formation to resorption), halved by CCL3 at {stroma.ccl3_differentiation_ic50_pm}",
    drug_targets=("ccl3_signalling",),
)
def eroded_surface_recruitment(ccl3_pm: np.ndarray, p: Parameters) -> np.ndarray:
    """Chance that each empty eroded-surface site gains a PreOB this hour (CCL3 holds back osteoblastogenesis)."""
    s = p.stroma
    return probability(
        s.eroded_surface_recruitment * s.ccl3_differentiation_ic50_pm / (s.ccl3_differentiation_ic50_pm + ccl3_pm)
    )


@rule(
    "the initial marrow",
    "a {stroma.density} holds a reticular stromal cell (PreOB), and a {stroma.endosteal_density} an "
    "endosteal (bone-lining) PreOB; each pool renews toward its starting size at {stroma.renewal_rate} per "
    "missing cell, the endosteal one on empty marrow sites next to bone",
)
def seed_stroma(niche: Niche) -> None:
    """Reticular PreOBs on open marrow sites and endosteal PreOBs on open sites next to bone, at random.

    Their counts are the sizes each pool renews toward.
    """
    p = niche.params
    niche.stroma_target = {
        True: _place(niche, niche.bone.next_to_bone, p.stroma.endosteal_density, endosteal=True),
        False: _place(niche, niche.bone.marrow, p.stroma.density, endosteal=False),
    }


def _place(niche: Niche, where: np.ndarray, share: float, endosteal: bool) -> int:
    """Put PreOBs on a share of the sites in `where` (rounded), chosen among the open ones; returns how many."""
    open_sites = np.flatnonzero(where.ravel() & niche.open_marrow())
    n = min(int(round(share * where.sum())), len(open_sites))
    for site in niche.rng.choice(open_sites, size=n, replace=False):
        niche.lattice.add(StromalCell, site, endosteal=endosteal)
    return n


def step_stroma(niche: Niche) -> None:
    """One hour of PreOBs: differentiation into osteoblasts, recruitment to eroded surfaces, renewal of both pools."""
    p, rng, lattice = niche.params, niche.rng, niche.lattice
    sites = lattice.sites_of(StromalCell)
    ccl3_signalling = niche.effects["ccl3_signalling"]
    if len(sites):
        touching_mm = niche.mm_contact.ravel()[sites]
        ccl3 = niche.signals.at("ccl3", sites) * ccl3_signalling
        rate = differentiation_rate(niche.bone.eroded_zone.ravel()[sites], touching_mm, ccl3, p)
        rate = rate * niche.effects["osteoblast_differentiation"]
        differentiating = sites[rng.random(len(sites)) < probability(rate)]
        neighbours, free = niche.free_surface_neighbours(differentiating, niche.bone.eroded_surface)
        targets = niche.choose_neighbour(differentiating, free, neighbours)
        for cell, target in zip(lattice.agents_at(MARROW, differentiating), targets, strict=True):
            if target >= 0 and lattice.agent_at(Osteoblast.layer, target) is None:
                lattice.remove(cell)
                lattice.add(Osteoblast, target)
    open_marrow = niche.open_marrow()
    eroded = np.flatnonzero(niche.bone.eroded_zone.ravel() & open_marrow)
    chance = eroded_surface_recruitment(niche.signals.at("ccl3", eroded) * ccl3_signalling, p)
    for site in eroded[rng.random(len(eroded)) < chance]:
        lattice.add(StromalCell, site)
    _renew(niche)


def _renew(niche: Niche) -> None:
    """Each pool gains PreOBs toward its starting size: endosteal ones next to bone, reticular ones anywhere."""
    p, rng, lattice = niche.params, niche.rng, niche.lattice
    sites = lattice.sites_of(StromalCell)
    endosteal_now = lattice.read(StromalCell, "endosteal", sites)
    for endosteal, where in ((True, niche.bone.next_to_bone), (False, niche.bone.marrow)):
        missing = niche.stroma_target[endosteal] - int((endosteal_now == endosteal).sum())
        if missing > 0:
            n_new = int(rng.binomial(missing, probability(p.stroma.renewal_rate)))
            open_sites = np.flatnonzero(where.ravel() & niche.open_marrow())
            for site in rng.choice(open_sites, size=min(n_new, len(open_sites)), replace=False):
                lattice.add(StromalCell, site, endosteal=endosteal)


KIND = declare(
    CellKind(
        StromalCell,
        label="stromal cell (PreOB)",
        colour=(0.35, 0.75, 0.35),
        layer=MARROW,
        mobile=False,
        phase=step_stroma,
        seed=seed_stroma,
        secretes={"rankl": _rankl, "opg": _opg},
    )
)
