"""The cells of the niche, one module per kind; :data:`CELL_KINDS` is the registry, in step order.

Each module holds the Mesa agent class (the readable unit that owns a cell's
state), the rules that cell obeys (``@rule`` functions, vectorised over every
cell of the kind), its phase function and one :func:`~niche_abm.cells.kind.declare`
call. Adding a kind is one new module and one line here (plus its parameter rows).
"""

from niche_abm.cells import endothelium, myeloma, osteoblast, osteoclast, precursor, stroma
from niche_abm.cells.endothelium import EndothelialCell
from niche_abm.cells.kind import CellKind, register
from niche_abm.cells.myeloma import MyelomaCell
from niche_abm.cells.osteoblast import Osteoblast
from niche_abm.cells.osteoclast import Osteoclast
from niche_abm.cells.precursor import OsteoclastPrecursor
from niche_abm.cells.stroma import StromalCell

CELL_KINDS: tuple[CellKind, ...] = register(
    (endothelium.KIND, stroma.KIND, myeloma.KIND, precursor.KIND, osteoclast.KIND, osteoblast.KIND)
)
"""Every cell kind, in the order they are seeded and stepped each hour."""

__all__ = [
    "CELL_KINDS",
    "CellKind",
    "EndothelialCell",
    "MyelomaCell",
    "Osteoblast",
    "Osteoclast",
    "OsteoclastPrecursor",
    "StromalCell",
]
