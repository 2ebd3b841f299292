"""How a cell kind declares itself, once: class, label, colour, layer, seeding, phase, secretion and uptake.

Each module in :mod:`niche_abm.cells` ends with one :func:`declare` call. The
registry (:data:`niche_abm.cells.CELL_KINDS`) lists the kinds in step order;
a kind's occupancy code is its place in that order. A phase function sees the
:class:`niche_abm.world.niche.Niche` (lattice, bone, signals, parameters, drug
effects, random generator), never the model.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import mesa
import numpy as np

from niche_abm.world.kernels import MAX_KIND_CODE

PhaseFunction = Callable[..., None]
SeedFunction = Callable[..., None]
SecretionFunction = Callable[..., np.ndarray]
"""secretion(niche, sites) -> molecules/h of each cell of the kind on those flat sites."""
UptakeFunction = Callable[..., np.ndarray]
"""uptake(niche, sites) -> clearance of each cell of the kind on those flat sites, pL of marrow fluid per hour."""


@dataclass(frozen=True)
class CellKind:
    """One kind of cell as the model runs it.

    Args:
        cls: the Mesa agent class (owns a cell's own state).
        label: name a biologist reads.
        colour: RGB (0..1) in pictures.
        layer: "marrow" (one cell per marrow site) or "surface" (one cell per bone-surface site).
        mobile: whether other cells can push or squeeze past it (swap sites).
        phase: what every cell of the kind does in one hour, phase(niche).
        seed: how the kind is placed at the start, seed(niche), or None (it arises during the run).
        secretes: signal name -> secretion(niche, sites), molecules/h per cell.
        takes_up: signal name -> uptake(niche, sites), the fluid volume a cell clears of the signal (binds,
            internalises and degrades), pL/h per cell.
    """

    cls: type[mesa.Agent]
    label: str
    colour: tuple[float, float, float]
    layer: str
    mobile: bool
    phase: PhaseFunction
    seed: SeedFunction | None = None
    secretes: Mapping[str, SecretionFunction] = field(default_factory=dict)
    takes_up: Mapping[str, UptakeFunction] = field(default_factory=dict)

    @property
    def code(self) -> int:
        return self.cls.code


def declare(kind: CellKind) -> CellKind:
    """Attach the kind's label and layer to its class; the registry gives the code."""
    kind.cls.kind = kind
    kind.cls.label = kind.label
    kind.cls.layer = kind.layer
    return kind


def register(kinds: tuple[CellKind, ...]) -> tuple[CellKind, ...]:
    """Number the kinds in step order: code 1, 2, ... (0 = no cell), at most
    :data:`niche_abm.world.kernels.MAX_KIND_CODE` of them (a crawling cell's view of a site keeps the code in a few
    bits)."""
    if len(kinds) > MAX_KIND_CODE:
        raise ValueError(
            f"{len(kinds)} cell kinds registered; a crawling cell's view of a site (kernels.crawl_terrain) holds "
            f"kind codes 1 to {MAX_KIND_CODE}, so at most {MAX_KIND_CODE} kinds"
        )
    for code, kind in enumerate(kinds, start=1):
        kind.cls.code = code
    return kinds
