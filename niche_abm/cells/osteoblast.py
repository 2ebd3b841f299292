"""Osteoblasts: bone-forming cells lining the bone surface; their Wnt signalling, which DKK1 blocks."""

from __future__ import annotations

import mesa
import numpy as np

from niche_abm.cells.kind import CellKind, declare
from niche_abm.params import Parameters
from niche_abm.rules import gamma_lifespans, happens, rule
from niche_abm.world.lattice import SURFACE
from niche_abm.world.niche import Niche
from niche_abm.world.state import Cell, CellState


class Osteoblast(Cell):
    """An active osteoblast on a bone-surface site: refilling the cavity it lines, or (modelling) laying new
    bone on a quiescent surface."""

    age_h = CellState(float, 0.0, "h")
    """Hours since differentiation."""
    lifespan_h = CellState(float, 0.0, "h")
    """Active lifespan, drawn at differentiation."""
    modelling = CellState(bool, False, "")
    """Started on a quiescent surface: lays new bone instead of refilling a cavity."""

    def __init__(self, model: mesa.Model, modelling: bool = False) -> None:
        super().__init__(model)
        self.lifespan_h = float(draw_lifespans(model.rng, 1, model.params)[0])
        self.modelling = modelling


@rule(
    "osteoblast-lineage cells",
    "Wnt signalling falls with the DKK1 they sense as {stroma.dkk1_ic50_pm} / ({stroma.dkk1_ic50_pm} + DKK1): "
    "it scales PreOB differentiation into osteoblasts, and an osteoblast loses up to "
    "{ob.dkk1_opg_suppression} of its OPG secretion as it falls",
    drug_targets=("dkk1_signalling",),
)
def wnt_signalling(dkk1_pm: np.ndarray, p: Parameters) -> np.ndarray:
    """Canonical Wnt signalling left by DKK1 (1 = none bound; Tian et al. 2003 NEJM 349:2483)."""
    return p.stroma.dkk1_ic50_pm / (p.stroma.dkk1_ic50_pm + dkk1_pm)


def sensed_wnt(niche: Niche, sites: np.ndarray) -> np.ndarray:
    """Wnt signalling of the cells on these sites, from the DKK1 they sense (after anti-DKK1 drugs)."""
    return wnt_signalling(niche.signals.at("dkk1", sites) * niche.effects["dkk1_signalling"], niche.params)


@rule(
    "osteoblasts",
    "a cell on the bone surface lays down {ob.formation_rate} of bone into its own site or a neighbouring "
    "resorbed site free of cells, up to the bone that was there before resorption (a modelling osteoblast, "
    "started on a quiescent surface, lays new bone into its own site or a free neighbouring marrow site "
    "instead), and secretes {ob.opg_secretion} of OPG and {ob.dkk1_secretion} of DKK1; it retires (to a "
    "lining cell or osteocyte) when no site is left to fill next to it or after its active life of "
    "{ob.lifespan_h} on average (gamma, shape {ob.lifespan_shape}); touching MM cells kill it at "
    "{ob.mm_contact_apoptosis_rate}",
)
def draw_lifespans(rng: np.random.Generator, n: int, p: Parameters) -> np.ndarray:
    """Active lifespans of n new osteoblasts, h (Lips 1978: formation period ≈ 69 days)."""
    return gamma_lifespans(rng, n, p.ob.lifespan_h, p.ob.lifespan_shape)


def _opg(niche: Niche, sites: np.ndarray) -> np.ndarray:
    """OPG secretion, molecules/h: Wnt signalling raises it (Glass et al. 2005), so DKK1 lowers it."""
    p = niche.params
    return p.ob.opg_secretion * (1.0 - p.ob.dkk1_opg_suppression * (1.0 - sensed_wnt(niche, sites)))


def _dkk1(niche: Niche, sites: np.ndarray) -> np.ndarray:
    return np.full(len(sites), niche.params.ob.dkk1_secretion)


def step_osteoblasts(niche: Niche) -> None:
    """One hour of osteoblasts: formation, MM-induced apoptosis, ageing and retirement."""
    lattice, p = niche.lattice, niche.params
    sites = lattice.sites_of(Osteoblast)
    if len(sites) == 0:
        return
    neighbours, inside = lattice.neighbours(sites)
    modelling = lattice.read(Osteoblast, "modelling", sites)
    forming = np.zeros(len(sites), dtype=bool)
    forming[~modelling] = niche.bone.form(
        sites[~modelling], neighbours[~modelling], inside[~modelling], p.ob.formation_rate, niche.open_at
    )
    forming[modelling] = niche.bone.build(
        sites[modelling], neighbours[modelling], inside[modelling], p.ob.formation_rate, niche.open_at
    )
    touching_mm = niche.mm_contact.ravel()[sites]
    killed = happens(niche.rng.random(len(sites)), np.where(touching_mm, p.ob.mm_contact_apoptosis_rate, 0.0))
    age = lattice.read(Osteoblast, "age_h", sites) + 1.0
    lattice.write(Osteoblast, "age_h", sites, age)
    retiring = killed | ~forming | (age >= lattice.read(Osteoblast, "lifespan_h", sites))
    for cell in lattice.cells_at(Osteoblast, sites[retiring]):
        lattice.remove(cell)


KIND = declare(
    CellKind(
        Osteoblast,
        label="osteoblast",
        colour=(0.20, 0.55, 1.00),
        layer=SURFACE,
        mobile=False,
        phase=step_osteoblasts,
        secretes={"opg": _opg, "dkk1": _dkk1},
    )
)
