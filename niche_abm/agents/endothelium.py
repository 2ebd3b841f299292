"""Endothelial cells of the marrow sinusoids."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from mesa.discrete_space import FixedAgent

from niche_abm.agents.codes import ENDOTHELIUM
from niche_abm.rules import hill, probability, rule

if TYPE_CHECKING:
    from niche_abm.model import NicheModel
    from niche_abm.params import Parameters


class EndothelialCell(FixedAgent):
    """One site of a sinusoid wall: where osteoclast precursors enter the marrow."""

    code = ENDOTHELIUM
    label = "endothelium"

    def __init__(self, model: NicheModel, cell) -> None:
        super().__init__(model)
        self.cell = cell


@rule(
    "endothelial cells",
    "each site releases an osteoclast precursor into a free neighbouring site at {ocp.recruitment_rate}, "
    "raised up to {ocp.ccl3_recruitment_fold} by local CCL3 (half-max {ocp.ccl3_ec50_pm})",
)
def precursor_release_rate(ccl3_pm: np.ndarray, p: Parameters) -> np.ndarray:
    """Precursor release rate of each endothelial site, /h (CCL3 recruits precursors: Abe 2002)."""
    gain = 1.0 + (p.ocp.ccl3_recruitment_fold - 1.0) * hill(ccl3_pm, p.ocp.ccl3_ec50_pm, 1.0)
    return p.ocp.recruitment_rate * gain


def step_endothelium(model: NicheModel) -> None:
    """One hour of vessels: precursor release."""
    from niche_abm.agents.osteoclast import OsteoclastPrecursor

    agents, xy = model.positions(EndothelialCell)
    if not agents:
        return
    x, y = xy.T
    rate = precursor_release_rate(model.ccl3_sites[x, y] * model.effects["ccl3_signalling"], model.params)
    releasing = np.flatnonzero(model.rng.random(len(agents)) < probability(rate))
    for target in model.choose_free_neighbours(xy[releasing]):
        if model.site_is_free(target):
            model.add_cell(OsteoclastPrecursor, model.cell_at_flat(target))
