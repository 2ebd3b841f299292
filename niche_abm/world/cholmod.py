"""CHOLMOD's structures behind scikit-sparse's objects, read in place, and its numeric factorisation outside the GIL.

scikit-sparse does not hand out its factor's arrays, so :func:`factor_arrays` finds CHOLMOD's ``cholmod_factor``
structure behind the Python object: the object holds a pointer to it beside its Common, and the structure's
permutation is the very array ``Factor.P()`` returns. The structure found is checked (size, permutation address, a
simplicial LDLᵀ factor of doubles with 32-bit indices) before anything is read through it; a factor that does not
pass (another scikit-sparse build) is solved by ``solve_A`` as before
(:class:`niche_abm.world.factor_solve.FactorSolve`).

The numeric factorisation is CHOLMOD's own, called outside the GIL (:func:`factorise`): scikit-sparse's
``Factor.cholesky`` is a copy of the symbolic factor and one ``cholmod_factorize_p`` call, which holds the GIL
throughout (the day's refactorisation of the 1,000 x 1,000 marrow's fields, about a third of a second, stopped every
other thread). :func:`factorise` makes the same copy, then makes the same call through ctypes (which lets the GIL go)
on the same view of the operator (lower triangle, sorted, packed, β = 0), with the Common scikit-sparse made for the
analysis, found and checked as the factor is (:func:`common_address`): the factor is scikit-sparse's own, to the
bit. A Common's workspace is not for two threads at once, so when this is possible (:data:`OUTSIDE_GIL`, probed on
import on a small operator) every factorisation runs on the one background thread, in the order asked for
(:func:`niche_abm.world.factor_solve.in_order`), and with it every CHOLMOD call on a pattern's Common; otherwise
everything runs as scikit-sparse runs it, on the caller's thread.

The structures are those of CHOLMOD 3.0 (SuiteSparse 5, Debian 12's libcholmod3), field for field.
"""

from __future__ import annotations

import ctypes
from collections.abc import Callable

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

_WORD = ctypes.sizeof(ctypes.c_void_p)
"""The alignment of a pointer, bytes: the step between the places an object's C fields can start."""


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
    for offset in range(object.__basicsize__, type(factor).__basicsize__, _WORD):
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
        for offset in range(object.__basicsize__, type(common).__basicsize__ - ctypes.sizeof(_CommonHead) + 1, _WORD)
        if _head_values(_CommonHead.from_address(id(common) + offset)) == _STARTED
    ]
    return places[0] if len(places) == 1 else None


def _head_values(head: _CommonHead) -> tuple:
    """The values of a candidate Common's leading fields, in :data:`_STARTED`'s order."""
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
background thread (:func:`niche_abm.world.factor_solve.in_order`): :func:`_probe`'s answer on import."""
