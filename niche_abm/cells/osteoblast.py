"""Osteoblasts: bone-forming cells lining the bone surface next to resorption cavities."""

from __future__ import annotations

import mesa
import numpy as np

from niche_abm.cells.kind import CellKind, declare
from niche_abm.params import Parameters
from niche_abm.rules import gamma_lifespans, probability, rule
from niche_abm.world.lattice import SURFACE
from niche_abm.world.niche import Niche
from niche_abm.world.state import Cell, CellState


class Osteoblast(Cell):
    """An active osteoblast on a bone-surface site, refilling the cavity it lines."""

    age_h = CellState(float, 0.0, "h")
    """Hours since differentiation."""
    lifespan_h = CellState(float, 0.0, "h")
    """Active lifespan, drawn at differentiation."""

    def __init__(self, model: mesa.Model) -> None:
        super().__init__(model)
        self.lifespan_h = float(draw_lifespans(model.rng, 1, model.params)[0])


@rule(
    "osteoblasts",
    "a cell on the bone surface lays down {ob.formation_rate} of bone into its own site or a neighbouring "
    "resorbed site free of cells, up to the bone that was there before resorption, and secretes "
    "{ob.opg_secretion} of OPG; it retires (to a lining cell or osteocyte) when no resorbed site is left next "
    "to it or after its active life of {ob.lifespan_h} on average (gamma, shape {ob.lifespan_shape}); "
    "touching MM cells kill it at {ob.mm_contact_apoptosis_rate}",
)
def draw_lifespans(rng: np.random.Generator, n: int, p: Parameters) -> np.ndarray:
    """Active lifespans of n new osteoblasts, h (Lips 1978: formation period ≈ 69 days)."""
    return gamma_lifespans(rng, n, p.ob.lifespan_h, p.ob.lifespan_shape)


def _opg(niche: Niche, sites: np.ndarray) -> np.ndarray:
    return np.full(len(sites), niche.params.ob.opg_secretion)


def step_osteoblasts(niche: Niche) -> None:
    """One hour of osteoblasts: formation, MM-induced apoptosis, ageing and retirement."""
    lattice, p = niche.lattice, niche.params
    sites = lattice.sites_of(Osteoblast)
    if len(sites) == 0:
        return
    neighbours, inside = lattice.neighbours(sites)
    forming = niche.bone.form(sites, neighbours, inside, p.ob.formation_rate, niche.open_at)
    touching_mm = niche.mm_contact.ravel()[sites]
    killed = niche.rng.random(len(sites)) < probability(np.where(touching_mm, p.ob.mm_contact_apoptosis_rate, 0.0))
    age = lattice.read(Osteoblast, "age_h", sites) + 1.0
    lattice.write(Osteoblast, "age_h", sites, age)
    retiring = killed | ~forming | (age >= lattice.read(Osteoblast, "lifespan_h", sites))
    for cell in lattice.agents_at(SURFACE, sites[retiring]):
        lattice.remove(cell)


KIND = declare(
    CellKind(
        Osteoblast,
        label="osteoblast",
        colour=(0.20, 0.55, 1.00),
        layer=SURFACE,
        mobile=False,
        phase=step_osteoblasts,
        secretes={"opg": _opg},
    )
)
