"""Multiple myeloma (MM) plasma cells: adhesion to stroma, growth that IL-6 feeds, that osteoclasts and their
APRIL keep alive and that pushes the marrow aside, and the CCL3, DKK1 and VEGF they secrete and the OPG they
degrade."""

from __future__ import annotations

import mesa
import numpy as np
from scipy import ndimage

from niche_abm.cells.kind import CellKind, declare
from niche_abm.cells.stroma import StromalCell
from niche_abm.params import ParameterError, Parameters
from niche_abm.rules import happens, hill, rule
from niche_abm.units import SITE_UM
from niche_abm.world.lattice import MARROW
from niche_abm.world.niche import Niche
from niche_abm.world.state import Cell, CellState


class MyelomaCell(Cell):
    """An MM cell with its own CD49d (VLA-4) level."""

    cd49d = CellState(float, 1.0, "relative")
    """CD49d expression relative to an untreated MM cell (1 = untreated)."""
    adherent = CellState(bool, False, "")
    """Bound through VLA-4 to VCAM-1 on a neighbouring stromal cell."""

    def __init__(self, model: mesa.Model, cd49d: float) -> None:
        super().__init__(model, cd49d=cd49d)


@rule(
    "MM cells",
    "each cell binds OPG through the heparan sulfate of syndecan-1 (CD138), internalises and degrades it, "
    "clearing {mm.opg_clearance_pl_per_h} of marrow fluid (a hypothesis to test, off at the default of 0)",
)
def opg_clearance(niche: Niche, sites: np.ndarray) -> np.ndarray:
    """OPG clearance of each MM cell, pL of marrow fluid per hour (Standal et al. 2002)."""
    return np.full(len(sites), niche.params.mm.opg_clearance_pl_per_h)


@rule(
    "MM cells",
    "a cell's adhesion to stroma is the sum of its molecular pairs: CD49d–VCAM-1 (its own CD49d level, share "
    "1 − the other two), ITGA8 (share {mm.adhesion_share_itga8}) and ICAM2/CD102 (share "
    "{mm.adhesion_share_icam2}), 1 for an untreated cell of average CD49d",
    drug_targets=("mm_cd49d", "mm_adhesion", "mm_itga8", "mm_icam2"),
)
def adhesion_strength(cd49d: np.ndarray, effects: dict[str, float], p: Parameters) -> np.ndarray:
    """Adhesion of each MM cell relative to an untreated one: an IMiD lowers each pair's molecule on the MM
    cell; an anti-CD49d antibody blocks only the CD49d–VCAM-1 pair."""
    itga8, icam2 = p.mm.adhesion_share_itga8, p.mm.adhesion_share_icam2
    vla4 = (1.0 - itga8 - icam2) * cd49d * effects["mm_cd49d"] * effects["mm_adhesion"]
    return vla4 + itga8 * effects["mm_itga8"] + icam2 * effects["mm_icam2"]


@rule(
    "MM cells",
    "a non-adherent cell next to a VCAM-1+ stromal cell adheres at up to {mm.adhesion_rate}, "
    "rising with its adhesion strength as a Hill function (half-max {mm.adhesion_strength_half}, power "
    "{mm.adhesion_hill}); an adherent cell lets go at {mm.detachment_rate}",
)
def adhesion_rate(strength: np.ndarray, p: Parameters) -> np.ndarray:
    """Adhesion rate of MM cells next to stroma, /h (Giuliani 2001: partly VLA-4 dependent)."""
    return p.mm.adhesion_rate * hill(strength, p.mm.adhesion_strength_half, p.mm.adhesion_hill)


@rule(
    "MM cells",
    "IL-6 sensed through its receptor raises division up to {mm.il6_division_fold} and prevents up to "
    "{mm.il6_survival} of death, both as IL-6 / (IL-6 + {mm.il6_ec50_pm})",
    drug_targets=("il6_signalling",),
)
def il6_support(il6_pm: np.ndarray, p: Parameters) -> tuple[np.ndarray, np.ndarray]:
    """(division multiplier, death multiplier) of each MM cell from the IL-6 it senses (Kawano 1988; Klein 1989)."""
    bound = hill(il6_pm, p.mm.il6_ec50_pm, 1.0)
    return 1.0 + (p.mm.il6_division_fold - 1.0) * bound, 1.0 - p.mm.il6_survival * bound


