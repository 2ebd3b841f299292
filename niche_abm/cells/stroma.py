"""Bone-marrow stromal cells / pre-osteoblasts (PreOBs): the MM cell's anchor, the main RANKL, OPG and IL-6
source, and the osteoblasts' progenitors."""

from __future__ import annotations

import numpy as np

from niche_abm.cells.kind import CellKind, declare
from niche_abm.cells.osteoblast import Osteoblast, sensed_wnt
from niche_abm.params import Parameters
from niche_abm.rules import happens, probability, rule
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
    "each cell secretes {stroma.il6_secretion} of IL-6, times {stroma.contact_il6_fold} when an adherent MM "
    "cell touches it, and {stroma.vegf_secretion} of VEGF",
    drug_targets=("stroma_contact_response",),
)
def il6_secretion(touched: np.ndarray, p: Parameters, contact_response: float = 1.0) -> np.ndarray:
    """IL-6 secretion of each stromal cell, molecules/h: adhesion of MM cells triggers it (Uchiyama 1993)."""
    fold = 1.0 + (p.stroma.contact_il6_fold - 1.0) * contact_response
    return p.stroma.il6_secretion * np.where(touched, fold, 1.0)


def _il6(niche: Niche, sites: np.ndarray) -> np.ndarray:
    touched = niche.adherent_mm_contact.ravel()[sites]
    return il6_secretion(touched, niche.params, niche.effects["stroma_contact_response"])


def _vegf(niche: Niche, sites: np.ndarray) -> np.ndarray:
    return np.full(len(sites), niche.params.stroma.vegf_secretion)


@rule(
    "stromal cells",
    "a PreOB on an eroded bone surface becomes an osteoblast on a free eroded bone-surface site next to it at "
    "{stroma.osteoblast_differentiation_rate}, and an endosteal PreOB next to a quiescent surface becomes a "
    "modelling osteoblast there at {stroma.quiescent_differentiation_rate}; both scale with Wnt signalling "
    "(DKK1 halves it at {stroma.dkk1_ic50_pm}); touching MM cells block "
    "{stroma.mm_contact_differentiation_block} of this, and CCL3 halves it at {stroma.ccl3_differentiation_ic50_pm}",
    drug_targets=("osteoblast_differentiation", "ccl3_signalling", "dkk1_signalling"),
)
def differentiation_rate(
    base_rate: np.ndarray, touching_mm: np.ndarray, ccl3_pm: np.ndarray, wnt: np.ndarray, p: Parameters
) -> np.ndarray:
    """Osteoblast differentiation rate of each PreOB, /h, from its base rate on the surface it lies next to
    (eroded, quiescent or none) and its Wnt signalling (0..1)."""
    contact = np.where(touching_mm, 1.0 - p.stroma.mm_contact_differentiation_block, 1.0)
    return base_rate * contact * commitment(ccl3_pm, wnt, p)


