"""Multiple myeloma (MM) plasma cells."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from mesa.discrete_space import CellAgent

from niche_abm.agents.codes import MYELOMA, STROMA
from niche_abm.rules import hill, probability, rule

if TYPE_CHECKING:
    from niche_abm.model import NicheModel
    from niche_abm.params import Parameters


class MyelomaCell(CellAgent):
    """An MM cell with its own CD49d (VLA-4) level.

    Attributes:
        cd49d: CD49d expression relative to an untreated MM cell (1 = untreated).
        adherent: bound through VLA-4 to VCAM-1 on a neighbouring stromal cell.
    """

    code = MYELOMA
    label = "myeloma cell"

    def __init__(self, model: NicheModel, cell, cd49d: float) -> None:
        super().__init__(model)
        self.cell = cell
        self.cd49d = cd49d
        self.adherent = False


@rule(
    "MM cells",
    "a non-adherent cell next to a VCAM-1+ stromal cell adheres at up to {mm.adhesion_rate}, "
    "rising with CD49d as a Hill function (half-max {mm.adhesion_cd49d_half}, power {mm.adhesion_hill}); "
    "an adherent cell lets go at {mm.detachment_rate}",
)
def adhesion_rate(cd49d: np.ndarray, p: Parameters) -> np.ndarray:
    """Adhesion rate of MM cells next to stroma, /h (Giuliani 2001: partly VLA-4 dependent)."""
    return p.mm.adhesion_rate * hill(cd49d, p.mm.adhesion_cd49d_half, p.mm.adhesion_hill)


@rule(
    "MM cells",
    "adherent cells divide at {mm.division_rate_adherent} and free cells at {mm.division_rate_free}, "
    "times {mm.vessel_support_division_fold} within {mm.vessel_support_radius_um} of a vessel; "
    "a daughter takes a free neighbouring marrow site",
)
def division_rate(adherent: np.ndarray, near_vessel: np.ndarray, p: Parameters) -> np.ndarray:
    """Division rate, /h: adhesion-mediated support and endothelial support."""
    base = np.where(adherent, p.mm.division_rate_adherent, p.mm.division_rate_free)
    return base * np.where(near_vessel, p.mm.vessel_support_division_fold, 1.0)


@rule(
    "MM cells",
    "free cells die at {mm.death_rate_free} and adherent cells at {mm.death_rate_adherent}, "
    "times {mm.osteoclast_support_death_factor} within {mm.osteoclast_support_radius_um} of an "
    "osteoclast (the vicious cycle)",
)
def death_rate(adherent: np.ndarray, near_osteoclast: np.ndarray, p: Parameters) -> np.ndarray:
    """Death rate, /h."""
    base = np.where(adherent, p.mm.death_rate_adherent, p.mm.death_rate_free)
    return base * np.where(near_osteoclast, p.mm.osteoclast_support_death_factor, 1.0)


@rule("MM cells", "non-adherent cells step to a random free neighbouring site at {mm.migration_rate}")
def migration_rate(adherent: np.ndarray, p: Parameters) -> np.ndarray:
    """Migration rate, /h: adherent cells stay put."""
    return np.where(adherent, 0.0, p.mm.migration_rate)


@rule("MM cells", "each cell secretes {mm.ccl3_secretion} of CCL3/MIP-1α")
def ccl3_secretion(n_cells: int, p: Parameters) -> np.ndarray:
    """CCL3 secretion of each MM cell, molecules/h (Choi 2000; Roodman 2003)."""
    return np.full(n_cells, p.mm.ccl3_secretion)


@rule(
    "MM cells",
    "a seeded cell's CD49d level is log-normal with mean {mm.cd49d_mean} and coefficient of variation "
    "{mm.cd49d_cv}; a daughter inherits its mother's level",
)
def new_cd49d(model: NicheModel, n: int) -> np.ndarray:
    """CD49d levels of n new MM cells: log-normal around mm.cd49d_mean with CV mm.cd49d_cv."""
    p = model.params.mm
    sigma = np.sqrt(np.log1p(p.cd49d_cv**2))
    return p.cd49d_mean * model.rng.lognormal(-0.5 * sigma**2, sigma, size=n)


def step_myeloma(model: NicheModel) -> None:
    """One hour of MM cells: adhesion, death, division, migration."""
    p, rng = model.params, model.rng
    agents, xy = model.positions(MyelomaCell)
    n = len(agents)
    if n == 0:
        return
    x, y = xy.T
    fx = model.effects
    cd49d = np.fromiter((a.cd49d for a in agents), float, n) * fx["mm_cd49d"]
    was_adherent = np.fromiter((a.adherent for a in agents), bool, n)
    next_to_stroma = (model.neighbour_count(STROMA)[x, y] > 0) & model.contact_possible
    draw = rng.random(n)
    adherent = next_to_stroma & np.where(
        was_adherent,
        draw >= probability(p.mm.detachment_rate),
        draw < probability(adhesion_rate(cd49d, p) * fx["mm_adhesion"]),
    )
    for i in np.flatnonzero(adherent != was_adherent):
        agents[i].adherent = bool(adherent[i])

    dies = rng.random(n) < probability(death_rate(adherent, model.near_osteoclast[x, y], p) * fx["mm_death"])
    divides = ~dies & (rng.random(n) < probability(division_rate(adherent, model.near_vessel[x, y], p)))
    moves = ~dies & ~divides & (rng.random(n) < probability(migration_rate(adherent, p)))
    for i in np.flatnonzero(dies):
        model.remove_cell(agents[i])
    acting = np.flatnonzero(divides | moves)
    targets = model.choose_free_neighbours(xy[acting])
    for i, target in zip(acting, targets, strict=True):
        if not model.site_is_free(target):
            continue
        if divides[i]:
            model.add_cell(MyelomaCell, model.cell_at_flat(target), cd49d=agents[i].cd49d)
        else:
            model.move_cell(agents[i], model.cell_at_flat(target))
