"""The lattice: the only owner of where every cell is, in two layers (marrow sites and bone surface).

Each claim is checked on a tiny hand-built niche; ``conftest.check_lattice``
rebuilds both layers' code arrays from the cells' own ``site`` and compares
them with the lattice's arrays and ``agent_at``.
"""

from __future__ import annotations

import ast

import numpy as np
import pytest
from conftest import REPO_ROOT, alive, check_lattice, flat, place, settle, tiny_model, xy_of
from scipy import ndimage

from niche_abm.cells import MyelomaCell, Osteoblast, Osteoclast, OsteoclastPrecursor, StromalCell
from niche_abm.world.lattice import MARROW, SURFACE


def bone_wall(shape=(20, 20), depth: int = 4) -> np.ndarray:
    """Solid bone in the columns x < depth, marrow elsewhere: the bone surface is the column x = depth - 1."""
    bone = np.zeros(shape)
    bone[:depth, :] = 1.0
    return bone


def test_add_writes_the_cells_site_its_code_and_the_agent_in_its_own_layer():
    model = tiny_model(bone_wall())
    (mm,) = place(model, MyelomaCell, (6, 10), cd49d=1.0)
    (oc,) = place(model, Osteoclast, (3, 10), nuclei=2)
    lattice = model.lattice
    assert mm.site == flat(model, 6, 10) and oc.site == flat(model, 3, 10)
    assert lattice.marrow_code[6, 10] == MyelomaCell.code and lattice.surface_code[6, 10] == 0
    assert lattice.surface_code[3, 10] == Osteoclast.code and lattice.marrow_code[3, 10] == 0
    assert lattice.agent_at(MARROW, mm.site) is mm and lattice.agent_at(SURFACE, oc.site) is oc
    assert lattice.agent_at(SURFACE, mm.site) is None and lattice.agent_at(MARROW, oc.site) is None
    assert oc.nuclei == 2 and alive(oc) and alive(mm)
    check_lattice(model)


def test_move_empties_the_old_site_and_fills_the_new_one():
    model = tiny_model()
    (cell,) = place(model, OsteoclastPrecursor, (5, 5))
    old = cell.site
    model.lattice.move(cell, flat(model, 5, 6))
    assert xy_of(cell) == (5, 6)
    assert model.lattice.marrow_code.flat[old] == 0 and model.lattice.agent_at(MARROW, old) is None
    assert model.lattice.marrow_code[5, 6] == OsteoclastPrecursor.code
    check_lattice(model)


def swap(lattice, first, second) -> None:
    """Exchange two cells of one layer as a relocation: each site receives the other's cell."""
    sites = np.array([first.site, second.site])
    lattice.relocate(first.layer, sites, sites[::-1].copy())


def test_relocating_two_cells_onto_each_others_sites_swaps_them():
    model = tiny_model()
    (precursor,) = place(model, OsteoclastPrecursor, (5, 5))
    (mm,) = place(model, MyelomaCell, (6, 5), cd49d=1.0)
    swap(model.lattice, precursor, mm)
    assert xy_of(precursor) == (6, 5) and xy_of(mm) == (5, 5)
    assert model.lattice.marrow_code[6, 5] == OsteoclastPrecursor.code
    assert model.lattice.marrow_code[5, 5] == MyelomaCell.code
    check_lattice(model)


def test_remove_empties_the_site_and_takes_the_cell_out_of_the_model():
    model = tiny_model(bone_wall())
    (ob,) = place(model, Osteoblast, (3, 7))
    site = ob.site
    model.lattice.remove(ob)
    assert not alive(ob) and ob.site == -1
    assert model.lattice.surface_code.flat[site] == 0 and model.lattice.agent_at(SURFACE, site) is None
    assert model.count(Osteoblast) == 0
    check_lattice(model)


