"""Solving with a CHOLMOD factor outside Python's global interpreter lock, so a field's solve can run beside the cells.

scikit-sparse's ``Factor.solve_A`` holds the GIL for the whole solve (measured: two threads solving at once took as
long as one after the other), so while RANKL's field is solved nothing else in the process moves. This module reads
the arrays of the simplicial LDLᵀ factor that CHOLMOD made (scikit-sparse's ``Factor``) in place, without copying
them (:func:`niche_abm.world.cholmod.factor_arrays`), and solves with them in compiled kernels that release the GIL
(:func:`solve_one`, :func:`solve_two`). They are CHOLMOD's own simplicial solve (SuiteSparse 5.12, CHOLMOD 3.0:
``t_cholmod_lsolve.c`` and ``t_cholmod_ltsolve.c``, the LDLᵀ forms), transcribed with its chains of up to three
columns and every floating-point operation in the same order, so each solution is bit for bit the one ``solve_A``
returns (``tests/test_factor_solve.py`` checks it on the fields' operators), and as fast (docs/performance.md).

The fields hand the solves their cells read late (APRIL's, IL-6's, RANKL's, OPG's) and the factorisations of a new
geometry (:mod:`niche_abm.world.cholmod`) to one background thread per process (:func:`in_background`,
:func:`in_order`, :func:`niche_abm.world.fields.step_fields`, :meth:`niche_abm.world.fields.DiffusionField.prepare`);
each solve's and factorisation's arithmetic is the same whichever thread runs it, so a seed gives the same run with
or without it.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

import numba
import numpy as np
from sksparse.cholmod import Factor

from niche_abm.world import cholmod
from niche_abm.world.cholmod import factor_arrays


class FactorSolve:
    """Solves with one numeric factor: in the compiled kernel, outside the GIL, when its arrays are found
    (:func:`factor_arrays`), else by scikit-sparse's ``solve_A``; either way the same solution to the bit.

    Args:
        factor: a simplicial LDLᵀ factor from scikit-sparse (``analyze(..., mode="simplicial")``, then
            ``cholesky``); kept alive here while its arrays are read.
    """

    def __init__(self, factor: Factor) -> None:
        self.factor = factor
        self._arrays = factor_arrays(factor)

    @property
    def releases_gil(self) -> bool:
        """Whether :meth:`solve` runs outside the GIL (the factor's arrays were found)."""
        return self._arrays is not None

    def solve(self, b: np.ndarray) -> np.ndarray:
        """x with A x = b, for b of one column (n,) or several (n, k), as ``Factor.solve_A`` returns it."""
        if self._arrays is None:
            return self.factor.solve_A(b)
        n = self._arrays[-1].size
        if b.shape[0] != n:
            raise ValueError(f"a right-hand side of {b.shape[0]} rows for a factor of {n} unknowns")
        b = np.ascontiguousarray(b, dtype=float)
        x = np.empty_like(b)
        if b.ndim == 1:
            solve_one(*self._arrays, b, x)
        elif b.shape[1] == 2:
            solve_two(*self._arrays, b, x)
        else:  # CHOLMOD's k-column forms do each column's one-column arithmetic
            for column in range(b.shape[1]):
                x[:, column] = self.solve(b[:, column])
        return x


_worker: ThreadPoolExecutor | None = None
"""The process's background thread (one), started on first use."""


def in_background(call: Callable, *args) -> Future:
    """call(*args) on the process's background thread; its result (or exception) from the returned future. Calls
    queue on the one thread in the order they are handed over."""
    global _worker
    if _worker is None:
        _worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="field-solve")
    return _worker.submit(call, *args)


def in_order(call: Callable, *args) -> Future:
    """call(*args), for a call that uses a CHOLMOD Common (a factorisation): on the background thread, after what is
    queued there, where factorisations run outside the GIL (:data:`niche_abm.world.cholmod.OUTSIDE_GIL`); otherwise
    now, on this thread (the returned future is done)."""
    if cholmod.OUTSIDE_GIL:
        return in_background(call, *args)
    done: Future = Future()
    done.set_result(call(*args))
    return done