@rule(
    "MM cells",
    "APRIL sensed through TACI and BCMA (held at the cell by syndecan-1) prevents up to {mm.april_survival} of "
    "death, as APRIL / (APRIL + {mm.april_ec50_pm})",
    drug_targets=("april_signalling",),
)
def april_support(april_pm: np.ndarray, p: Parameters) -> np.ndarray:
    """Death multiplier of each MM cell from the APRIL it senses (Moreaux et al. 2004; Moreaux et al. 2009)."""
    return 1.0 - p.mm.april_survival * hill(april_pm, p.mm.april_ec50_pm, 1.0)


@rule(
    "MM cells",
    "adherent cells divide at {mm.division_rate_adherent} and free cells at {mm.division_rate_free}, "
    "times their IL-6 support, times {mm.vessel_support_division_fold} within {mm.vessel_support_radius_um} "
    "of a vessel; "
    "a daughter takes an empty neighbouring marrow site or, when there is none, pushes the mobile cells "
    "between it and the nearest empty site within {mm.push_radius_um} one site outwards; with no such "
    "site, or a stromal or endothelial cell in the way, the division fails",
)
def division_rate(adherent: np.ndarray, near_vessel: np.ndarray, il6_fold: np.ndarray, p: Parameters) -> np.ndarray:
    """Division rate, /h: adhesion-mediated, IL-6 and endothelial support."""
    base = np.where(adherent, p.mm.division_rate_adherent, p.mm.division_rate_free)
    return base * il6_fold * np.where(near_vessel, p.mm.vessel_support_division_fold, 1.0)


@rule(
    "MM cells",
    "free cells die at {mm.death_rate_free} and adherent cells at {mm.death_rate_adherent}, "
    "times their IL-6 and APRIL support, times {mm.osteoclast_support_death_factor} within "
    "{mm.osteoclast_support_radius_um} of an osteoclast (contact support); a drug's kill adds to this, "
    "reaching adherent cells less its adhesion protection (CAM-DR), and blunted by IL-6 only for the drugs "
    "IL-6 rescues (dexamethasone)",
    drug_targets=("mm_death", "mm_death_adherent", "mm_death_il6", "mm_death_adherent_il6"),
)
def death_rate(
    adherent: np.ndarray,
    near_osteoclast: np.ndarray,
    il6_factor: np.ndarray,
    april_factor: np.ndarray,
    effects: dict[str, float],
    p: Parameters,
) -> np.ndarray:
    """Death rate, /h: base x osteoclast contact support x APRIL support x (IL-6 support x folds of
    IL-6-rescued drugs + the other drugs' extra kill), with each fold taken for free or adherent cells
    (mm_death / mm_death_adherent)."""
    base = np.where(adherent, p.mm.death_rate_adherent, p.mm.death_rate_free)
    rescued = np.where(adherent, effects["mm_death_adherent_il6"], effects["mm_death_il6"])
    other = np.where(adherent, effects["mm_death_adherent"], effects["mm_death"])
    support = np.where(near_osteoclast, p.mm.osteoclast_support_death_factor, 1.0)
    return base * support * april_factor * (il6_factor * rescued + other - 1.0)


@rule("MM cells", "non-adherent cells step to a random empty neighbouring site at {mm.migration_rate}")
def migration_rate(adherent: np.ndarray, p: Parameters) -> np.ndarray:
    """Migration rate, /h: adherent cells stay put."""
    return np.where(adherent, 0.0, p.mm.migration_rate)


@rule("MM cells", "each cell secretes {mm.ccl3_secretion} of CCL3/MIP-1α", drug_targets=("mm_ccl3_secretion",))
def ccl3_secretion(n_cells: int, p: Parameters) -> np.ndarray:
    """CCL3 secretion of each MM cell, molecules/h (Choi et al. 2000; Choi et al. 2003)."""
    return np.full(n_cells, p.mm.ccl3_secretion)


def _ccl3(niche: Niche, sites: np.ndarray) -> np.ndarray:
    return ccl3_secretion(len(sites), niche.params) * niche.effects["mm_ccl3_secretion"]