def test_a_random_sequence_of_adds_moves_swaps_and_removes_keeps_sites_codes_and_agents_consistent():
    model = tiny_model()
    lattice, rng = model.lattice, np.random.default_rng(11)
    kinds = (MyelomaCell, OsteoclastPrecursor)
    for _ in range(500):
        cells = list(model.agents)
        free = np.flatnonzero(lattice.marrow_code.ravel() == 0)
        action = rng.integers(4) if cells else 0
        if action == 0 and len(free):
            kind = kinds[rng.integers(2)]
            state = {"cd49d": 1.0} if kind is MyelomaCell else {}
            lattice.add(kind, rng.choice(free), **state)
        elif action == 1 and len(free):
            lattice.move(cells[rng.integers(len(cells))], rng.choice(free))
        elif action == 2 and len(cells) >= 2:
            a, b = rng.choice(len(cells), size=2, replace=False)
            swap(lattice, cells[a], cells[b])
        elif action == 3:
            lattice.remove(cells[rng.integers(len(cells))])
        check_lattice(model)
    assert 0 < len(model.agents) < 400


def test_moving_many_cells_at_once_keeps_the_lattice_consistent_and_each_cells_state():
    model = tiny_model()
    cells = place(model, MyelomaCell, (1, 1), (2, 2), (3, 3), cd49d=1.0)
    for cell, cd49d in zip(cells, (0.5, 1.5, 2.5), strict=True):
        cell.cd49d = cd49d
    sources = np.array([c.site for c in cells[:2]])
    targets = np.array([flat(model, 10, 10), flat(model, 11, 12)])
    model.lattice.move_many(MyelomaCell, sources, targets)
    assert [xy_of(c) for c in cells] == [(10, 10), (11, 12), (3, 3)]
    assert [c.cd49d for c in cells] == [0.5, 1.5, 2.5]
    check_lattice(model)


def test_a_cells_state_goes_with_it_and_a_new_cell_never_inherits_a_removed_ones():
    model = tiny_model()
    first, second = place(model, MyelomaCell, (1, 1), (1, 2), cd49d=0.3)
    second.cd49d, second.adherent = 2.0, True
    swap(model.lattice, first, second)
    assert (first.cd49d, first.adherent, xy_of(first)) == (0.3, False, (1, 2))
    assert (second.cd49d, second.adherent, xy_of(second)) == (2.0, True, (1, 1))
    model.lattice.remove(second)
    (newcomer,) = place(model, MyelomaCell, (5, 5), cd49d=0.9)
    assert (newcomer.cd49d, newcomer.adherent) == (0.9, False)
    assert first.cd49d == 0.3 and xy_of(first) == (1, 2)
    check_lattice(model)


def test_a_removed_cell_keeps_no_site_and_never_reads_or_writes_a_new_cells_state():
    """After a cell is removed its site stays −1, even once a new cell of its kind is placed, and writing to the
    stale reference (an analysis still holding it) leaves the new cell alone."""
    model = tiny_model()
    (gone,) = place(model, MyelomaCell, (1, 1), cd49d=0.3)
    model.lattice.remove(gone)
    (newcomer,) = place(model, MyelomaCell, (5, 5), cd49d=2.0)
    assert gone.site == -1, f"the removed cell reads the new cell's site {gone.site}"
    try:
        gone.cd49d = 9.9
    except Exception:  # refusing the write is as good as ignoring it
        pass
    assert newcomer.cd49d == 2.0
    check_lattice(model)


def test_a_surface_cell_and_a_marrow_cell_can_face_each_other():
    """An osteoblast lining the bone and an MM cell packed against it hold neighbouring sites in their two layers;
    the MM cell touches the osteoblast (its contact map reaches the osteoblast's site)."""
    model = tiny_model(bone_wall())
    (ob,) = place(model, Osteoblast, (3, 10))
    (mm,) = place(model, MyelomaCell, (4, 10), cd49d=1.0)
    settle(model)
    assert model.bone.surface[3, 10] and model.bone.marrow[4, 10]
    neighbours, inside = model.lattice.neighbours(np.array([ob.site]))
    assert mm.site in neighbours[inside]
    assert model.niche.mm_contact[3, 10], "the MM cell touches the osteoblast facing it"
    check_lattice(model)


