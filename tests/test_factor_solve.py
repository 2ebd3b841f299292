"""Factorising and solving with CHOLMOD outside the GIL (niche_abm.world.cholmod, niche_abm.world.factor_solve) and
the fields' solves set aside on the background thread (niche_abm.world.fields.step_fields,
niche_abm.world.signals.Signals.settle).

The compiled solve must give CHOLMOD's own solution bit for bit, on the fields' real operators (porous marrow,
20 and 40 µm voxels, one to three right-hand sides); the factor's arrays it reads in place must be the factor
CHOLMOD hands out; the factorisation made outside the GIL must be scikit-sparse's to the bit; and a step whose
late-read solves run beside the cells must leave every field, every binding and every cell's reading exactly as the
same step solved in line.
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sparse
from sksparse.cholmod import cholesky

from niche_abm.params import build_parameters
from niche_abm.world import cholmod
from niche_abm.world.cholmod import factor_arrays
from niche_abm.world.factor_solve import FactorSolve, in_background, in_order
from niche_abm.world.fields import DiffusionField, step_fields
from niche_abm.world.signals import BOUND, SIGNALS, SOLVED_ASIDE, Signals
from niche_abm.world.trabecular import generate_trabecular_bone


def _porous_field(voxel_sites: int, seed: int, boundary: str = "no_flux") -> DiffusionField:
    """RANKL's field on a 120 x 80 marrow of random bone, its hourly operator factorised."""
    rng = np.random.default_rng(seed)
    marrow = rng.random((120, 80)) > 0.3
    marrow[:30, :20] = False
    field = DiffusionField("rankl", marrow.shape, voxel_sites, 0.0108, 0.422, boundary)
    field.set_geometry(marrow)
    return field


@pytest.mark.parametrize("boundary", ["no_flux", "absorbing"])
@pytest.mark.parametrize("voxel_sites", [1, 2, 4])
@pytest.mark.parametrize("columns", [1, 2, 3])
def test_the_compiled_solve_is_cholmods_solve_bit_for_bit(voxel_sites, columns, boundary):
    field = _porous_field(voxel_sites, seed=voxel_sites + columns, boundary=boundary)
    solver = field._solver(1.0)
    assert solver.releases_gil, "the factor's arrays were not found: every solve would hold the GIL"
    rng = np.random.default_rng(columns)
    n = field._open_voxels.size
    b = rng.uniform(0.0, 1e3, (n, columns)) * (rng.random((n, columns)) < 0.3)
    b = b[:, 0] if columns == 1 else b
    x = solver.solve(b)
    assert x.shape == b.shape
    np.testing.assert_array_equal(x, solver.factor.solve_A(b))


@pytest.mark.parametrize("boundary", ["no_flux", "absorbing"])
@pytest.mark.parametrize("voxel_sites", [1, 2, 4])
def test_the_factorisation_outside_the_gil_is_scikit_sparses_to_the_bit(voxel_sites, boundary):
    """The field's hourly factor, made on the background thread by CHOLMOD's call through ctypes, holds the very
    arrays scikit-sparse's own ``cholesky`` makes of the same operator on the same analysis."""
    assert cholmod.OUTSIDE_GIL, "CHOLMOD's factorisation was not found: every factorisation holds the GIL"
    field = _porous_field(voxel_sites, seed=20 + voxel_sites, boundary=boundary)
    made = field._solver(1.0).factor
    phi = field._open_porosity
    operator = field._operator(phi / 1.0 + field.decay_per_h * phi + field._boundary)
    theirs = field._pattern._symbolic.cholesky(operator)
    for mine, reference in zip(factor_arrays(made), factor_arrays(theirs), strict=True):
        np.testing.assert_array_equal(mine, reference)


