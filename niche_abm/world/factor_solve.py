"""Solving with a CHOLMOD factor outside Python's global interpreter lock, so a field's solve can run beside the cells.

scikit-sparse's ``Factor.solve_A`` holds the GIL for the whole solve (measured: two threads solving at once took as
long as one after the other), so while RANKL's field is solved nothing else in the process moves. This module reads
the arrays of the simplicial LDLᵀ factor that CHOLMOD made (scikit-sparse's ``Factor``) in place, without copying
them, and solves with them in compiled kernels that release the GIL (:func:`solve_one`, :func:`solve_two`). They are
CHOLMOD's own simplicial solve (SuiteSparse 5.12, CHOLMOD 3.0: ``t_cholmod_lsolve.c`` and ``t_cholmod_ltsolve.c``,
the LDLᵀ forms), transcribed with its chains of up to three columns and every floating-point operation in the same
order, so each solution is bit for bit the one ``solve_A`` returns (``tests/test_factor_solve.py`` checks it on the
fields' operators), and as fast (measured below, in docs/performance.md).

scikit-sparse does not hand out its factor's arrays, so :func:`factor_arrays` finds CHOLMOD's ``cholmod_factor``
structure behind the Python object: the object holds a pointer to it beside its Common, and the structure's
permutation is the very array ``Factor.P()`` returns. The structure found is checked (size, permutation address, a
simplicial LDLᵀ factor of doubles with 32-bit indices) before anything is read through it; a factor that does not
pass (another scikit-sparse build) is solved by ``solve_A`` as before (:class:`FactorSolve`).

The numeric factorisation is CHOLMOD's own too, called outside the GIL (:func:`factorise`): scikit-sparse's
``Factor.cholesky`` is a copy of the symbolic factor and one ``cholmod_factorize_p`` call, which holds the GIL
throughout (the day's refactorisation of the 1,000 x 1,000 marrow's fields, about a third of a second, stopped every
other thread). :func:`factorise` makes the same copy, then makes the same call through ctypes (which lets the GIL go)
on the same view of the operator (lower triangle, sorted, packed, β = 0), with the Common scikit-sparse made for the
analysis, found and checked as the factor is (:func:`common_address`): the factor is scikit-sparse's own, to the
bit. A Common's workspace is not for two threads at once, so when this is possible (:data:`OUTSIDE_GIL`, probed on
import on a small operator) every factorisation runs on the one background thread, in the order asked for
(:func:`in_order`), and with it every CHOLMOD call on a pattern's Common; otherwise everything runs as
scikit-sparse runs it, on the caller's thread.

The fields hand the solves their cells read late (APRIL's, IL-6's, RANKL's, OPG's) and the factorisations of a new
geometry to one background thread per process (:func:`in_background`, :func:`niche_abm.world.fields.step_fields`,
:meth:`niche_abm.world.fields.DiffusionField.prepare`); each solve's and factorisation's arithmetic is the same
whichever thread runs it, so a seed gives the same run with or without it.
"""

from __future__ import annotations

import ctypes
import os
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

import numba
import numpy as np
import scipy.sparse as sparse
from sksparse.cholmod import Factor, analyze


class _CholmodFactor(ctypes.Structure):
    """``cholmod_factor`` of CHOLMOD 3.0 (SuiteSparse 5, Debian 12's libcholmod3), field for field."""

    _fields_ = [
        ("n", ctypes.c_size_t),
        ("minor", ctypes.c_size_t),
        ("Perm", ctypes.c_void_p),
        ("ColCount", ctypes.c_void_p),
        ("IPerm", ctypes.c_void_p),
        ("nzmax", ctypes.c_size_t),
        ("p", ctypes.c_void_p),
        ("i", ctypes.c_void_p),
        ("x", ctypes.c_void_p),
        ("z", ctypes.c_void_p),
        ("nz", ctypes.c_void_p),
        ("next", ctypes.c_void_p),
        ("prev", ctypes.c_void_p),
        ("nsuper", ctypes.c_size_t),
        ("ssize", ctypes.c_size_t),
        ("xsize", ctypes.c_size_t),
        ("maxcsize", ctypes.c_size_t),
        ("maxesize", ctypes.c_size_t),
        ("super", ctypes.c_void_p),
        ("pi", ctypes.c_void_p),
        ("px", ctypes.c_void_p),
        ("s", ctypes.c_void_p),
        ("ordering", ctypes.c_int),
        ("is_ll", ctypes.c_int),
        ("is_super", ctypes.c_int),
        ("is_monotonic", ctypes.c_int),
        ("itype", ctypes.c_int),
        ("xtype", ctypes.c_int),
        ("dtype", ctypes.c_int),
        ("useGPU", ctypes.c_int),
    ]