@rule(
    "MM cells",
    "each cell secretes {mm.dkk1_secretion} of DKK1 (Wnt inhibitor) and {mm.vegf_secretion} of VEGF",
)
def _dkk1(niche: Niche, sites: np.ndarray) -> np.ndarray:
    """DKK1 secretion of MM cells, molecules/h (Tian et al. 2003)."""
    return np.full(len(sites), niche.params.mm.dkk1_secretion)


def _vegf(niche: Niche, sites: np.ndarray) -> np.ndarray:
    """VEGF secretion of MM cells, molecules/h (Dankbar et al. 2000)."""
    return np.full(len(sites), niche.params.mm.vegf_secretion)


@rule(
    "MM cells",
    "a seeded cell's CD49d level is log-normal with mean {mm.cd49d_mean} and coefficient of variation "
    "{mm.cd49d_cv}; a daughter inherits its mother's level",
)
def new_cd49d(rng: np.random.Generator, n: int, p: Parameters) -> np.ndarray:
    """CD49d levels of n new MM cells: log-normal around mm.cd49d_mean with CV mm.cd49d_cv."""
    sigma = np.sqrt(np.log1p(p.mm.cd49d_cv**2))
    return p.mm.cd49d_mean * rng.lognormal(-0.5 * sigma**2, sigma, size=n)


@rule(
    "the initial marrow",
    "{mm.initial_count} of MM are seeded in {mm.initial_foci} (never more foci than cells), each focus "
    "filling the empty sites nearest a stromal cell that lies within {mm.initial_focus_bone_distance_um} of bone (the "
    "endosteal niche)",
)
def seed_myeloma(niche: Niche) -> None:
    """Seed MM cells in foci, each around a stromal cell, nearest empty sites first (in a well: at random)."""
    p, rng, lattice = niche.params, niche.rng, niche.lattice
    n = p.mm.initial_count
    if n > 0:
        open_marrow = niche.open_marrow()
        if n > open_marrow.sum():
            raise ParameterError(
                "mm.initial_count",
                f"got {n} cells but only {int(open_marrow.sum())} marrow sites are free on this grid",
            )
        if p.culture.well:
            chosen = rng.choice(np.flatnonzero(open_marrow), size=n, replace=False)
            for site, cd49d in zip(chosen, new_cd49d(rng, n, p), strict=True):
                lattice.add(MyelomaCell, site, cd49d=float(cd49d))
        else:
            _seed_foci(niche, n)
    publish_contacts(niche)


