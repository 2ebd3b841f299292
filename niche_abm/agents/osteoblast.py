"""Osteoblasts: bone-forming cells on resorbed surfaces."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from mesa.discrete_space import FixedAgent

from niche_abm.agents.codes import OSTEOBLAST
from niche_abm.rules import gamma_lifespans, probability, rule

if TYPE_CHECKING:
    from niche_abm.model import NicheModel
    from niche_abm.params import Parameters


class Osteoblast(FixedAgent):
    """An active osteoblast refilling a resorption cavity next to it.

    Attributes:
        age_h: hours since differentiation.
        lifespan_h: active lifespan, drawn at differentiation, h.
    """

    code = OSTEOBLAST
    label = "osteoblast"

    def __init__(self, model: NicheModel, cell) -> None:
        super().__init__(model)
        self.cell = cell
        self.age_h = 0.0
        self.lifespan_h = float(draw_lifespans(model.rng, 1, model.params)[0])


@rule(
    "osteoblasts",
    "a cell lays down {ob.formation_rate} of bone into a neighbouring resorbed site, up to the bone that "
    "was there before resorption, and secretes {ob.opg_secretion} of OPG; it retires (to a lining cell or "
    "osteocyte) when no resorbed site is left next to it or after its active life of {ob.lifespan_h} on "
    "average (gamma, shape {ob.lifespan_shape}); touching MM cells kill it at {ob.mm_contact_apoptosis_rate}",
)
def draw_lifespans(rng: np.random.Generator, n: int, p: Parameters) -> np.ndarray:
    """Active lifespans of n new osteoblasts, h (Lips 1978: formation period ≈ 69 days)."""
    return gamma_lifespans(rng, n, p.ob.lifespan_h, p.ob.lifespan_shape)


def step_osteoblasts(model: NicheModel) -> None:
    """One hour of osteoblasts: formation, MM-induced apoptosis, ageing and retirement."""
    agents, xy = model.positions(Osteoblast)
    if not agents:
        return
    p = model.params
    forming = model.form(xy, p.ob.formation_rate)
    touching_mm = model.mm_contact()[xy[:, 0], xy[:, 1]]
    killed = model.rng.random(len(agents)) < probability(np.where(touching_mm, p.ob.mm_contact_apoptosis_rate, 0.0))
    for agent, active, dies in zip(agents, forming, killed, strict=True):
        agent.age_h += 1.0
        if dies or not active or agent.age_h >= agent.lifespan_h:
            model.remove_cell(agent)
