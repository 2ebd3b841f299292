"""Bone-marrow stromal cells / pre-osteoblasts (PreOBs)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from mesa.discrete_space import FixedAgent

from niche_abm.agents.codes import STROMA
from niche_abm.rules import probability, rule

if TYPE_CHECKING:
    from niche_abm.model import NicheModel
    from niche_abm.params import Parameters


class StromalCell(FixedAgent):
    """A VCAM-1+ stromal cell / PreOB: the MM cell's anchor, the main RANKL and OPG source.

    Attributes:
        touched_by_adherent_mm: an adherent MM cell is in its Moore neighbourhood this hour.
    """

    code = STROMA
    label = "stromal cell (PreOB)"

    def __init__(self, model: NicheModel, cell) -> None:
        super().__init__(model)
        self.cell = cell
        self.touched_by_adherent_mm = False


@rule(
    "stromal cells",
    "baseline secretion is {stroma.rankl_secretion} of RANKL and {stroma.opg_secretion} of OPG; "
    "contact with an adherent MM cell multiplies RANKL secretion by {stroma.contact_rankl_fold} "
    "and OPG secretion by {stroma.contact_opg_fold} (drugs that blunt the contact response move both folds "
    "toward 1)",
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


@rule(
    "stromal cells",
    "a PreOB on an eroded bone surface becomes an osteoblast at {stroma.osteoblast_differentiation_rate}; "
    "touching MM cells block {stroma.mm_contact_differentiation_block} of this, and CCL3 halves it at "
    "{stroma.ccl3_differentiation_ic50_pm}",
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
    "(coupling of formation to resorption), halved by CCL3 at {stroma.ccl3_differentiation_ic50_pm}; "
    "the pool refills toward its starting size at {stroma.renewal_rate} per missing cell",
)
def eroded_surface_recruitment(ccl3_pm: np.ndarray, p: Parameters) -> np.ndarray:
    """Chance that each empty eroded-surface site gains a PreOB this hour (CCL3 holds back osteoblastogenesis)."""
    s = p.stroma
    return probability(
        s.eroded_surface_recruitment * s.ccl3_differentiation_ic50_pm / (s.ccl3_differentiation_ic50_pm + ccl3_pm)
    )


def step_stroma(model: NicheModel) -> None:
    """One hour of PreOBs: differentiation into osteoblasts, recruitment to eroded surfaces, renewal."""
    from niche_abm.agents.osteoblast import Osteoblast

    p, rng = model.params, model.rng
    agents, xy = model.positions(StromalCell)
    if len(agents):
        x, y = xy.T
        touching_mm = model.mm_contact()[x, y]
        sensed_ccl3 = model.ccl3_sites[x, y] * model.effects["ccl3_signalling"]
        rate = differentiation_rate(model.eroded_zone[x, y], touching_mm, sensed_ccl3, p)
        rate = rate * model.effects["osteoblast_differentiation"]
        for i in np.flatnonzero(rng.random(len(agents)) < probability(rate)):
            cell = agents[i].cell
            model.remove_cell(agents[i])
            model.add_cell(Osteoblast, cell)
    eroded_sites = np.flatnonzero(model.eroded_zone & model.free_sites())
    chance = eroded_surface_recruitment(model.ccl3_sites.ravel()[eroded_sites] * model.effects["ccl3_signalling"], p)
    for flat in eroded_sites[rng.random(len(eroded_sites)) < chance]:
        model.add_cell(StromalCell, model.cell_at_flat(flat))
    missing = model.stroma_target - model.count(StromalCell)
    if missing > 0:
        n_new = int(rng.binomial(missing, probability(p.stroma.renewal_rate)))
        free = np.flatnonzero(model.free_sites())
        for flat in rng.choice(free, size=min(n_new, len(free)), replace=False):
            model.add_cell(StromalCell, model.cell_at_flat(flat))