def test_the_two_layers_are_separate_so_a_marrow_cell_does_not_block_the_bone_surface():
    """An MM cell on every marrow site next to bone leaves every bone-surface site free for osteoclasts."""
    model = tiny_model(bone_wall())
    place(model, MyelomaCell, *[(4, y) for y in range(20)], cd49d=1.0)
    settle(model)
    _, free = model.niche.free_surface_neighbours(np.array([flat(model, 4, y) for y in range(20)]))
    assert free.any(axis=1).all()
    place(model, Osteoclast, *[(3, y) for y in range(20)], nuclei=1)
    check_lattice(model)


def test_occupancy_shows_surface_cells_on_bone_and_marrow_cells_on_marrow():
    model = tiny_model(bone_wall())
    place(model, Osteoclast, (3, 4), nuclei=3)
    place(model, Osteoblast, (3, 15))
    place(model, MyelomaCell, (4, 4), cd49d=1.0)
    place(model, StromalCell, (9, 9))
    settle(model)
    occupancy = model.lattice.occupancy()
    expected = np.zeros((20, 20), dtype=np.int8)
    expected[3, 4], expected[3, 15] = Osteoclast.code, Osteoblast.code
    expected[4, 4], expected[9, 9] = MyelomaCell.code, StromalCell.code
    np.testing.assert_array_equal(occupancy, expected)
    np.testing.assert_array_equal(model.snapshot()["occupancy"], expected)
    assert not model.bone.marrow[occupancy == Osteoclast.code].any()
    assert model.bone.marrow[occupancy == MyelomaCell.code].all()


def test_sites_of_and_cells_of_list_a_kind_in_site_order():
    model = tiny_model()
    cells = place(model, MyelomaCell, (9, 1), (2, 3), (2, 1), cd49d=1.0)
    place(model, OsteoclastPrecursor, (5, 5))
    sites = model.lattice.sites_of(MyelomaCell)
    assert list(sites) == sorted(c.site for c in cells)
    listed, listed_sites = model.lattice.cells_of(MyelomaCell)
    assert [c.site for c in listed] == list(listed_sites) == list(sites)
    assert model.count(MyelomaCell) == 3 and model.count(OsteoclastPrecursor) == 1


def test_sites_of_follows_removals_moves_and_reused_rows():
    model = tiny_model()
    lattice = model.lattice
    cells = place(model, MyelomaCell, (9, 1), (2, 3), (2, 1), (7, 7), cd49d=1.0)
    freed = cells[1].row
    lattice.remove(cells[1])
    lattice.move(cells[3], flat(model, 0, 5))
    reborn = lattice.add(MyelomaCell, flat(model, 12, 12), cd49d=0.5)
    assert reborn.row == freed, "the freed row is reused"
    expected = np.flatnonzero(lattice.marrow_code.ravel() == MyelomaCell.code)
    np.testing.assert_array_equal(lattice.sites_of(MyelomaCell), expected)
    listed, sites = lattice.cells_of(MyelomaCell)
    assert [c.site for c in listed] == sites.tolist()
    assert reborn in listed and cells[1] not in listed


def test_unordered_lists_every_live_cell_with_its_state_and_no_removed_one():
    model = tiny_model()
    lattice = model.lattice
    cells = place(model, MyelomaCell, (9, 1), (2, 3), (2, 1), (7, 7), cd49d=1.0)
    cells[0].adherent, cells[3].adherent = True, True
    lattice.remove(cells[1])
    sites, adherent = lattice.unordered(MyelomaCell, "adherent")
    assert sorted(zip(sites.tolist(), adherent.tolist(), strict=True)) == sorted(
        (c.site, c.adherent) for c in (cells[0], cells[2], cells[3])
    )


