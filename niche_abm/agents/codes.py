"""Occupancy codes: what holds a site, as stored in the model's occupancy array."""

EMPTY = 0
STROMA = 1
MYELOMA = 2
PRECURSOR = 3
OSTEOCLAST = 4
OSTEOBLAST = 5
ENDOTHELIUM = 6
