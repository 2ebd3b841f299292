"""The lattice: the only owner of where every cell is.

The section is a grid of 10 µm sites indexed [x, y] (flat index x · height + y).
Two layers share it:

- the **marrow layer**: at most one marrow cell (MM cell, stromal cell,
  osteoclast precursor, endothelial cell) on each marrow site;
- the **surface layer**: at most one bone-surface cell (osteoclast,
  osteoblast) on each bone site that faces marrow. An osteoclast sits in its
  resorption lacuna on the bone side of the surface, an osteoblast lines it, so
  marrow cells packed against the bone cannot lock them out.

Each layer keeps an array of kind codes (what the vectorised rules read) and an
array of the cells' rows in their kind's :class:`~niche_abm.world.state.StateTable`,
the per-kind arrays of cell state (CD49d, nuclei, age...) that rules read and write
for all cells at once, which also holds each row's agent: a move rewrites two
integer arrays, never an array of Python objects. A cell's ``site`` attribute is written here
and nowhere else; cells are created, moved, swapped and removed only through
these methods. Cells stay Mesa agents (``mesa.Agent``, in the model's
``AgentSet`` s); the lattice holds no Mesa grid, because a Mesa cell object per
site costs 1.5 GB and 35 s to build at 1,000 x 1,000 sites (docs/ODD.md).
"""

from __future__ import annotations

import mesa
import numpy as np

from niche_abm.world import kernels
from niche_abm.world.state import StateTable

MARROW = "marrow"
SURFACE = "surface"

MOORE = kernels.MOORE
"""Offsets of the 8 neighbours of a site (Moore neighbourhood)."""


