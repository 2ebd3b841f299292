"""Cell state stored per kind: one array per quantity, one row per cell.

A Mesa agent stays the readable unit that owns a cell's state: ``cell.cd49d``
reads and writes one value. The values of all cells of a kind live in that
kind's :class:`StateTable`, which the lattice keeps, so a rule reads or writes
them for every cell at once (``lattice.read(MyelomaCell, "cd49d", sites)``)
instead of looping over agents.
"""

from __future__ import annotations

import itertools
import weakref
from collections.abc import Iterator, Mapping
from typing import ClassVar

import mesa
import numpy as np


class CellState:
    """A quantity every cell of a kind has (CD49d, nuclei, age...), stored in one array per kind.

    Declared on the agent class (``cd49d = CellState(float, 1.0, "relative")``), it
    reads and writes like a plain attribute of one cell, while the lattice keeps
    the values of all cells of the kind in one array (:class:`StateTable`) that
    the vectorised rules read and write at once.
    """

    def __init__(self, dtype: type, default: float | bool | int, unit: str) -> None:
        self.dtype = dtype
        self.default = default
        self.unit = unit

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name
        owner.state_fields = {**getattr(owner, "state_fields", {}), name: self}

    def __get__(self, cell: mesa.Agent | None, owner: type):
        if cell is None:
            return self
        if cell.row < 0:
            return cell.final_state[self.name]
        return cell.model.lattice.table(owner).values[self.name].item(cell.row)

    def __set__(self, cell: mesa.Agent, value) -> None:
        if cell.row < 0:
            raise AttributeError(f"{type(cell).__name__} has been removed; its {self.name} can no longer change")
        cell.model.lattice.table(type(cell)).values[self.name][cell.row] = value


class StateTable:
    """The CellState values of every cell of one kind: one array per quantity, one row per cell.

    Rows of removed cells are reused (last freed, first reused), so the arrays stay as long
    as the most cells the kind has had at once. ``cells`` holds the agent of each row (None
    on a free row), so the lattice finds a cell from its row and moves only integers. It is a
    list, not a numpy object array: Python's cycle collector cannot see into an object array,
    so a model whose cells sat in one (model → table → cell → model) was never freed.
    """

    def __init__(self, fields: Mapping[str, CellState]) -> None:
        self.values = {name: np.full(64, f.default, dtype=f.dtype) for name, f in fields.items()}
        self.cells: list[mesa.Agent | None] = [None] * 64
        self._defaults = {name: f.default for name, f in fields.items()}
        self._free: list[int] = []
        self._next = 0

    def allocate(self, cell: mesa.Agent) -> int:
        """A row for a new cell, its values set to the defaults."""
        if self._free:
            row = self._free.pop()
        else:
            row = self._next
            self._next += 1
            if row >= len(self.cells):
                for name, array in self.values.items():
                    grown = np.full(2 * len(array), self._defaults[name], dtype=array.dtype)
                    grown[: len(array)] = array
                    self.values[name] = grown
                self.cells.extend([None] * len(self.cells))
        for name, default in self._defaults.items():
            self.values[name][row] = default
        self.cells[row] = cell
        return row

    def __len__(self) -> int:
        """The number of cells (rows in use)."""
        return self._next - len(self._free)

    def column(self, name: str) -> np.ndarray:
        """The values of one quantity on every row used so far (free rows included), a view."""
        return self.values[name][: self._next]

    def release(self, row: int) -> dict:
        """Free the row of a removed cell; returns the values it held."""
        self._free.append(row)
        self.cells[row] = None
        return {name: array.item(row) for name, array in self.values.items()}


class IdCounters(weakref.WeakKeyDictionary):
    """Each model's counter of agent ids (1, 2, ...), held without keeping the model alive.

    Mesa 3.3 keeps these counters in ``mesa.Agent._ids``, a dictionary keyed by the model itself, so every model
    ever built stays in memory with all its arrays (Mesa issue #3179, fixed in Mesa 3.4, which needs Python 3.12):
    a calibration's worker grew to 4 GB in 30 minutes of 60-day runs on 1 mm². Cells count their ids here instead,
    in the same order (the same ids), and a model no longer referenced is freed.
    """

    def __getitem__(self, model: mesa.Model) -> Iterator[int]:
        try:
            return super().__getitem__(model)
        except KeyError:
            counter = itertools.count(1)
            self[model] = counter
            return counter


class Cell(mesa.Agent):
    """A cell of the niche: a Mesa agent with a site (written only by the lattice) and a row of state.

    Attributes:
        row: its row in the kind's :class:`StateTable`; −1 once removed.
        final_state: the values it held when it was removed (read-only from then on).
    """

    _ids = IdCounters()
    """Every cell kind's ids, per model (unique within a model, as Mesa's), not keeping a model alive."""
    state_fields: ClassVar[dict[str, CellState]] = {}
    site = CellState(np.int64, -1, "flat index")
    """Flat index (x · height + y) of its site in its layer; −1 before placing and once removed."""

    def __init__(self, model: mesa.Model, **state) -> None:
        """A new cell of the model, its state at the kind's defaults except the values given by name."""
        super().__init__(model)
        table = model.lattice.table(type(self))
        self.row = table.allocate(self)
        self.final_state: dict = {}
        for name, value in state.items():
            if name not in self.state_fields:
                raise TypeError(f"{type(self).__name__} has no state {name!r}; it has {sorted(self.state_fields)}")
            table.values[name][self.row] = value