@rule(
    "stromal cells",
    "a new osteoprogenitor commits to the osteoblast lineage next to bone only as far as CCL3 (halving it at "
    "{stroma.ccl3_differentiation_ic50_pm}) and Wnt signalling (DKK1 halves it at {stroma.dkk1_ic50_pm}) allow: "
    "an empty marrow site on an eroded surface gains a PreOB at {stroma.eroded_surface_recruitment} "
    "(coupling of formation to resorption), and a new endosteal PreOB of the pool's renewal stays with the same "
    "chance",
    drug_targets=("ccl3_signalling", "dkk1_signalling"),
)
def commitment(ccl3_pm: np.ndarray, wnt: np.ndarray, p: Parameters) -> np.ndarray:
    """Share of osteoprogenitors that commit to the osteoblast lineage at these sites (0..1): CCL3 and DKK1 hold
    back osteoblastogenesis (Vallet et al. 2011; Tian et al. 2003)."""
    s = p.stroma
    return s.ccl3_differentiation_ic50_pm / (s.ccl3_differentiation_ic50_pm + ccl3_pm) * wnt


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
    p, rng, lattice, bone = niche.params, niche.rng, niche.lattice, niche.bone
    sites = lattice.sites_of(StromalCell)
    if len(sites):
        on_eroded = bone.eroded_zone.ravel()[sites]
        next_to_quiescent = (
            ~on_eroded & bone.next_to_bone.ravel()[sites] & lattice.read(StromalCell, "endosteal", sites)
        )
        base = np.where(on_eroded, p.stroma.osteoblast_differentiation_rate, 0.0)
        base = np.where(next_to_quiescent, p.stroma.quiescent_differentiation_rate, base)
        ccl3 = niche.signals.at("ccl3", sites) * niche.effects["ccl3_signalling"]
        rate = differentiation_rate(base, niche.mm_contact.ravel()[sites], ccl3, sensed_wnt(niche, sites), p)
        chosen = happens(rng.random(len(sites)), rate * niche.effects["osteoblast_differentiation"])
        remodelling, modelling = sites[chosen & on_eroded], sites[chosen & next_to_quiescent]
        if len(remodelling):
            _differentiate(niche, remodelling, bone.eroded_surface, modelling=False)
        if len(modelling):
            _differentiate(niche, modelling, bone.surface & ~bone.near_cavity, modelling=True)
    eroded = niche.bone.sites_in("eroded_zone")
    eroded = eroded[niche.open_at(eroded)]
    recruitment = p.stroma.eroded_surface_recruitment * _commitment_at(niche, eroded)
    for site in eroded[happens(rng.random(len(eroded)), recruitment)]:
        lattice.add(StromalCell, site)
    _renew(niche)


def _commitment_at(niche: Niche, sites: np.ndarray) -> np.ndarray:
    """Osteoblast-lineage commitment (0..1) at these sites, from the CCL3 and DKK1 there (after drugs)."""
    ccl3 = niche.signals.at("ccl3", sites) * niche.effects["ccl3_signalling"]
    return commitment(ccl3, sensed_wnt(niche, sites), niche.params)


def _differentiate(niche: Niche, sites: np.ndarray, surface: np.ndarray, modelling: bool) -> None:
    """The PreOBs on these sites become osteoblasts on a free site of `surface` next to them (if any)."""
    lattice = niche.lattice
    neighbours, free = niche.free_surface_neighbours(sites, surface)
    targets = niche.choose_neighbour(sites, free, neighbours)
    for cell, target in zip(lattice.cells_at(StromalCell, sites), targets, strict=True):
        if target >= 0 and lattice.agent_at(Osteoblast.layer, target) is None:
            lattice.remove(cell)
            lattice.add(Osteoblast, target, modelling=modelling)


def _renew(niche: Niche) -> None:
    """Each pool gains PreOBs toward its starting size: endosteal ones next to bone, reticular ones anywhere."""
    p, rng, lattice = niche.params, niche.rng, niche.lattice
    sites = lattice.sites_of(StromalCell)
    endosteal_now = lattice.read(StromalCell, "endosteal", sites)
    for endosteal, where in ((True, niche.bone.next_to_bone), (False, niche.bone.marrow)):
        missing = niche.stroma_target[endosteal] - int((endosteal_now == endosteal).sum())
        if missing > 0:
            n_new = int(rng.binomial(missing, probability(p.stroma.renewal_rate)))
            if n_new == 0:
                continue  # no draw is made for no new cell, so the open sites need not be listed
            open_sites = np.flatnonzero(where.ravel() & niche.open_marrow())
            new_sites = rng.choice(open_sites, size=min(n_new, len(open_sites)), replace=False)
            if endosteal:
                new_sites = new_sites[rng.random(len(new_sites)) < _commitment_at(niche, new_sites)]
            for site in new_sites:
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
        secretes={"rankl": _rankl, "opg": _opg, "il6": _il6, "vegf": _vegf},
    )
)
