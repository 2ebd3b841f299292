"""The cells of the niche, one module per kind.

Each module holds the Mesa agent class (the readable unit that owns a cell's
state), the rules that cell obeys (``@rule`` functions, vectorised over all
cells of the kind) and the phase function the model calls once per hour.
"""

from niche_abm.agents.endothelium import EndothelialCell
from niche_abm.agents.myeloma import MyelomaCell
from niche_abm.agents.osteoblast import Osteoblast
from niche_abm.agents.osteoclast import Osteoclast, OsteoclastPrecursor
from niche_abm.agents.stroma import StromalCell

CELL_KINDS = (StromalCell, MyelomaCell, OsteoclastPrecursor, Osteoclast, Osteoblast, EndothelialCell)

__all__ = [
    "CELL_KINDS",
    "EndothelialCell",
    "MyelomaCell",
    "Osteoblast",
    "Osteoclast",
    "OsteoclastPrecursor",
    "StromalCell",
]