def _seed_foci(niche: Niche, n: int) -> None:
    p, rng, lattice = niche.params, niche.rng, niche.lattice
    anchors = lattice.sites_of(StromalCell)
    reach = p.mm.initial_focus_bone_distance_um / SITE_UM
    distance_to_bone = ndimage.distance_transform_edt(niche.bone.marrow).ravel()
    anchors = anchors[distance_to_bone[anchors] <= reach]
    if len(anchors) == 0:
        raise ParameterError(
            "mm.initial_focus_bone_distance_um", f"no stromal cell lies within {reach * SITE_UM:g} µm of bone"
        )
    foci = anchors[rng.choice(len(anchors), size=min(p.mm.initial_foci, len(anchors), n), replace=False)]
    per_focus = np.full(len(foci), n // len(foci))
    per_focus[: n % len(foci)] += 1
    for focus, k in zip(foci, per_focus, strict=True):
        chosen = _nearest_open_sites(niche, int(focus), int(k))
        for site, cd49d in zip(chosen, new_cd49d(rng, k, p), strict=True):
            lattice.add(MyelomaCell, site, cd49d=float(cd49d))


def _nearest_open_sites(niche: Niche, focus: int, k: int) -> np.ndarray:
    """The k open marrow sites nearest a site (ties in site order), searched in a window that grows until it
    holds k of them (or the whole grid)."""
    lattice = niche.lattice
    (fx,), (fy,) = lattice.xy(np.array([focus]))
    w, h = lattice.shape
    half = int(np.ceil(np.sqrt(k))) + 1
    while True:
        x = np.arange(max(fx - half, 0), min(fx + half + 1, w))
        y = np.arange(max(fy - half, 0), min(fy + half + 1, h))
        window = (x[:, None] * h + y[None, :]).ravel()
        distance = ((x[:, None] - fx) ** 2 + (y[None, :] - fy) ** 2).ravel()
        found = np.flatnonzero(niche.open_at(window))
        whole_grid = len(x) == w and len(y) == h
        if len(found) >= k or whole_grid:
            order = found[np.lexsort((window[found], distance[found]))]
            nearest = window[order[:k]]
            if whole_grid or distance[order[k - 1]] <= half**2:
                return nearest
        half *= 2


def publish_contacts(niche: Niche) -> None:
    """The sites MM cells touch, for the cells that respond to MM contact (none across a transwell)."""
    sites, adherent = niche.lattice.unordered(MyelomaCell, "adherent")  # contact maps do not depend on order
    if not niche.contact_possible:
        sites, adherent = sites[:0], adherent[:0]
    niche.mm_contact, niche.adherent_mm_contact = niche.contacts_of(sites, adherent)


def step_myeloma(niche: Niche) -> None:
    """One hour of MM cells: adhesion, death, division (pushing if crowded), migration."""
    p, rng, fx, lattice = niche.params, niche.rng, niche.effects, niche.lattice
    sites = lattice.sites_of(MyelomaCell)
    n = len(sites)
    if n:
        own_cd49d = lattice.read(MyelomaCell, "cd49d", sites)
        was_adherent = lattice.read(MyelomaCell, "adherent", sites)
        next_to_stroma = niche.touching(StromalCell.code, sites) & niche.contact_possible
        draw = rng.random(n)
        adherent = next_to_stroma & was_adherent & ~happens(draw, p.mm.detachment_rate)
        binding = np.flatnonzero(next_to_stroma & ~was_adherent)
        adherent[binding] = happens(draw[binding], adhesion_rate(adhesion_strength(own_cd49d[binding], fx, p), p))
        lattice.write(MyelomaCell, "adherent", sites, adherent)
        il6_division, il6_death = il6_support(niche.signals.at("il6", sites) * fx["il6_signalling"], p)
        near_osteoclast = niche.near_osteoclast.ravel()[sites]
        april_death = april_support(niche.signals.at("april", sites) * fx["april_signalling"], p)
        dies = happens(rng.random(n), death_rate(adherent, near_osteoclast, il6_death, april_death, fx, p))
        near_vessel = niche.near_vessel.ravel()[sites]
        divides = ~dies & happens(rng.random(n), division_rate(adherent, near_vessel, il6_division, p))
        moves = ~dies & ~divides & happens(rng.random(n), migration_rate(adherent, p))
        for cell in lattice.cells_at(MyelomaCell, sites[dies]):
            lattice.remove(cell)
        _divide_and_move(niche, sites, own_cd49d, divides, moves)
    publish_contacts(niche)


def _divide_and_move(niche: Niche, sites: np.ndarray, cd49d: np.ndarray, divides: np.ndarray, moves: np.ndarray):
    """Dividing and migrating cells each choose an empty neighbouring site; one cell gets each site.

    A migrating cell that loses its site stays; a daughter that finds no empty
    neighbour (or loses it) is placed by pushing cells toward the nearest empty
    site within mm.push_radius_um.
    """
    lattice = niche.lattice
    acting = np.flatnonzero(divides | moves)
    neighbours, open_ = niche.open_neighbours(sites[acting])
    targets = niche.choose_neighbour(sites[acting], open_, neighbours)
    won = niche.first_claims(targets)
    moving = won & moves[acting]
    lattice.move_many(MyelomaCell, sites[acting[moving]], targets[moving])
    placed = won & divides[acting]
    for target, level in zip(targets[placed], cd49d[acting[placed]], strict=True):
        lattice.add(MyelomaCell, target, cd49d=float(level))
    crowded = acting[~won & divides[acting]]
    mothers = lattice.cells_at(MyelomaCell, sites[crowded])
    ends = niche.nearest_open(sites[crowded], niche.params.mm.push_radius_um / SITE_UM)
    for mother, level, end in zip(mothers, cd49d[crowded], ends, strict=True):
        target = niche.push_toward(mother.site, end) if end >= 0 else -1
        if target >= 0:
            lattice.add(MyelomaCell, target, cd49d=float(level))


KIND = declare(
    CellKind(
        MyelomaCell,
        label="myeloma cell",
        colour=(0.75, 0.35, 0.95),
        layer=MARROW,
        mobile=True,
        phase=step_myeloma,
        seed=seed_myeloma,
        secretes={"ccl3": _ccl3, "dkk1": _dkk1, "vegf": _vegf},
        takes_up={"opg": opg_clearance},
    )
)