@pytest.mark.parametrize("radius_um", [10.0, 25.0, 50.0, 73.0])
def test_mark_near_covers_the_sites_within_the_radius(radius_um):
    model = tiny_model(shape=(40, 30))
    sites = np.array([flat(model, 0, 0), flat(model, 20, 15), flat(model, 39, 3), flat(model, 22, 17)])
    given = np.zeros((40, 30), dtype=bool)
    given.flat[sites] = True
    within = ndimage.distance_transform_edt(~given) <= radius_um / 10.0  # sites of 10 µm
    np.testing.assert_array_equal(model.niche.mark_near(sites, radius_um), within)


def test_neighbours_are_the_eight_moore_sites_and_flag_those_outside_the_grid():
    model = tiny_model()
    neighbours, inside = model.lattice.neighbours(np.array([flat(model, 2, 2), flat(model, 0, 0)]))
    x, y = model.lattice.xy(neighbours[0])
    assert sorted(zip(x.tolist(), y.tolist(), strict=True)) == sorted(
        (2 + dx, 2 + dy) for dx in (-1, 0, 1) for dy in (-1, 0, 1) if (dx, dy) != (0, 0)
    )
    assert inside[0].all()
    assert inside[1].sum() == 3, "a corner site has three neighbours inside the grid"


def _is_minus_one(expression: ast.expr) -> bool:
    try:
        return ast.literal_eval(expression) == -1
    except ValueError:
        return False


def _site_writes(path) -> list[tuple[str, int, bool]]:
    """(function, line, whether it sets −1) of every write to a cell's site in a module.

    A write is an assignment to an attribute named ``site``, a ``write(kind, "site", ...)`` call, or an
    assignment into a state column indexed ``["site"]``.
    """
    tree = ast.parse(path.read_text(encoding="utf-8"))
    writes = []
    for function in ast.walk(tree):
        if not isinstance(function, ast.FunctionDef):
            continue
        for node in ast.walk(function):
            if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "write":
                if any(isinstance(arg, ast.Constant) and arg.value == "site" for arg in node.args):
                    writes.append((function.name, node.lineno, False))
            targets = node.targets if isinstance(node, ast.Assign) else [getattr(node, "target", None)]
            for target in targets:
                while isinstance(target, ast.Subscript) and not _is_site_column(target):
                    target = target.value
                if (isinstance(target, ast.Attribute) and target.attr == "site") or _is_site_column(target):
                    unset = isinstance(node, ast.Assign) and _is_minus_one(node.value)
                    writes.append((function.name, node.lineno, unset))
    return writes


def _is_site_column(node) -> bool:
    return isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant) and node.slice.value == "site"


def test_only_the_lattice_writes_a_cells_site():
    """Outside world/lattice.py no code writes a cell's site (at most a constructor marks it −1: no site yet)."""
    package = REPO_ROOT / "niche_abm"
    for path in sorted(package.rglob("*.py")):
        if path == package / "world" / "lattice.py":
            continue
        for function, line, unset in _site_writes(path):
            where = f"{path.relative_to(REPO_ROOT)}:{line}"
            assert function == "__init__" and unset, f"{where} writes a cell's site outside the lattice"
    assert _site_writes(package / "world" / "lattice.py"), "the lattice writes sites"


def test_a_model_no_longer_referenced_is_freed_with_its_cells():
    """Mesa 3.3 keeps every model in Agent._ids, and a cell in a numpy object array hides a reference cycle from
    Python's collector: either kept every finished run of a long batch in memory (4 GB a worker in 30 minutes)."""
    import gc
    import weakref

    def run_and_forget() -> tuple[weakref.ref, weakref.ref]:
        model = tiny_model(bone_wall())
        place(model, MyelomaCell, (6, 10), (7, 10), cd49d=1.0)
        place(model, StromalCell, (6, 11))
        model.step()
        return weakref.ref(model), weakref.ref(model.lattice.cells_of(StromalCell)[0][0])

    model, cell = run_and_forget()
    gc.collect()
    assert model() is None and cell() is None