def test_a_factorisation_that_fails_raises_cholmods_own_error_as_scikit_sparse_does():
    """A zero pivot: CHOLMOD reports it through scikit-sparse's error handler, which raises inside the call made
    through ctypes; the caller gets the same error scikit-sparse's own ``cholesky`` raises."""
    from sksparse.cholmod import CholmodNotPositiveDefiniteError, analyze

    operator = sparse.csc_matrix(sparse.diags([-1.0, 2.5, -1.0], [-1, 0, 1], shape=(6, 6)))
    symbolic = analyze(operator, mode="simplicial", ordering_method="natural")
    singular = operator.copy()
    singular.data[:] = 0.0
    with pytest.raises(CholmodNotPositiveDefiniteError):
        symbolic.cholesky(singular)
    with pytest.raises(CholmodNotPositiveDefiniteError):
        cholmod.factorise(symbolic, singular)


def test_factorisations_queue_on_the_background_thread_in_order_or_run_here_without_it(monkeypatch):
    """in_order: on the background thread after what is queued there when CHOLMOD is called outside the GIL;
    otherwise on the calling thread, the future already done."""
    import threading

    ran = []
    first = in_background(lambda: ran.append(("solve", threading.current_thread().name)))
    second = in_order(lambda: ran.append(("factorise", threading.current_thread().name)))
    second.result()
    assert first.done() and [what for what, _ in ran] == ["solve", "factorise"]
    assert ran[1][1].startswith("field-solve")
    monkeypatch.setattr(cholmod, "OUTSIDE_GIL", False)
    here = in_order(threading.current_thread)
    assert here.done() and here.result() is threading.current_thread()


def test_a_new_geometrys_factors_are_asked_for_at_once_and_its_order_does_not_depend_on_the_thread(monkeypatch):
    """follow_bone asks for every hourly factor at once; the next refresh waits for them before its patterns inherit
    their elimination order, so that order is the one found with every factorisation made in line."""
    params = build_parameters({"grid.width": 80, "grid.height": 80})
    marrow = generate_trabecular_bone((80, 80), 0.22, 120.0, np.random.default_rng(2)) < 0.5
    resorbed = marrow.copy()
    resorbed[~marrow & (np.arange(80)[:, None] < 40)] = True  # half the bone gone

    def refreshed() -> dict[int, np.ndarray]:
        signals = Signals(params, marrow)
        names = list(signals._fields)
        leads = {names[group[0]] for group in signals._hourly_groups}
        asked = {name for name, field in signals._fields.items() if 1.0 in field._solvers}
        assert asked == leads, "every group's factor is asked for when the geometry is followed"
        signals.follow_bone(resorbed)
        return {size: pattern.voxels.copy() for size, pattern in signals._patterns.items()}

    threaded = refreshed()
    monkeypatch.setattr(cholmod, "OUTSIDE_GIL", False)
    inline = refreshed()
    assert threaded.keys() == inline.keys()
    for size, voxels in threaded.items():
        np.testing.assert_array_equal(voxels, inline[size])


def test_the_arrays_read_in_place_are_the_factor_cholmod_hands_out():
    """L and D rebuilt from the arrays (D first in each column, then L below the diagonal) are scikit-sparse's
    L_D() of the same factor, and Perm is its P()."""
    solver = _porous_field(2, seed=5)._solver(1.0)
    Lp, Li, Lx, Lnz, Perm = factor_arrays(solver.factor)
    n = Perm.size
    lower, diagonal = solver.factor.L_D()
    starts = Lp[:-1]
    np.testing.assert_array_equal(Li[starts], np.arange(n))
    np.testing.assert_array_equal(Lx[starts], diagonal.diagonal())
    columns = np.repeat(np.arange(n), Lnz - 1)
    below = np.concatenate([np.arange(start + 1, start + count) for start, count in zip(starts, Lnz, strict=True)])
    rebuilt = sparse.csc_matrix((Lx[below], (Li[below], columns)), shape=(n, n)) + sparse.identity(n)
    assert abs(rebuilt - lower.tocsc()).max() == 0.0
    np.testing.assert_array_equal(Perm, solver.factor.P())
    assert not Lx.flags.writeable, "the views must not write into CHOLMOD's memory"


