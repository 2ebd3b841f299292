"""Osteoclast precursors (RANK+ monocytes) and the osteoclasts they fuse into."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from mesa.discrete_space import CellAgent

from niche_abm.agents.codes import OSTEOCLAST, PRECURSOR
from niche_abm.rules import gamma_lifespans, hill, probability, rule

if TYPE_CHECKING:
    from niche_abm.model import NicheModel
    from niche_abm.params import Parameters


class OsteoclastPrecursor(CellAgent):
    """A mononuclear RANK+ osteoclast precursor that wanders the marrow, drawn by CCL3."""

    code = PRECURSOR
    label = "osteoclast precursor"

    def __init__(self, model: NicheModel, cell) -> None:
        super().__init__(model)
        self.cell = cell


class Osteoclast(CellAgent):
    """A multinucleated osteoclast on a bone surface.

    Attributes:
        age_h: hours since fusion.
        lifespan_h: hours it will live, drawn at fusion.
    """

    code = OSTEOCLAST
    label = "osteoclast"

    def __init__(self, model: NicheModel, cell, lifespan_h: float) -> None:
        super().__init__(model)
        self.cell = cell
        self.age_h = 0.0
        self.lifespan_h = lifespan_h


@rule(
    "osteoclast precursors",
    "each cell steps to a free neighbouring site at {ocp.migration_rate}, choosing up the CCL3 gradient "
    "with weight exp({ocp.chemotaxis} x ΔCCL3 / (CCL3 + {ocp.ccl3_ec50_pm})), times "
    "{ocp.bone_migration_factor} when next to bone; cells die or leave at {ocp.death_rate}",
)
def chemotaxis_weights(ccl3_here: np.ndarray, ccl3_neighbours: np.ndarray, p: Parameters) -> np.ndarray:
    """Relative weights of the 8 neighbouring sites (n x 8): a biased random walk up CCL3."""
    relative = (ccl3_neighbours - ccl3_here[:, None]) / (ccl3_here[:, None] + p.ocp.ccl3_ec50_pm)
    return np.exp(p.ocp.chemotaxis * relative)


def migration_rate(next_to_bone: np.ndarray, p: Parameters) -> np.ndarray:
    """Migration rate of each precursor, /h: slowed where it has attached to bone."""
    return p.ocp.migration_rate * np.where(next_to_bone, p.ocp.bone_migration_factor, 1.0)


@rule(
    "osteoclast precursors",
    "a cell next to bone with at least {ocp.fusion_partners} within two sites fuses with them into an "
    "osteoclast at up to {ocp.fusion_rate}, a Hill function of its RANK occupancy by free "
    "RANKL (half-max {ocp.fusion_occupancy_half}, power {ocp.fusion_hill}; RANK Kd "
    "{binding.rank_rankl_kd_pm}); CCL3 raises that rate up to {ocp.ccl3_fusion_fold} (half-max "
    "{ocp.ccl3_fusion_ec50_pm}), but cannot replace RANKL",
)
def fusion_rate(
    rank_occupancy: np.ndarray, next_to_bone: np.ndarray, partners: np.ndarray, ccl3_pm: np.ndarray, p: Parameters
) -> np.ndarray:
    """Fusion rate of each precursor, /h; ccl3_pm is the CCL3 it senses through CCR1, pM."""
    able = next_to_bone & (partners >= p.ocp.fusion_partners)
    ccl3_boost = 1.0 + (p.ocp.ccl3_fusion_fold - 1.0) * hill(ccl3_pm, p.ocp.ccl3_fusion_ec50_pm, 1.0)
    return p.ocp.fusion_rate * able * hill(rank_occupancy, p.ocp.fusion_occupancy_half, p.ocp.fusion_hill) * ccl3_boost


@rule(
    "osteoclasts",
    "a cell resorbs {oc.resorption_rate} of a neighbouring bone site, finishing the most eroded one first, "
    "and steps along the bone surface when none is left; CCL3 raises resorption up to "
    "{oc.ccl3_resorption_fold} (half-max {oc.ccl3_activation_ec50_pm})",
)
def resorption_rate(ccl3_pm: np.ndarray, p: Parameters) -> np.ndarray:
    """Bone resorbed by each osteoclast, site volumes/h (CCL3 activates osteoclasts: Han et al. 2001)."""
    return p.oc.resorption_rate * (
        1.0 + (p.oc.ccl3_resorption_fold - 1.0) * hill(ccl3_pm, p.oc.ccl3_activation_ec50_pm, 1.0)
    )


@rule(
    "osteoclasts",
    "a cell lives {oc.lifespan_h} on average (gamma, shape {oc.lifespan_shape}), and dies sooner when RANKL is "
    "withdrawn: an extra {oc.rankl_withdrawal_death_rate} times 1 minus a Hill function of its RANK occupancy "
    "(half-max {oc.survival_occupancy_half}, power {oc.survival_hill})",
)
def survival_death_rate(rank_occupancy_here: np.ndarray, p: Parameters) -> np.ndarray:
    """Extra death rate of each osteoclast for lack of RANKL, /h (RANKL is a survival factor: Lacey et al. 2000)."""
    support = hill(rank_occupancy_here, p.oc.survival_occupancy_half, p.oc.survival_hill)
    return p.oc.rankl_withdrawal_death_rate * (1.0 - support)


def draw_lifespans(rng: np.random.Generator, n: int, p: Parameters) -> np.ndarray:
    """Lifespans of n new osteoclasts, h (Manolagas 2000: about 2 weeks)."""
    return gamma_lifespans(rng, n, p.oc.lifespan_h, p.oc.lifespan_shape)


def step_precursors(model: NicheModel) -> None:
    """One hour of precursors: death, chemotactic migration, fusion into osteoclasts."""
    p, rng = model.params, model.rng
    agents, xy = model.positions(OsteoclastPrecursor)
    n = len(agents)
    if n == 0:
        return
    x, y = xy.T
    dies = rng.random(n) < probability(p.ocp.death_rate)
    partners = model.neighbour_count(PRECURSOR, radius=2)[x, y]
    occupancy = model.rank_occupancy_sites[x, y]
    ccl3 = model.ccl3_sites * model.effects["ccl3_signalling"]
    rate = fusion_rate(occupancy, model.next_to_bone[x, y], partners, ccl3[x, y], p)
    fuses = ~dies & (rng.random(n) < probability(rate * model.effects["osteoclast_formation"]))
    moves = ~dies & ~fuses & (rng.random(n) < probability(migration_rate(model.next_to_bone[x, y], p)))
    for i in np.flatnonzero(dies):
        model.remove_cell(agents[i])
    movers = np.flatnonzero(moves)
    targets = model.choose_free_neighbours(
        xy[movers], lambda nx, ny: chemotaxis_weights(ccl3[x[movers], y[movers]], ccl3[nx, ny], p)
    )
    for i, target in zip(movers, targets, strict=True):
        if model.site_is_free(target):
            model.move_cell(agents[i], model.cell_at_flat(target))
    for i in np.flatnonzero(fuses):
        _fuse(model, agents[i])


def _fuse(model: NicheModel, precursor: OsteoclastPrecursor) -> None:
    """Fuse a precursor with its nearest fusion partners into one osteoclast at its site."""
    p = model.params
    if precursor.cell is None:
        return
    partners = model.nearby(precursor.cell, OsteoclastPrecursor, radius=2)
    if len(partners) < p.ocp.fusion_partners:
        return
    cell = precursor.cell
    for partner in partners[: p.ocp.fusion_partners]:
        model.remove_cell(partner)
    model.remove_cell(precursor)
    model.add_cell(Osteoclast, cell, lifespan_h=float(draw_lifespans(model.rng, 1, p)[0]))
    model.counters["osteoclasts_formed"] += 1


def step_osteoclasts(model: NicheModel) -> None:
    """One hour of osteoclasts: resorption, ageing and death, moving along the surface."""
    agents, xy = model.positions(Osteoclast)
    if not agents:
        return
    p, fx = model.params, model.effects
    x, y = xy.T
    sensed_ccl3 = model.ccl3_sites[x, y] * fx["ccl3_signalling"]
    resorbing = model.resorb(xy, resorption_rate(sensed_ccl3, p) * fx["resorption"])
    idle = np.flatnonzero(~resorbing)
    targets = model.choose_free_neighbours(xy[idle], lambda nx, ny: model.next_to_bone[nx, ny].astype(float))
    for i, target in zip(idle, targets, strict=True):
        if model.site_is_free(target):
            model.move_cell(agents[i], model.cell_at_flat(target))
    drug_death = (fx["osteoclast_death"] - 1.0) / p.oc.lifespan_h
    withdrawal_death = survival_death_rate(model.rank_occupancy_sites[x, y], p)
    killed = model.rng.random(len(agents)) < probability(drug_death + withdrawal_death)
    for agent, early_death in zip(agents, killed, strict=True):
        agent.age_h += 1.0
        if early_death or agent.age_h >= agent.lifespan_h:
            model.counters["osteoclast_lifespans_h"].append(agent.age_h)
            model.remove_cell(agent)