def _forget_worker() -> None:
    """In a forked child the parent's thread does not exist: start a new one on first use."""
    global _worker
    _worker = None


def _finish_queue() -> None:
    """Before a fork, let the background thread finish what is queued: a child would wait for it for ever."""
    if _worker is not None:
        _worker.submit(int).result()


os.register_at_fork(before=_finish_queue, after_in_child=_forget_worker)


_1, _2, _3 = np.uint64(1), np.uint64(2), np.uint64(3)
"""Unsigned steps: the kernels index with unsigned integers throughout, so that Numba leaves out the test for a
negative index it adds to every signed one (with signed indices the same loops took 1.5-2 times CHOLMOD's time)."""


@numba.njit(cache=True, nogil=True)
def solve_one(
    Lp: np.ndarray, Li: np.ndarray, Lx: np.ndarray, Lnz: np.ndarray, Perm: np.ndarray, b: np.ndarray, x: np.ndarray
) -> None:
    """x = A⁻¹ b for A = PᵀLDLᵀP with the factor's arrays (:func:`factor_arrays`), b and x of shape (n,).

    CHOLMOD's simplicial solve of A x = b (``cholmod_solve(CHOLMOD_A, ...)`` on an LDLᵀ factor, one column): permute
    b, solve L y = b with L's unit diagonal (``ldl_lsolve_1``), then D Lᵀ z = y (``ldl_dltsolve_1``), and permute
    back. Both triangular solves find chains of two or three columns whose patterns below the diagonal nest (a
    simplicial factor's small supernodes) and handle a chain at once, as CHOLMOD does, so every sum is formed in
    CHOLMOD's order."""
    n = np.uint64(Perm.size)
    X = np.empty(Perm.size)
    for row in range(Perm.size):
        X[row] = b[np.uint64(Perm[row])]
    j = np.uint64(0)
    while j < n:  # L y = b
        p, lnz = np.uint64(Lp[j]), np.uint64(Lnz[j])
        if lnz < 4 or lnz != np.uint64(Lnz[j + _1]) + _1 or np.uint64(Li[p + _1]) != j + _1:
            y0 = X[j]
            for s in range(p + _1, p + lnz):
                X[np.uint64(Li[s])] -= Lx[s] * y0
            j += _1
        elif lnz != np.uint64(Lnz[j + _2]) + _2 or np.uint64(Li[p + _2]) != j + _2:
            q = np.uint64(Lp[j + _1])
            y0 = X[j]
            y1 = X[j + _1] - Lx[p + _1] * y0
            X[j + _1] = y1
            for s in range(_2, lnz):
                X[np.uint64(Li[p + s])] -= Lx[p + s] * y0 + Lx[q + s - _1] * y1
            j += _2
        else:
            q, r = np.uint64(Lp[j + _1]), np.uint64(Lp[j + _2])
            y0 = X[j]
            y1 = X[j + _1] - Lx[p + _1] * y0
            y2 = X[j + _2] - Lx[p + _2] * y0 - Lx[q + _1] * y1
            X[j + _1] = y1
            X[j + _2] = y2
            for s in range(_3, lnz):
                X[np.uint64(Li[p + s])] -= Lx[p + s] * y0 + Lx[q + s - _1] * y1 + Lx[r + s - _2] * y2
            j += _3
    after = n  # D Lᵀ z = y, from the last column back; D[j] is stored first in column j
    while after > 0:
        j = after - _1
        p, lnz = np.uint64(Lp[j]), np.uint64(Lnz[j])
        if j < 4 or lnz != np.uint64(Lnz[j - _1]) - _1 or np.uint64(Li[np.uint64(Lp[j - _1]) + _1]) != j:
            y0 = X[j] / Lx[p]
            for s in range(p + _1, p + lnz):
                y0 -= Lx[s] * X[np.uint64(Li[s])]
            X[j] = y0
            after -= _1
        elif lnz != np.uint64(Lnz[j - _2]) - _2 or np.uint64(Li[np.uint64(Lp[j - _2]) + _2]) != j:
            q = np.uint64(Lp[j - _1])
            y0 = X[j] / Lx[p]
            y1 = X[j - _1] / Lx[q]
            for s in range(_1, lnz):
                xi = X[np.uint64(Li[p + s])]
                y0 -= Lx[p + s] * xi
                y1 -= Lx[q + s + _1] * xi
            y1 -= Lx[q + _1] * y0
            X[j] = y0
            X[j - _1] = y1
            after -= _2
        else:
            q, r = np.uint64(Lp[j - _1]), np.uint64(Lp[j - _2])
            y0 = X[j] / Lx[p]
            y1 = X[j - _1] / Lx[q]
            y2 = X[j - _2] / Lx[r]
            for s in range(_1, lnz):
                xi = X[np.uint64(Li[p + s])]
                y0 -= Lx[p + s] * xi
                y1 -= Lx[q + s + _1] * xi
                y2 -= Lx[r + s + _2] * xi
            y1 -= Lx[q + _1] * y0
            y2 -= Lx[r + _2] * y0 + Lx[r + _1] * y1
            X[j - _2] = y2
            X[j - _1] = y1
            X[j] = y0
            after -= _3
    for row in range(Perm.size):
        x[np.uint64(Perm[row])] = X[row]