def test_a_factor_that_is_not_simplicial_ldlt_is_solved_by_cholmod_itself():
    """A supernodal factor (LLᵀ) is not the structure the kernel reads: FactorSolve falls back to solve_A."""
    field = _porous_field(2, seed=9)
    operator = field._operator(field._open_porosity * 1.5)
    solver = FactorSolve(cholesky(operator, mode="supernodal"))
    assert not solver.releases_gil
    b = np.random.default_rng(9).uniform(0.0, 1.0, operator.shape[0])
    np.testing.assert_array_equal(solver.solve(b), solver.factor.solve_A(b))


def test_a_background_solve_returns_the_solution_and_passes_on_a_failure():
    solver = _porous_field(2, seed=11)._solver(1.0)
    b = np.ones(solver.factor.P().size)
    np.testing.assert_array_equal(in_background(solver.solve, b).result(), solver.solve(b))
    with pytest.raises(ValueError):
        in_background(solver.solve, np.ones(3)).result()


def test_a_group_set_aside_is_solved_and_stored_on_the_background_thread_and_waited_for_by_its_call():
    """step_fields hands the group set aside to the background thread (its solve, its store and its uptake) and
    returns the call that waits until it is stored; after it, both fields are as solved in line."""
    marrow = np.random.default_rng(4).random((80, 80)) > 0.25
    inline, aside = [], []
    for fields in (inline, aside):
        for voxel_sites, decay in ((2, 0.422), (4, 1.0)):
            field = DiffusionField("signal", marrow.shape, voxel_sites, 0.0108, decay)
            field.set_geometry(marrow)
            fields.append(field)
    rng = np.random.default_rng(4)
    rates = [np.where(f.open, rng.uniform(0, 500, f.shape), 0.0) for f in inline]
    assert step_fields(inline, rates, 1.0, [None, None], [[0], [1]]) == {}
    later = step_fields(aside, rates, 1.0, [None, None], [[0], [1]], aside=[0])
    assert list(later) == [0]
    np.testing.assert_array_equal(aside[1].concentration, inline[1].concentration)
    later[0]()
    for stepped, reference in zip(aside, inline, strict=True):
        np.testing.assert_array_equal(stepped.concentration, reference.concentration)


def test_a_group_set_aside_is_solved_a_column_at_a_time_in_the_order_given_and_the_same_to_the_bit():
    """Two fields sharing one factor (proportional operators, as RANKL and APRIL): set aside, each column is its own
    solve, the second listed first; every concentration is the two-column solve's."""
    marrow = np.random.default_rng(8).random((80, 80)) > 0.25
    decays = (0.422, 0.35)
    diffusions = (0.0108, 0.0108 * (1 + 0.35) / (1 + 0.422))
    pairs = []
    for _ in range(2):
        pair = [DiffusionField("signal", marrow.shape, 2, d, k) for d, k in zip(diffusions, decays, strict=True)]
        pattern = None
        for field in pair:
            field.set_geometry(marrow, None, pattern)
            pattern = field._pattern
        pairs.append(pair)
    rng = np.random.default_rng(8)
    rates = [np.where(pairs[0][0].open, rng.uniform(0, 500, pairs[0][0].shape), 0.0) for _ in range(2)]
    step_fields(pairs[0], rates, 1.0, [None, None], [[0, 1]])
    later = step_fields(pairs[1], rates, 1.0, [None, None], [[0, 1]], aside=[1, 0])
    assert list(later) == [1, 0]
    later[1]()
    later[0]()
    for together, alone in zip(pairs[0], pairs[1], strict=True):
        assert together.concentration.max() > 0
        np.testing.assert_array_equal(alone.concentration, together.concentration)