class Lattice:
    """Positions and occupancy of every cell, in two layers (marrow sites and bone surface).

    Args:
        model: the Mesa model the cells belong to (a Mesa agent is created with its model).
        shape: (width, height) in sites.
    """

    def __init__(self, model: mesa.Model, shape: tuple[int, int]):
        self._model = model
        self.shape = (int(shape[0]), int(shape[1]))
        self.code = {MARROW: np.zeros(self.shape, dtype=np.int8), SURFACE: np.zeros(self.shape, dtype=np.int8)}
        self._row = {MARROW: np.full(self.size, -1, dtype=np.int64), SURFACE: np.full(self.size, -1, dtype=np.int64)}
        self._tables: dict[type, StateTable] = {}
        self._kinds: dict[int, type] = {}
        self._listed: dict[int, tuple[np.ndarray, np.ndarray]] = {}  # per kind code: its sites and their rows

    @property
    def size(self) -> int:
        return self.shape[0] * self.shape[1]

    @property
    def marrow_code(self) -> np.ndarray:
        """Kind code of the marrow cell on each site (0 = none)."""
        return self.code[MARROW]

    @property
    def surface_code(self) -> np.ndarray:
        """Kind code of the bone-surface cell on each site (0 = none)."""
        return self.code[SURFACE]

    # --- writing positions -------------------------------------------------------------------
    def add(self, kind: type, site: int, **state) -> mesa.Agent:
        """Create a cell of a kind on a site (flat index) of its layer; returns the agent."""
        agent = kind(self._model, **state)
        self._put(agent, int(site))
        return agent

    def move(self, agent: mesa.Agent, site: int) -> None:
        """Move a cell to a site of its own layer that holds no cell."""
        layer, here = agent.layer, agent.site
        self.code[layer].flat[here] = 0
        self._row[layer][here] = -1
        self._put(agent, int(site))

    def move_many(self, kind: type, sources: np.ndarray, targets: np.ndarray) -> None:
        """Move the cells of a kind on the flat sites `sources` to the distinct, empty flat sites `targets`."""
        if len(sources) == 0:
            return
        layer = kind.layer
        rows = self._row[layer][sources]
        code = self.code[layer].ravel()
        code[sources], self._row[layer][sources] = 0, -1
        code[targets], self._row[layer][targets] = kind.code, rows
        self.table(kind).values["site"][rows] = targets
        self._listed.pop(kind.code, None)

    def relocate(self, layer: str, sites: np.ndarray, holders: np.ndarray) -> None:
        """Put on each flat site sites[i] of a layer the cell that was on flat site holders[i] (−1 = none), the
        outcome of moves and swaps made by a kernel on a copy of the kind codes (every cell leaving a listed site
        arrives at another listed site)."""
        if len(sites) == 0:
            return
        new_code, new_row = kernels.relocate(self.code[layer].ravel(), self._row[layer], sites, holders)
        for kind_code in (np.flatnonzero(np.bincount(new_code)[1:]) + 1).tolist():
            self._listed.pop(kind_code, None)
            here = new_code == kind_code
            self._tables[self._kinds[kind_code]].values["site"][new_row[here]] = sites[here]

    def remove(self, agent: mesa.Agent) -> None:
        """Take a cell out of the lattice and out of the model (death, fusion, differentiation)."""
        layer, table = agent.layer, self._tables[type(agent)]
        here = table.values["site"].item(agent.row)
        table.values["site"][agent.row] = -1  # its final state: no site
        self.code[layer].flat[here] = 0
        self._row[layer][here] = -1
        self._listed.pop(agent.code, None)
        agent.final_state = table.release(agent.row)
        agent.row = -1
        agent.remove()

    def _put(self, agent: mesa.Agent, site: int) -> None:
        self.code[agent.layer].flat[site] = agent.code
        self._row[agent.layer][site] = agent.row
        self._listed.pop(agent.code, None)
        self._tables[type(agent)].values["site"][agent.row] = site  # agent.site, without the descriptor's lookups

    # --- cell state ------------------------------------------------------------------------------
    def table(self, kind: type) -> StateTable:
        """The state table of a kind (made on first use from the kind's CellState declarations)."""
        if kind not in self._tables:
            self._tables[kind] = StateTable(kind.state_fields)
            self._kinds[kind.code] = kind
        return self._tables[kind]

    def read(self, kind: type, name: str, sites: np.ndarray) -> np.ndarray:
        """A CellState quantity of the cells of a kind on the given flat sites (a copy)."""
        return self.table(kind).values[name][self._rows(kind, sites)]

    def write(self, kind: type, name: str, sites: np.ndarray, values) -> None:
        """Set a CellState quantity of the cells of a kind on the given flat sites."""
        self.table(kind).values[name][self._rows(kind, sites)] = values

    def _rows(self, kind: type, sites: np.ndarray) -> np.ndarray:
        """The state-table rows of the cells on these flat sites: kept with the kind's listing when `sites` is it."""
        listing = self._listed.get(kind.code)
        if listing is not None and sites is listing[0]:
            return listing[1]
        return self._row[kind.layer][sites]

    def cells_at(self, kind: type, sites: np.ndarray) -> list:
        """The cells of a kind on the given flat sites (each must hold one)."""
        cells = self.table(kind).cells
        return [cells[row] for row in self._rows(kind, sites).tolist()]

    def agents_at(self, layer: str, sites: np.ndarray) -> list:
        """The cells on the given flat sites of a layer, of any kind (None where there is none); for a few sites."""
        return [self.agent_at(layer, site) for site in sites]

    # --- reading positions -------------------------------------------------------------------
    def sites_of(self, kind: type) -> np.ndarray:
        """Flat sites of every cell of a kind, in site order (read-only; kept, with the cells' rows, until a cell of
        the kind is added, moved or removed)."""
        listing = self._listed.get(kind.code)
        if listing is None:
            sites = self.table(kind).column("site")
            # a free row's site is −1; sorted as int32 (a flat index of at most 2,000 x 2,000 sites fits), in
            # two-thirds of the time of int64
            sites = np.sort(sites[sites >= 0].astype(np.int32)).astype(np.int64)
            sites.flags.writeable = False
            listing = self._listed[kind.code] = (sites, self._row[kind.layer][sites])
        return listing[0]

    def unordered(self, kind: type, name: str) -> tuple[np.ndarray, np.ndarray]:
        """The flat sites of every cell of a kind and a CellState quantity of each, in no particular order (copies):
        for a rule whose outcome does not depend on the cells' order, without sorting them by site."""
        table = self.table(kind)
        sites = table.column("site")
        live = sites >= 0
        return sites[live], table.column(name)[live]

    def cells_of(self, kind: type) -> tuple[list, np.ndarray]:
        """The cells of a kind (in site order) and their flat sites."""
        sites = self.sites_of(kind)
        return self.cells_at(kind, sites), sites

    def agent_at(self, layer: str, site: int) -> mesa.Agent | None:
        """The cell on a site of a layer, or None."""
        code = self.code[layer].item(site)
        return self._tables[self._kinds[code]].cells[self._row[layer].item(site)] if code else None

    def xy(self, sites: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(x, y) of flat sites."""
        return np.divmod(np.asarray(sites, dtype=np.intp), self.shape[1])

    def neighbours(self, sites: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Moore neighbours of each flat site (n x 8 flat indices, int32) and which of them lie inside the grid.

        A neighbour outside the grid is given as the nearest site inside it (and marked outside). Computed per
        call (compiled), not read from a per-site table, which would take 40 MB at 1,000 x 1,000 sites.
        """
        return kernels.moore_neighbours(np.asarray(sites, dtype=np.int64), self.shape)

    def occupancy(self) -> np.ndarray:
        """One code per site for display and analysis: the surface cell where there is one, else the marrow cell."""
        surface = self.code[SURFACE]
        return np.where(surface > 0, surface, self.code[MARROW])