class _CholmodSparse(ctypes.Structure):
    """``cholmod_sparse`` of CHOLMOD 3.0, field for field."""

    _fields_ = [
        ("nrow", ctypes.c_size_t),
        ("ncol", ctypes.c_size_t),
        ("nzmax", ctypes.c_size_t),
        ("p", ctypes.c_void_p),
        ("i", ctypes.c_void_p),
        ("nz", ctypes.c_void_p),
        ("x", ctypes.c_void_p),
        ("z", ctypes.c_void_p),
        ("stype", ctypes.c_int),
        ("itype", ctypes.c_int),
        ("xtype", ctypes.c_int),
        ("dtype", ctypes.c_int),
        ("sorted", ctypes.c_int),
        ("packed", ctypes.c_int),
    ]


class _CommonHead(ctypes.Structure):
    """The first fields of CHOLMOD 3.0's ``cholmod_common``, whose values ``cholmod_start`` sets (and nothing in
    scikit-sparse changes): how a Common is recognised in memory."""

    _fields_ = [
        ("dbound", ctypes.c_double),
        ("grow0", ctypes.c_double),
        ("grow1", ctypes.c_double),
        ("grow2", ctypes.c_size_t),
        ("maxrank", ctypes.c_size_t),
        ("supernodal_switch", ctypes.c_double),
    ]


_STARTED = (0.0, 1.2, 1.2, 5, 8, 40.0)
"""_CommonHead's values as ``cholmod_start`` leaves them (CHOLMOD 3.0's defaults)."""

_INT, _REAL, _DOUBLE = 0, 1, 0
"""CHOLMOD_INT (32-bit indices), CHOLMOD_REAL and CHOLMOD_DOUBLE."""


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


def _view(address: int, kind: type, count: int) -> np.ndarray:
    """A read-only numpy view of count values of a ctypes kind at an address (no copy)."""
    if not count:
        return np.zeros(0, dtype=kind)
    array = np.ctypeslib.as_array((kind * count).from_address(address))
    array.flags.writeable = False
    return array


def factor_address(factor: Factor) -> int | None:
    """The address of the ``cholmod_factor`` behind a scikit-sparse ``Factor`` (symbolic or numeric), or None.

    The object is a Python header followed by a pointer to its Common (``factor._common``) and a pointer to the
    ``cholmod_factor``: the slot that is not the Common and points at a structure whose size is the permutation's
    and whose permutation is the array ``factor.P()`` views is the factor."""
    permutation = factor.P()
    common = id(factor._common)
    for offset in range(object.__basicsize__, type(factor).__basicsize__, ctypes.sizeof(ctypes.c_void_p)):
        address = ctypes.c_void_p.from_address(id(factor) + offset).value
        if not address or address == common:
            continue
        found = _CholmodFactor.from_address(address)
        if found.n == permutation.size and found.Perm == permutation.ctypes.data:
            return address
    return None


def factor_arrays(factor: Factor) -> tuple[np.ndarray, ...] | None:
    """A simplicial LDLᵀ factor's arrays (Lp, Li, Lx, Lnz, Perm), read in place, or None if its ``cholmod_factor``
    is not found (:func:`factor_address`) or is not such a factor of doubles with 32-bit indices.

    Column j of L holds D[j] then the column's entries below the diagonal, Lx[Lp[j] : Lp[j] + Lnz[j]] at rows
    Li[...]; Perm is the fill-reducing order (row k of the permuted system is row Perm[k] of the original)."""
    address = factor_address(factor)
    if address is None:
        return None
    found = _CholmodFactor.from_address(address)
    if not (
        (found.is_ll, found.is_super) == (0, 0)
        and (found.itype, found.xtype, found.dtype) == (_INT, _REAL, _DOUBLE)
        and found.p
        and found.nz
    ):
        return None
    n, stored = int(found.n), int(found.nzmax)
    return (
        _view(found.p, ctypes.c_int32, n + 1),
        _view(found.i, ctypes.c_int32, stored),
        _view(found.x, ctypes.c_double, stored),
        _view(found.nz, ctypes.c_int32, n),
        _view(found.Perm, ctypes.c_int32, n),
    )


def common_address(factor: Factor) -> int | None:
    """The address of the ``cholmod_common`` scikit-sparse keeps inside the factor's Common object, or None.

    The Common object is a Python header, a pointer to its table of C methods, then the ``cholmod_common`` itself;
    the first pointer-aligned place after the header whose leading fields hold ``cholmod_start``'s values
    (:data:`_STARTED`) is taken, and only if exactly one place in the object does."""
    common = factor._common
    places = [
        id(common) + offset
        for offset in range(object.__basicsize__, type(common).__basicsize__ - ctypes.sizeof(_CommonHead) + 1, 8)
        if _head_values(_CommonHead.from_address(id(common) + offset)) == _STARTED
    ]
    return places[0] if len(places) == 1 else None