def test_fields_set_aside_across_groups_are_handed_over_in_the_order_given():
    """A pair sharing a factor and a field of its own, set aside as [pair's second, lone field, pair's first]: the
    solves are handed over in that order, across the groups, and each is the one solved in line."""
    marrow = np.random.default_rng(6).random((80, 80)) > 0.25
    decays = (0.422, 0.35, 1.0)
    diffusions = (0.0108, 0.0108 * (1 + 0.35) / (1 + 0.422), 0.0108)
    runs = []
    for _ in range(2):
        fields = [
            DiffusionField("signal", marrow.shape, v, d, k)
            for v, d, k in zip((2, 2, 4), diffusions, decays, strict=True)
        ]
        fields[0].set_geometry(marrow)
        fields[1].set_geometry(marrow, fields[0].porosity, fields[0]._pattern)
        fields[2].set_geometry(marrow)
        runs.append(fields)
    rng = np.random.default_rng(6)
    rates = [np.where(f.open, rng.uniform(0, 500, f.shape), 0.0) for f in runs[0]]
    groups = [[0, 1], [2]]
    assert step_fields(runs[0], rates, 1.0, [None] * 3, groups) == {}
    later = step_fields(runs[1], rates, 1.0, [None] * 3, groups, aside=[1, 2, 0])
    assert list(later) == [1, 2, 0]
    for finish in later.values():
        finish()
    for inline, aside in zip(*runs, strict=True):
        assert inline.concentration.max() > 0
        np.testing.assert_array_equal(aside.concentration, inline.concentration)


def _stepped_pair(hours: int):
    """Signals on a trabecular marrow stepped `hours` hours twice, RANKL's and APRIL's solves on the background
    thread and all in line; yields the pair and some secreting sites after each hour's update."""
    params = build_parameters({"grid.width": 100, "grid.height": 100})
    marrow = generate_trabecular_bone((100, 100), 0.22, 140.0, np.random.default_rng(2)) < 0.5
    background, inline = Signals(params, marrow), Signals(params, marrow)
    inline._aside = []
    rng = np.random.default_rng(2)
    sites = rng.choice(np.flatnonzero(marrow), 300, replace=False)
    for _ in range(hours):
        secretion = {s.name: [(sites, rng.uniform(0.0, 2e3, sites.size))] for s in SIGNALS}
        background.update(secretion, 0.8)
        inline.update(secretion, 0.8)
        yield background, inline, sites


def test_a_step_with_its_late_read_solves_set_aside_senses_exactly_what_an_inline_step_senses():
    """The update returns with the solves of SOLVED_ASIDE pending, in its order, and the binding after them (on the
    background thread too); reading APRIL (the myeloma cells) settles it alone, leaving the others and the binding
    pending; reading RANK occupancy (the osteoclast lineage) settles RANKL's, OPG's and the binding; every reading,
    field and binding is the same to the bit as the step solved in line."""
    for background, inline, sites in _stepped_pair(6):
        assert [list(background._fields)[i] for i in background._aside] == list(SOLVED_ASIDE)
        assert list(background._pending) == [*SOLVED_ASIDE, BOUND] and not inline._pending
        assert background._unbound is None and inline._unbound is not None
        np.testing.assert_array_equal(background.at("april", sites), inline.at("april", sites))
        assert list(background._pending) == ["il6", "rankl", "opg", BOUND]
        np.testing.assert_array_equal(background.at("il6", sites), inline.at("il6", sites))
        np.testing.assert_array_equal(background.at("ccl3", sites), inline.at("ccl3", sites))
        for name in ("rank_occupancy", "free_rankl", "rankl", "opg"):
            np.testing.assert_array_equal(background.at(name, sites), inline.at(name, sites))
        assert not background._pending and background._unbound is None
    for name in background.fields:
        np.testing.assert_array_equal(background.fields[name].concentration, inline.fields[name].concentration)


def test_reading_the_binding_first_still_stores_aprils_solve_before_april_is_read():
    for background, inline, sites in _stepped_pair(3):
        np.testing.assert_array_equal(background.at("free_rankl", sites), inline.at("free_rankl", sites))
        assert BOUND not in background._pending and "april" in background._pending
        np.testing.assert_array_equal(background.at("april", sites), inline.at("april", sites))
        np.testing.assert_array_equal(background.map("april"), inline.map("april"))