@numba.njit(cache=True, nogil=True)
def solve_two(
    Lp: np.ndarray, Li: np.ndarray, Lx: np.ndarray, Lnz: np.ndarray, Perm: np.ndarray, b: np.ndarray, x: np.ndarray
) -> None:
    """:func:`solve_one` for b and x of shape (n, 2), reading each entry of the factor once for both columns, as
    CHOLMOD's two-column forms do (``ldl_lsolve_2``, ``ldl_dltsolve_2``): each column's arithmetic is its one-column
    arithmetic, step for step."""
    n = np.uint64(Perm.size)
    X = np.empty((Perm.size, 2))
    for row in range(Perm.size):
        X[row, 0] = b[np.uint64(Perm[row]), 0]
        X[row, 1] = b[np.uint64(Perm[row]), 1]
    j = np.uint64(0)
    while j < n:  # L y = b
        p, lnz = np.uint64(Lp[j]), np.uint64(Lnz[j])
        if lnz < 4 or lnz != np.uint64(Lnz[j + _1]) + _1 or np.uint64(Li[p + _1]) != j + _1:
            y0a, y0b = X[j, 0], X[j, 1]
            for s in range(p + _1, p + lnz):
                i = np.uint64(Li[s])
                X[i, 0] -= Lx[s] * y0a
                X[i, 1] -= Lx[s] * y0b
            j += _1
        elif lnz != np.uint64(Lnz[j + _2]) + _2 or np.uint64(Li[p + _2]) != j + _2:
            q = np.uint64(Lp[j + _1])
            y0a, y0b = X[j, 0], X[j, 1]
            y1a = X[j + _1, 0] - Lx[p + _1] * y0a
            y1b = X[j + _1, 1] - Lx[p + _1] * y0b
            X[j + _1, 0], X[j + _1, 1] = y1a, y1b
            for s in range(_2, lnz):
                i = np.uint64(Li[p + s])
                X[i, 0] -= Lx[p + s] * y0a + Lx[q + s - _1] * y1a
                X[i, 1] -= Lx[p + s] * y0b + Lx[q + s - _1] * y1b
            j += _2
        else:
            q, r = np.uint64(Lp[j + _1]), np.uint64(Lp[j + _2])
            y0a, y0b = X[j, 0], X[j, 1]
            y1a = X[j + _1, 0] - Lx[p + _1] * y0a
            y1b = X[j + _1, 1] - Lx[p + _1] * y0b
            y2a = X[j + _2, 0] - Lx[p + _2] * y0a - Lx[q + _1] * y1a
            y2b = X[j + _2, 1] - Lx[p + _2] * y0b - Lx[q + _1] * y1b
            X[j + _1, 0], X[j + _1, 1] = y1a, y1b
            X[j + _2, 0], X[j + _2, 1] = y2a, y2b
            for s in range(_3, lnz):
                i = np.uint64(Li[p + s])
                X[i, 0] -= Lx[p + s] * y0a + Lx[q + s - _1] * y1a + Lx[r + s - _2] * y2a
                X[i, 1] -= Lx[p + s] * y0b + Lx[q + s - _1] * y1b + Lx[r + s - _2] * y2b
            j += _3
    after = n  # D Lᵀ z = y
    while after > 0:
        j = after - _1
        p, lnz = np.uint64(Lp[j]), np.uint64(Lnz[j])
        if j < 4 or lnz != np.uint64(Lnz[j - _1]) - _1 or np.uint64(Li[np.uint64(Lp[j - _1]) + _1]) != j:
            y0a, y0b = X[j, 0] / Lx[p], X[j, 1] / Lx[p]
            for s in range(p + _1, p + lnz):
                i = np.uint64(Li[s])
                y0a -= Lx[s] * X[i, 0]
                y0b -= Lx[s] * X[i, 1]
            X[j, 0], X[j, 1] = y0a, y0b
            after -= _1
        elif lnz != np.uint64(Lnz[j - _2]) - _2 or np.uint64(Li[np.uint64(Lp[j - _2]) + _2]) != j:
            q = np.uint64(Lp[j - _1])
            y0a, y0b = X[j, 0] / Lx[p], X[j, 1] / Lx[p]
            y1a, y1b = X[j - _1, 0] / Lx[q], X[j - _1, 1] / Lx[q]
            for s in range(_1, lnz):
                i = np.uint64(Li[p + s])
                y0a -= Lx[p + s] * X[i, 0]
                y0b -= Lx[p + s] * X[i, 1]
                y1a -= Lx[q + s + _1] * X[i, 0]
                y1b -= Lx[q + s + _1] * X[i, 1]
            y1a -= Lx[q + _1] * y0a
            y1b -= Lx[q + _1] * y0b
            X[j, 0], X[j, 1] = y0a, y0b
            X[j - _1, 0], X[j - _1, 1] = y1a, y1b
            after -= _2
        else:
            q, r = np.uint64(Lp[j - _1]), np.uint64(Lp[j - _2])
            y0a, y0b = X[j, 0] / Lx[p], X[j, 1] / Lx[p]
            y1a, y1b = X[j - _1, 0] / Lx[q], X[j - _1, 1] / Lx[q]
            y2a, y2b = X[j - _2, 0] / Lx[r], X[j - _2, 1] / Lx[r]
            for s in range(_1, lnz):
                i = np.uint64(Li[p + s])
                y0a -= Lx[p + s] * X[i, 0]
                y0b -= Lx[p + s] * X[i, 1]
                y1a -= Lx[q + s + _1] * X[i, 0]
                y1b -= Lx[q + s + _1] * X[i, 1]
                y2a -= Lx[r + s + _2] * X[i, 0]
                y2b -= Lx[r + s + _2] * X[i, 1]
            y1a -= Lx[q + _1] * y0a
            y1b -= Lx[q + _1] * y0b
            y2a -= Lx[r + _2] * y0a + Lx[r + _1] * y1a
            y2b -= Lx[r + _2] * y0b + Lx[r + _1] * y1b
            X[j - _2, 0], X[j - _2, 1] = y2a, y2b
            X[j - _1, 0], X[j - _1, 1] = y1a, y1b
            X[j, 0], X[j, 1] = y0a, y0b
            after -= _3
    for row in range(Perm.size):
        x[np.uint64(Perm[row]), 0] = X[row, 0]
        x[np.uint64(Perm[row]), 1] = X[row, 1]