def _head_values(head: _CommonHead) -> tuple:
    return (head.dbound, head.grow0, head.grow1, head.grow2, head.maxrank, head.supernodal_switch)


def _cholmod_factorize_p() -> Callable | None:
    """``cholmod_factorize_p`` of the CHOLMOD library scikit-sparse loaded (found in the process's memory map), as a
    ctypes function (which releases the GIL for the call), or None where that library is not found."""
    try:
        with open("/proc/self/maps") as maps:
            paths = {line.split()[-1] for line in maps if "libcholmod" in line.rsplit("/", 1)[-1]}
    except OSError:
        return None
    if len(paths) != 1:
        return None
    function = ctypes.CDLL(paths.pop()).cholmod_factorize_p
    function.argtypes = [
        ctypes.POINTER(_CholmodSparse),
        ctypes.POINTER(ctypes.c_double),
        ctypes.c_void_p,
        ctypes.c_size_t,
        ctypes.c_void_p,
        ctypes.c_void_p,
    ]
    function.restype = ctypes.c_int
    return function


_factorize_p = _cholmod_factorize_p()


def factorise(symbolic: Factor, operator: sparse.csc_matrix) -> Factor:
    """``symbolic.cholesky(operator)`` (the numeric LDLᵀ factor of a symmetric positive definite operator with the
    symbolic factor's pattern, its lower triangle read), with CHOLMOD's call made outside the GIL where
    :data:`OUTSIDE_GIL`; the same factor to the bit either way."""
    return _factorise_outside_gil(symbolic, operator) if OUTSIDE_GIL else symbolic.cholesky(operator)


def _factorise_outside_gil(symbolic: Factor, operator: sparse.csc_matrix) -> Factor:
    """:func:`factorise` by ``cholmod_factorize_p`` through ctypes: scikit-sparse's copy of the symbolic factor, then
    its call on its view of the operator, with its Common."""
    factor = symbolic.copy()
    address, common = factor_address(factor), common_address(factor)
    if address is None or common is None:
        raise RuntimeError("CHOLMOD's factor or Common not found, though the probe on import found them")
    operator.sort_indices()
    indptr = np.ascontiguousarray(operator.indptr, dtype=np.int32)
    indices = np.ascontiguousarray(operator.indices, dtype=np.int32)
    values = np.ascontiguousarray(operator.data, dtype=float)
    n = operator.shape[0]
    view = _CholmodSparse(n, n, operator.nnz, indptr.ctypes.data, indices.ctypes.data, None, values.ctypes.data,
                          None, -1, _INT, _REAL, _DOUBLE, 1, 1)  # fmt: skip
    beta = (ctypes.c_double * 2)(0.0, 0.0)
    try:
        made = _factorize_p(ctypes.byref(view), beta, None, 0, address, common)
    except SystemError as failed:  # scikit-sparse's error handler raised inside the call: raise what it raised
        raise (failed.__context__ or failed) from None
    found = _CholmodFactor.from_address(address)
    if not made or found.minor != found.n:
        raise ValueError(f"CHOLMOD could not factorise the operator (column {found.minor} of {found.n})")
    return factor


def _probe() -> bool:
    """Whether :func:`factorise` can call CHOLMOD itself here: the library, a Common and a factor are found on a
    small operator, and the factor made is scikit-sparse's to the bit with arrays :func:`factor_arrays` reads."""
    if _factorize_p is None:
        return False
    operator = sparse.csc_matrix(sparse.diags([-1.0, 2.5, -1.0], [-1, 0, 1], shape=(5, 5)))
    symbolic = analyze(operator, mode="simplicial", ordering_method="natural")
    if factor_address(symbolic.copy()) is None or common_address(symbolic) is None:
        return False
    made, scikit_sparses = _factorise_outside_gil(symbolic, operator), symbolic.cholesky(operator)  # alive while read
    mine, theirs = factor_arrays(made), factor_arrays(scikit_sparses)
    return mine is not None and theirs is not None and all(map(np.array_equal, mine, theirs))


OUTSIDE_GIL = _probe()
"""Whether CHOLMOD's factorisation is called outside the GIL (:func:`factorise`), so every factorisation runs on the
background thread (:func:`in_order`): :func:`_probe`'s answer on import."""


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
    queued there, where factorisations run outside the GIL (:data:`OUTSIDE_GIL`); otherwise now, on this thread (the
    returned future is done)."""
    if OUTSIDE_GIL:
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
