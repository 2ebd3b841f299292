"""Compiled kernels (Numba) for the hot, order-dependent loops of the hourly step.

Each kernel works on the lattice's flat arrays (flat site = x · height + y, one
site = 10 µm) or a field's voxel arrays (flat voxel likewise) and gives exactly
the result of the numpy or scipy code it replaced: the random numbers are drawn
before a kernel with the same numpy Generator calls as before and passed in, so
the random stream is unchanged, and every floating-point sum is formed in the
same order as numpy (or scipy) formed it. The exception is :func:`crawl`, a
precursor's whole hour of hops in one call: it takes the hour's random numbers
drawn at once (hops x 5 per cell) and shuffles the movers itself, so its stream
differs from the former hop-by-hop calls while every rule is the same. The Mesa
agents keep owning each cell's state; the kernels read and write integer positions, kind codes and masks
(and RANKL binding, pM, with numpy's arithmetic element by element; the fields'
per-voxel sums, step right-hand sides and operator matrices likewise).
Compiled on first use and cached on disk (``cache=True``), so only the first run
after an install or a change pays the compile time (about 27 s for a run's kernels, README: Performance).
"""

from __future__ import annotations

import math

import numba
import numpy as np


@numba.njit(cache=True, nogil=True)
def happens(draws: np.ndarray, rates_per_h: np.ndarray, dt_h: float) -> np.ndarray:
    """Whether each event happens within dt_h: draws[i] < 1 - exp(-rates_per_h[i] dt_h), as ``draws <
    -np.expm1(-rates_per_h * dt_h)`` element by element (numpy and this kernel both call the C library's expm1).
    The chance never exceeds x = rate dt, so the exponential is evaluated only for the draws below x (with a
    margin of 1e-12 of x against its round-off)."""
    out = np.empty(draws.size, dtype=np.bool_)
    for i in range(draws.size):
        exponent = -rates_per_h[i] * dt_h
        out[i] = draws[i] < exponent * -(1.0 + 1e-12) and draws[i] < -math.expm1(exponent)
    return out


@numba.njit(cache=True, nogil=True)
def first_claims(targets: np.ndarray, order: np.ndarray, claimed: np.ndarray) -> np.ndarray:
    """Which cells get the flat site each chose (−1 = none): taken in `order`, the first to claim a site wins.

    claimed: a bool scratch array with one entry per site, all False; it is left all False.
    """
    wins = np.zeros(targets.size, dtype=np.bool_)
    for i in order:
        target = targets[i]
        if target >= 0 and not claimed[target]:
            claimed[target] = True
            wins[i] = True
    for i in range(targets.size):
        if wins[i]:
            claimed[targets[i]] = False
    return wins


@numba.njit(cache=True, nogil=True, inline="always")
def _pick(weights: np.ndarray, neighbours: np.ndarray, draw: float) -> int:
    """One of 8 neighbours (flat site) with probability proportional to its weight, −1 if all weights are 0.

    The total is summed pairwise, ((w0 + w1) + (w2 + w3)) + ((w4 + w5) + (w6 + w7)), as numpy's sum over a row
    of 8 does, and the running sum is sequential, as numpy's cumsum: the pick is the one numpy made.
    """
    total = ((weights[0] + weights[1]) + (weights[2] + weights[3])) + (
        (weights[4] + weights[5]) + (weights[6] + weights[7])
    )
    if not total > 0:
        return -1
    threshold = draw * total
    running = 0.0
    pick = 0
    for j in range(8):
        running += weights[j]
        if running < threshold:
            pick += 1
    return neighbours[min(pick, 7)]


@numba.njit(cache=True, nogil=True)
def choose_neighbours(allowed: np.ndarray, neighbours: np.ndarray, weights: np.ndarray, draws: np.ndarray):
    """For each cell (row), one of its 8 neighbours at random among the allowed ones, by relative weight.

    Args:
        allowed: n x 8 bool; neighbours: n x 8 flat sites; weights: n x 8 relative weights (or 1 x 8 of ones
            for a uniform choice); draws: n uniform numbers in [0, 1).
    Returns the chosen flat site of each cell (int64), −1 where none is allowed.
    """
    n = allowed.shape[0]
    out = np.empty(n, dtype=np.int64)
    w = np.empty(8)
    for i in range(n):
        row = i if weights.shape[0] == n else 0
        for j in range(8):
            w[j] = weights[row, j] * allowed[i, j]  # as numpy's allowed * weights (0 x inf is nan)
        out[i] = _pick(w, neighbours[i], draws[i])
    return out


MOORE = np.array([(-1, -1), (-1, 0), (-1, 1), (0, -1), (0, 1), (1, -1), (1, 0), (1, 1)])
"""Offsets (dx, dy) of the 8 neighbours of a site (Moore neighbourhood), in the order every neighbour array uses."""
_MOORE_X, _MOORE_Y = MOORE[:, 0].copy(), MOORE[:, 1].copy()


@numba.njit(cache=True, nogil=True, inline="always")
def _xy(site: int, height: int) -> tuple:
    """(x, y) of a flat site x · height + y, by one unsigned 32-bit division (a grid holds at most 2000 x 2000
    sites): 40% less time than Python's signed divmod, whose floor rounding costs extra steps."""
    h = np.uint32(height)
    x = np.uint32(site) // h
    return np.int64(x), np.int64(np.uint32(site) - x * h)


@numba.njit(cache=True, nogil=True, inline="always")
def _interior(x: int, y: int, width: int, height: int) -> bool:
    """Whether a site's 8 Moore neighbours all lie inside the grid (it is not on the grid's edge)."""
    return 0 < x < width - 1 and 0 < y < height - 1


@numba.njit(cache=True, nogil=True, inline="always")
def _fill_interior(site: int, height: int, out: np.ndarray) -> None:
    """Write the 8 flat Moore neighbours of a site off the grid's edge into `out`, in the order of MOORE (flat
    offsets: x ± 1 is ± height): the edge checks of the general path are what a neighbourhood costs in the
    kernels, and all but a sliver of the sites need none (at 200 x 200, :func:`touches_code` for 2,868 MM cells
    took 25 against 43 µs with this path, median of 300 calls)."""
    out[0] = site - height - 1
    out[1] = site - height
    out[2] = site - height + 1
    out[3] = site - 1
    out[4] = site + 1
    out[5] = site + height - 1
    out[6] = site + height
    out[7] = site + height + 1


@numba.njit(cache=True, nogil=True)
def moore_neighbours(sites: np.ndarray, shape: tuple) -> tuple:
    """The 8 Moore neighbours of each flat site on a grid of `shape` = (width, height) sites: (n x 8 flat sites,
    int32, a neighbour beyond the edge given as the nearest site inside the grid; n x 8 bool, inside the grid)."""
    width, height = shape
    n = sites.size
    neighbours = np.empty((n, 8), dtype=np.int32)
    inside = np.empty((n, 8), dtype=np.bool_)
    for i in range(n):
        x, y = _xy(sites[i], height)
        if _interior(x, y, width, height):
            _fill_interior(sites[i], height, neighbours[i])
            inside[i, :] = True
            continue
        for j in range(8):
            nx, ny = x + _MOORE_X[j], y + _MOORE_Y[j]
            inside[i, j] = 0 <= nx < width and 0 <= ny < height
            neighbours[i, j] = min(max(nx, 0), width - 1) * height + min(max(ny, 0), height - 1)
    return neighbours, inside


@numba.njit(cache=True, nogil=True, inline="always")
def _neighbours_inside(site: int, width: int, height: int, out: np.ndarray) -> int:
    """Fill `out` (8 slots) with the flat Moore neighbours of a flat site that lie inside the grid, in the order of
    MOORE; returns how many."""
    x, y = _xy(site, height)
    if _interior(x, y, width, height):
        _fill_interior(site, height, out)
        return 8
    count = 0
    for j in range(8):
        nx, ny = x + _MOORE_X[j], y + _MOORE_Y[j]
        if 0 <= nx < width and 0 <= ny < height:
            out[count] = nx * height + ny
            count += 1
    return count


@numba.njit(cache=True, nogil=True)
def touches_code(sites: np.ndarray, shape: tuple, codes: np.ndarray, code: int) -> np.ndarray:
    """Whether each flat site has a Moore neighbour inside the grid of `shape` sites holding a cell of kind
    `code` (codes: the layer's flat int8 kind codes)."""
    width, height = shape
    out = np.zeros(sites.size, dtype=np.bool_)
    around = np.empty(8, dtype=np.int64)
    for i in range(sites.size):
        for k in range(_neighbours_inside(sites[i], width, height, around)):
            if codes[around[k]] == code:
                out[i] = True
                break
    return out


@numba.njit(cache=True, nogil=True)
def open_sites(sites: np.ndarray, marrow: np.ndarray, marrow_code: np.ndarray, surface_code: np.ndarray) -> np.ndarray:
    """Whether each flat site is marrow (flat bool `marrow`) holding no cell in either layer (flat int8 kind codes
    `marrow_code`, `surface_code`), reading only those sites."""
    out = np.empty(sites.size, dtype=np.bool_)
    for i in range(sites.size):
        s = sites[i]
        out[i] = marrow[s] and marrow_code[s] == 0 and surface_code[s] == 0
    return out


@numba.njit(cache=True, nogil=True)
def touches_surface(sites: np.ndarray, shape: tuple, surface: np.ndarray, surface_code: np.ndarray) -> np.ndarray:
    """Whether each flat site touches the bone surface: a Moore neighbour inside the grid of `shape` sites that is
    bone facing marrow (flat bool `surface`) or holds a bone-surface cell (flat int8 `surface_code` > 0)."""
    width, height = shape
    out = np.zeros(sites.size, dtype=np.bool_)
    around = np.empty(8, dtype=np.int64)
    for i in range(sites.size):
        for k in range(_neighbours_inside(sites[i], width, height, around)):
            if surface[around[k]] or surface_code[around[k]] > 0:
                out[i] = True
                break
    return out


@numba.njit(cache=True, nogil=True)
def contact_maps(sites: np.ndarray, flagged: np.ndarray, shape: tuple) -> tuple:
    """Two flat bool maps, on a grid of `shape` sites, in one pass: the sites with one of the given flat sites
    among their Moore neighbours (the site itself not counted; every neighbour inside the grid of a listed site is
    marked), and the sites with one of the flagged ones (flagged: bool per listed site)."""
    width, height = shape
    touched = np.zeros(width * height, dtype=np.bool_)
    touched_by_flagged = np.zeros(width * height, dtype=np.bool_)
    around = np.empty(8, dtype=np.int64)
    for i in range(sites.size):
        for k in range(_neighbours_inside(sites[i], width, height, around)):
            touched[around[k]] = True
            if flagged[i]:
                touched_by_flagged[around[k]] = True
    return touched, touched_by_flagged


MARROW_BIT, SURFACE_BIT, SURFACE_CELL_BIT = 1, 2, 4
"""The low bits of a site's :func:`crawl_terrain`: marrow, bone facing marrow, a bone-surface cell there."""
_PLACE = MARROW_BIT | SURFACE_BIT | SURFACE_CELL_BIT  # a site's own bits; the bits above hold its cell's kind
MAX_KIND_CODE = 15
"""The highest kind code :func:`crawl_terrain` holds (bits 3-6 of an int8)."""


@numba.njit(cache=True, nogil=True)
def crawl_terrain(marrow: np.ndarray, surface: np.ndarray, surface_code: np.ndarray, codes: np.ndarray) -> np.ndarray:
    """What a crawling cell needs to know of each flat site, in one int8: MARROW_BIT if marrow (flat bool
    `marrow`), SURFACE_BIT if bone facing marrow (`surface`), SURFACE_CELL_BIT if a bone-surface cell is there
    (`surface_code` > 0), and the kind code of its marrow cell (`codes`, 0 = none, at most MAX_KIND_CODE) times 8.
    One byte instead of four arrays, so a hop reads one cache line per row of a neighbourhood: for the precursors
    of the 1,000 x 1,000 benchmark marrow an hour of hops, this map included, took 0.70 of the time it took on the
    four arrays (median of 40 calls paired in one process, quartiles 0.65-0.77; 0.93 and 0.97 at 200 x 200 and
    400 x 400, whose arrays fit in cache)."""
    out = np.empty(marrow.size, dtype=np.int8)
    for i in range(marrow.size):
        out[i] = (
            marrow[i] * MARROW_BIT + surface[i] * SURFACE_BIT + (surface_code[i] > 0) * SURFACE_CELL_BIT + codes[i] * 8
        )
    return out


@numba.njit(cache=True, nogil=True)
def hop(
    sites: np.ndarray,
    neighbours: np.ndarray,
    inside: np.ndarray,
    weights: np.ndarray,
    choose_draws: np.ndarray,
    claim_order: np.ndarray,
    squeeze_draws: np.ndarray,
    squeeze_order: np.ndarray,
    squeeze_probability: float,
    own_code: int,
    terrain: np.ndarray,
    passable: np.ndarray,
    mobile: np.ndarray,
    scratch: np.ndarray,
):
    """One hop of crawling cells, decided all at once from the lattice as it is (nothing is written).

    Each mover (on flat site sites[i], Moore neighbours neighbours[i], inside[i] those in the grid) chooses by
    `weights` (m x 8, e.g. chemotaxis) among the neighbours it may enter: marrow with no bone-surface cell whose
    marrow cell is none or `passable` (indexed by kind code), as the flat `terrain` of :func:`crawl_terrain` says.
    Movers that chose an empty site claim it in `claim_order`, the first claim winning. Then a mover whose target
    held a cell squeezes past it (the two swap) if its draw is below squeeze_probability, it is the first in
    `squeeze_order` to claim that target, no other squeezer sits on its target or targets its site, and after the
    moves into empty sites the target still holds a `mobile` cell.

    own_code: the movers' kind code. scratch: a uint8 array with one entry per site, all 0; it is left all 0.
    Returns (targets (−1 = none), moved into an empty site, squeezed, squeezed past a cell of another kind):
    the caller makes the moves, then the swaps.
    """
    m = sites.size
    allowed = np.empty((m, 8), dtype=np.bool_)
    for i in range(m):
        for j in range(8):
            t = neighbours[i, j]
            here = terrain[t]
            allowed[i, j] = (
                here & (MARROW_BIT | SURFACE_CELL_BIT) == MARROW_BIT and inside[i, j] and passable[here >> 3]
            )
    targets = choose_neighbours(allowed, neighbours, weights, choose_draws)
    into_open = np.zeros(m, dtype=np.bool_)
    claims = np.full(m, -1, dtype=np.int64)
    for i in range(m):
        if targets[i] >= 0 and terrain[targets[i]] >> 3 == 0:
            into_open[i] = True
            claims[i] = targets[i]
    # moves into empty sites (bit 1: claimed; bit 8: the site of a mover that left it)
    won = np.zeros(m, dtype=np.bool_)
    for i in claim_order:
        if claims[i] >= 0 and not scratch[claims[i]] & 1:
            scratch[claims[i]] |= 1
            won[i] = True
    for i in range(m):
        if won[i]:
            scratch[claims[i]] = 0
            scratch[sites[i]] |= 8
    # squeezes (bit 1: claimed; bit 2: a squeezer's site; bit 4: a squeezer's target)
    squeezing = np.zeros(m, dtype=np.bool_)
    for i in squeeze_order:
        t = targets[i]
        if not into_open[i] and t >= 0 and squeeze_draws[i] < squeeze_probability and not scratch[t] & 1:
            scratch[t] |= 1
            squeezing[i] = True
    for i in range(m):
        if squeezing[i]:
            scratch[sites[i]] |= 2
            scratch[targets[i]] |= 4
    squeezed = np.zeros(m, dtype=np.bool_)
    past_other = np.zeros(m, dtype=np.bool_)
    for i in range(m):
        if squeezing[i]:
            t = targets[i]
            code_now = 0 if scratch[t] & 8 else terrain[t] >> 3
            squeezed[i] = not (scratch[t] & 2) and not (scratch[sites[i]] & 4) and mobile[code_now]
            past_other[i] = squeezed[i] and code_now != own_code
    for i in range(m):
        scratch[sites[i]] = 0
        if targets[i] >= 0:
            scratch[targets[i]] = 0
    return targets, won, squeezed, past_other


@numba.njit(cache=True, nogil=True, inline="always")
def _chemotaxis_weight(here: float, there: float, strength: float, ec50_pm: float) -> float:
    """Relative weight of a neighbouring site, exp(strength · (c_j − c) / (c + ec50)), from the CCL3 (pM) sensed
    here (c) and there (c_j)."""
    return np.exp(strength * ((there - here) / (here + ec50_pm)))


@numba.njit(cache=True, nogil=True)
def chemotaxis_weights(ccl3_here: np.ndarray, ccl3_neighbours: np.ndarray, strength: float, ec50_pm: float):
    """Relative weights (n x 8) of each cell's 8 neighbouring sites (:func:`_chemotaxis_weight`), from the CCL3
    (pM) it senses here (n) and at its neighbours (n x 8)."""
    n = ccl3_here.size
    out = np.empty((n, 8))
    for i in range(n):
        for j in range(8):
            out[i, j] = _chemotaxis_weight(ccl3_here[i], ccl3_neighbours[i, j], strength, ec50_pm)
    return out


@numba.njit(cache=True, nogil=True)
def _random_order(draws: np.ndarray) -> np.ndarray:
    """A random order of range(len(draws)) (int64) by Fisher-Yates, draws: one uniform number in [0, 1) per
    place."""
    order = np.arange(draws.size)
    for i in range(draws.size - 1, 0, -1):
        j = min(int(draws[i] * (i + 1)), i)
        order[i], order[j] = order[j], order[i]
    return order


@numba.njit(cache=True, nogil=True)
def _relocate(origin: np.ndarray, touched: np.ndarray, count: int, site: int, holder: int) -> int:
    """Record that flat site `site` now holds the cell that started on `holder` (−1 = none); returns the new
    number of touched sites (origin: −2 = untouched, the site holds its own cell)."""
    if origin[site] == -2:
        touched[count] = site
        count += 1
    origin[site] = holder
    return count


@numba.njit(cache=True, nogil=True)
def crawl(
    sites: np.ndarray,
    move_chance: np.ndarray,
    draws: np.ndarray,
    ccl3: np.ndarray,
    voxel_of: np.ndarray,
    strength: float,
    ec50_pm: float,
    squeeze_probability: float,
    own_code: int,
    shape: tuple,
    terrain: np.ndarray,
    passable: np.ndarray,
    mobile: np.ndarray,
    scratch: np.ndarray,
    origin: np.ndarray,
):
    """The hops of an hour of crawling cells, one after another: each as :func:`hop`, with the moves and swaps of
    one hop made before the next.

    In each hop a cell on flat site s moves with chance move_chance[1] if s touches the bone surface (a Moore
    neighbour that is bone facing marrow or holds a bone-surface cell, as :func:`touches_surface`), else
    move_chance[0];
    a mover chooses among its neighbours with :func:`chemotaxis_weights` of the CCL3 it senses (pM, flat
    values per voxel `ccl3`, the voxel each flat site reads `voxel_of`).

    Args:
        sites: the cells' flat sites (int64).
        draws: hops x 5 x n uniform numbers in [0, 1): whether each cell moves, the pick among its neighbours,
            the draw that shuffles the movers into the order of claims (:func:`_random_order`), its squeeze draw,
            the draw that shuffles them into the order of squeezes.
        terrain: :func:`crawl_terrain` of the lattice, its kind codes changed in place as cells move (the lattice
            writes the moves with :meth:`niche_abm.world.lattice.Lattice.relocate`).
        scratch: uint8, one per site, all 0; origin: int64, one per site, all −2; both are left so.
        The rest as :func:`hop`.
    Returns (the flat sites whose cell changed, the flat site where each of their cells was at the start, −1 =
    none): the moves of the whole hour.
    """
    width, height = shape
    n = sites.size
    current = sites.copy()
    touched = np.empty(2 * n * draws.shape[0] + 1, dtype=np.int64)
    count = 0
    around = np.empty(8, dtype=np.int64)
    for h in range(draws.shape[0]):
        movers = np.empty(n, dtype=np.int64)
        m = 0
        for i in range(n):
            on_bone = False
            for k in range(_neighbours_inside(current[i], width, height, around)):
                if terrain[around[k]] & (SURFACE_BIT | SURFACE_CELL_BIT):
                    on_bone = True
                    break
            if draws[h, 0, i] < move_chance[1 if on_bone else 0]:
                movers[m] = i
                m += 1
        movers = movers[:m]
        from_sites = current[movers]
        neighbours, inside = moore_neighbours(from_sites, shape)
        weights = np.ones((m, 8))  # a neighbour reading the mover's own voxel: no gradient, exp(0) = 1
        for i in range(m):
            own = voxel_of[from_sites[i]]
            for j in range(8):
                other = voxel_of[neighbours[i, j]]
                if other == own:
                    continue
                for k in range(j):  # voxels of 2 sites or more: 8 neighbours in at most 4; each weight once
                    if voxel_of[neighbours[i, k]] == other:
                        weights[i, j] = weights[i, k]
                        break
                else:
                    weights[i, j] = _chemotaxis_weight(ccl3[own], ccl3[other], strength, ec50_pm)
        targets, won, squeezed, past_other = hop(
            from_sites,
            neighbours,
            inside,
            weights,
            draws[h, 1][movers],
            _random_order(draws[h, 2][movers]),
            draws[h, 3][movers],
            _random_order(draws[h, 4][movers]),
            squeeze_probability,
            own_code,
            terrain,
            passable,
            mobile,
            scratch,
        )
        for i in range(m):
            if won[i]:
                s, t = from_sites[i], targets[i]
                holder = s if origin[s] == -2 else origin[s]
                terrain[t] = terrain[t] & _PLACE | terrain[s] & ~_PLACE
                terrain[s] = terrain[s] & _PLACE
                count = _relocate(origin, touched, count, t, holder)
                count = _relocate(origin, touched, count, s, -1)
        for i in range(m):
            if squeezed[i]:
                s, t = from_sites[i], targets[i]
                holder_s = s if origin[s] == -2 else origin[s]
                holder_t = t if origin[t] == -2 else origin[t]
                cell_s, cell_t = terrain[s] & ~_PLACE, terrain[t] & ~_PLACE
                terrain[s] = terrain[s] & _PLACE | cell_t
                terrain[t] = terrain[t] & _PLACE | cell_s
                count = _relocate(origin, touched, count, t, holder_s)
                count = _relocate(origin, touched, count, s, holder_t)
            if won[i] or past_other[i]:
                current[movers[i]] = targets[i]
    moved = touched[:count].copy()
    holders = np.empty(count, dtype=np.int64)
    for k in range(count):
        holders[k] = origin[moved[k]]
        origin[moved[k]] = -2
    return moved, holders


@numba.njit(cache=True, nogil=True)
def relocate(code: np.ndarray, row: np.ndarray, sites: np.ndarray, holders: np.ndarray) -> tuple:
    """Put on each flat site sites[i] the kind code and state-table row that flat site holders[i] held (−1: none),
    all read before any is written (code: a layer's flat int8 kind codes, row: its flat rows, both changed in
    place). Returns (the new codes, the new rows) of the listed sites."""
    n = sites.size
    new_code = np.zeros(n, dtype=code.dtype)
    new_row = np.full(n, -1, dtype=row.dtype)
    for i in range(n):
        if holders[i] >= 0:
            new_code[i], new_row[i] = code[holders[i]], row[holders[i]]
    for i in range(n):
        code[sites[i]], row[sites[i]] = new_code[i], new_row[i]
    return new_code, new_row


@numba.njit(cache=True, nogil=True)
def nearest_wanted(
    origins: np.ndarray,
    shape: tuple,
    offsets: np.ndarray,
    distance: np.ndarray,
    jitter: np.ndarray,
    tie_spacing: float,
    flag: np.ndarray,
    first_code: np.ndarray,
    second_code: np.ndarray,
) -> np.ndarray:
    """For each flat site in `origins`, the nearest site origin + offsets[k] inside the grid of `shape` = (width,
    height) sites that is wanted: flag set and both codes 0 (flat arrays, one entry per site). Nearest by
    distance[k] + 0.5 · jitter[i, k] · tie_spacing, the first of equal scores (jitter: one uniform draw per origin
    and offset, to break ties at random); −1 where none is wanted. As numpy's argmin over those scores with the
    unwanted ones set to ∞, the same arithmetic, without arrays of origins x offsets."""
    width, height = shape
    out = np.full(origins.size, -1, dtype=np.int64)
    for i in range(origins.size):
        x, y = _xy(origins[i], height)
        best = np.inf
        for k in range(offsets.shape[0]):
            cx, cy = x + offsets[k, 0], y + offsets[k, 1]
            if cx < 0 or cx >= width or cy < 0 or cy >= height:
                continue
            site = cx * height + cy
            if flag[site] and first_code[site] == 0 and second_code[site] == 0:
                score = distance[k] + 0.5 * jitter[i, k] * tie_spacing
                if score < best:
                    best = score
                    out[i] = site
    return out


@numba.njit(cache=True, nogil=True)
def line_sites(origin: int, end: int, height: int) -> np.ndarray:
    """Flat sites of the straight lattice path from flat site `origin` (excluded) to `end` (included), one site per
    step along the longer axis, each coordinate rounded half to even (as ``np.rint(x0 + t (x1 − x0))`` at t = k /
    steps, k = 1..steps, on a grid `height` sites high)."""
    x0, y0 = _xy(origin, height)
    x1, y1 = _xy(end, height)
    steps = max(abs(x1 - x0), abs(y1 - y0))
    out = np.empty(steps, dtype=np.int64)
    for k in range(1, steps + 1):
        t = k / steps
        out[k - 1] = np.int64(np.rint(x0 + t * (x1 - x0))) * height + np.int64(np.rint(y0 + t * (y1 - y0)))
    return out


@numba.njit(cache=True, nogil=True)
def count_near(sites: np.ndarray, codes: np.ndarray, shape: tuple, code: int, radius: int) -> np.ndarray:
    """Number of cells of kind `code` within `radius` sites (Chebyshev) of each flat site, the site itself not
    counted (codes: the layer's flat int8 kind codes on a grid of `shape` = (width, height) sites)."""
    width, height = shape
    out = np.zeros(sites.size, dtype=np.int64)
    for i in range(sites.size):
        x, y = _xy(sites[i], height)
        count = 0
        for nx in range(max(x - radius, 0), min(x + radius + 1, width)):
            for ny in range(max(y - radius, 0), min(y + radius + 1, height)):
                if (nx != x or ny != y) and codes[nx * height + ny] == code:
                    count += 1
        out[i] = count
    return out


@numba.njit(cache=True, nogil=True)
def stamp(shape: tuple, x: np.ndarray, y: np.ndarray, footprint: np.ndarray) -> np.ndarray:
    """Bool map [x, y] of a grid of `shape` sites covered by the footprint (2r+1 x 2r+1, centred) placed on
    each point (x[i], y[i]); the parts beyond the grid's edge are dropped."""
    width, height = shape
    r = footprint.shape[0] // 2
    out = np.zeros((width, height), dtype=np.bool_)
    for i in range(x.size):
        for dx in range(-r, r + 1):
            px = x[i] + dx
            if px < 0 or px >= width:
                continue
            for dy in range(-r, r + 1):
                py = y[i] + dy
                if 0 <= py < height and footprint[dx + r, dy + r]:
                    out[px, py] = True
    return out


@numba.njit(cache=True, nogil=True, inline="always")
def _bone_code(fraction: float, template: float, threshold: float, epsilon: float) -> int:
    """A site's bits for the bone masks: 1 marrow, 2 bone, 4 cavity (template - fraction > epsilon)."""
    return (1 if fraction < threshold else 2) | (4 if template - fraction > epsilon else 0)


@numba.njit(cache=True, nogil=True, inline="always")
def _or_around(codes: np.ndarray, x: int, y: int) -> int:
    """Bitwise OR of codes over the 3 x 3 sites around (x, y) inside the grid (itself included)."""
    width, height = codes.shape
    value = 0
    for px in range(max(x - 1, 0), min(x + 2, width)):
        for py in range(max(y - 1, 0), min(y + 2, height)):
            value |= codes[px, py]
    return value


@numba.njit(cache=True, nogil=True)
def changed_bone_codes(
    fraction: np.ndarray, template: np.ndarray, threshold: float, epsilon: float, codes: np.ndarray, sites: np.ndarray
) -> np.ndarray:
    """Of the flat `sites` (int64, repeats allowed), those whose bits (:func:`_bone_code`) differ from `codes`
    (uint8, [x, y], as :func:`bone_masks` made them), each once; `codes` is brought up to date in place."""
    height = codes.shape[1]
    changed = np.empty(sites.size, dtype=np.int64)
    n = 0
    for site in sites:
        x, y = site // height, site % height
        code = _bone_code(fraction[x, y], template[x, y], threshold, epsilon)
        if code != codes[x, y]:
            codes[x, y] = code
            changed[n] = site
            n += 1
    return changed[:n]


@numba.njit(cache=True, nogil=True)
def update_bone_masks(codes: np.ndarray, changed: np.ndarray, masks: tuple) -> None:
    """Bring the masks of :func:`bone_masks` up to date, in place, after the codes changed at the flat sites
    `changed` (:func:`changed_bone_codes`).

    masks: (marrow, surface, next_to_bone, near_cavity, eroded_surface, eroded_zone), [x, y] bool arrays. A
    site's masks depend on the codes within one site of it, and its eroded zone on the eroded surface within
    one site, so only the sites within two sites of a change are recomputed: site for site the masks
    :func:`bone_masks` makes from the whole grid.
    """
    marrow, surface, next_to_bone, near_cavity, eroded, eroded_zone = masks
    width, height = codes.shape
    for site in changed:
        cx, cy = site // height, site % height
        for x in range(max(cx - 1, 0), min(cx + 2, width)):
            for y in range(max(cy - 1, 0), min(cy + 2, height)):
                around = _or_around(codes, x, y)
                is_marrow = (codes[x, y] & 1) != 0
                on_surface = not is_marrow and (around & 1) != 0
                marrow[x, y] = is_marrow
                surface[x, y] = on_surface
                next_to_bone[x, y] = is_marrow and (around & 2) != 0
                near_cavity[x, y] = (around & 4) != 0
                eroded[x, y] = on_surface and (around & 4) != 0
    for site in changed:
        cx, cy = site // height, site % height
        for x in range(max(cx - 2, 0), min(cx + 3, width)):
            for y in range(max(cy - 2, 0), min(cy + 3, height)):
                touches = False
                for px in range(max(x - 1, 0), min(x + 2, width)):
                    for py in range(max(y - 1, 0), min(y + 2, height)):
                        touches |= eroded[px, py]
                eroded_zone[x, y] = marrow[x, y] and touches


@numba.njit(cache=True, nogil=True, inline="always")
def _or_3x3(column: np.ndarray, x: int, y: int) -> int:
    """Bitwise OR over the 3 x 3 sites around (x, y) inside the grid, from `column`, each site's OR over
    y - 1..y + 1 (:func:`_or_columns`)."""
    value = column[x, y]
    if x > 0:
        value |= column[x - 1, y]
    if x < column.shape[0] - 1:
        value |= column[x + 1, y]
    return value


@numba.njit(cache=True, nogil=True)
def _or_columns(codes: np.ndarray, column: np.ndarray) -> None:
    """column[x, y] = OR of codes[x, y - 1..y + 1] inside the grid."""
    width, height = codes.shape
    for x in range(width):
        for y in range(height):
            value = codes[x, y]
            if y > 0:
                value |= codes[x, y - 1]
            if y < height - 1:
                value |= codes[x, y + 1]
            column[x, y] = value


@numba.njit(cache=True, nogil=True)
def bone_masks(fraction: np.ndarray, template: np.ndarray, threshold: float, epsilon: float) -> tuple:
    """The site masks of niche_abm.world.bone.Bone.refresh in two passes over the grid ([x, y] arrays).

    marrow = fraction < threshold; a cavity is a site with template - fraction > epsilon. Returns
    (marrow, surface, next_to_bone, near_cavity, eroded_surface, eroded_zone, codes): bone sites with marrow among
    their 8 neighbours; marrow sites with bone among them; sites within one site (8-neighbour, itself
    included) of a cavity; surface sites near a cavity; marrow sites within one site of an eroded surface;
    and each site's bits (:func:`_bone_code`), which :func:`changed_bone_codes` keeps.
    The same masks as the binary dilations (3 x 3, nothing beyond the edge) they replaced, site for site.
    """
    width, height = fraction.shape
    marrow = np.empty((width, height), dtype=np.bool_)
    codes = np.empty((width, height), dtype=np.uint8)
    for x in range(width):
        for y in range(height):
            is_marrow = fraction[x, y] < threshold
            marrow[x, y] = is_marrow
            codes[x, y] = _bone_code(fraction[x, y], template[x, y], threshold, epsilon)
    column = np.empty((width, height), dtype=np.uint8)
    _or_columns(codes, column)
    surface = np.empty((width, height), dtype=np.bool_)
    next_to_bone = np.empty((width, height), dtype=np.bool_)
    near_cavity = np.empty((width, height), dtype=np.bool_)
    eroded = np.empty((width, height), dtype=np.uint8)
    for x in range(width):
        for y in range(height):
            around = _or_3x3(column, x, y)
            is_marrow = marrow[x, y]
            on_surface = not is_marrow and (around & 1) != 0
            surface[x, y] = on_surface
            next_to_bone[x, y] = is_marrow and (around & 2) != 0
            near_cavity[x, y] = (around & 4) != 0
            eroded[x, y] = 1 if on_surface and (around & 4) != 0 else 0
    _or_columns(eroded, column)
    eroded_zone = np.empty((width, height), dtype=np.bool_)
    for x in range(width):
        for y in range(height):
            eroded_zone[x, y] = marrow[x, y] and _or_3x3(column, x, y) != 0
    return marrow, surface, next_to_bone, near_cavity, eroded.view(np.bool_), eroded_zone, codes


@numba.njit(cache=True, nogil=True, inline="always")
def _free_rankl(r: float, o: float, kd: float) -> float:
    """Free RANKL (pM) at equilibrium with OPG from total RANKL r and OPG o (pM; kd in pM): the non-negative root of
    R_f² + (O - R + Kd) R_f - Kd R = 0 (see niche_abm.world.fields.free_rankl)."""
    b = (r - o) - kd
    root = np.sqrt(b * b + (4.0 * kd) * r)
    if b >= 0:
        return 0.5 * (b + root)
    if root - b > 0:
        return ((2.0 * kd) * r) / (root - b)
    return 0.0


@numba.njit(cache=True, nogil=True)
def free_rankl(total_rankl: np.ndarray, total_opg: np.ndarray, kd: float) -> np.ndarray:
    """Free RANKL (pM) at equilibrium with OPG, element by element (flat arrays of total RANKL and OPG, pM; kd in
    pM): :func:`_free_rankl` of each pair."""
    out = np.empty(total_rankl.size)
    for i in range(total_rankl.size):
        out[i] = _free_rankl(total_rankl[i], total_opg[i], kd)
    return out


@numba.njit(cache=True, nogil=True)
def bind_rankl(
    rankl: np.ndarray, opg: np.ndarray, opg_of: np.ndarray, opg_kd: float, unsequestered: float, rank_kd: float
) -> tuple:
    """On every flat RANKL voxel, in one pass: free RANKL (pM), :func:`_free_rankl` of the voxel's RANKL and the OPG
    of the OPG voxel holding it (opg_of), times the share a drug leaves unsequestered; and the RANK occupancy it
    gives, R_f / (R_f + rank_kd). As ``free_rankl(rankl, opg[opg_of], opg_kd) * unsequestered`` and
    ``niche_abm.world.fields.rank_occupancy`` of that, element by element."""
    free = np.empty(rankl.size)
    occupancy = np.empty(rankl.size)
    for i in range(rankl.size):
        unbound = _free_rankl(rankl[i], opg[opg_of[i]], opg_kd) * unsequestered
        free[i] = unbound
        occupancy[i] = unbound / (unbound + rank_kd)
    return free, occupancy


@numba.njit(cache=True, nogil=True)
def add_per_voxel(voxels: np.ndarray, amounts: np.ndarray, total: np.ndarray, scratch: np.ndarray) -> None:
    """Add per-cell amounts onto a field's flat voxel totals in place (voxels: each cell's flat voxel; amounts: one
    per cell, non-negative, any unit). As ``total += np.bincount(voxels, amounts, total.size)``: the cells' sum in
    each voxel is formed in their order, then added to the total. scratch: float64, at least total.size long, all
    0; it is left so. Touches only the cells' voxels, so its cost follows the cells, not the grid (a voxel's later
    cells add the 0 its first one left)."""
    for i in range(voxels.size):
        scratch[voxels[i]] += amounts[i]
    for i in range(voxels.size):
        v = voxels[i]
        total[v] += scratch[v]
        scratch[v] = 0.0


@numba.njit(cache=True, nogil=True)
def implicit_rhs(
    concentration: np.ndarray,
    molecules_per_h: np.ndarray,
    open_voxels: np.ndarray,
    porosity: np.ndarray,
    dt_h: float,
    pm_per_molecule_per_pl: float,
    voxel_volume_pl: float,
) -> np.ndarray:
    """The right-hand side of a backward-Euler step over the open voxels, pM/h: φ c / Δt plus the secretion as a
    rate of concentration, molecules/h · (pM per molecule per pL) / voxel volume (pL). concentration (pM) and
    molecules_per_h: flat, every voxel; open_voxels: the flat voxels in the system, with their porosity (0..1)."""
    out = np.empty(open_voxels.size)
    for i in range(open_voxels.size):
        v = open_voxels[i]
        out[i] = porosity[i] * concentration[v] / dt_h + molecules_per_h[v] * pm_per_molecule_per_pl / voxel_volume_pl
    return out


@numba.njit(cache=True, nogil=True)
def read_through(values: np.ndarray, voxel_of: np.ndarray, sites: np.ndarray) -> np.ndarray:
    """The flat voxel values each flat site reads (as ``values[voxel_of[sites]]``, one pass, no index array)."""
    out = np.empty(sites.size)
    for i in range(sites.size):
        out[i] = values[voxel_of[sites[i]]]
    return out


@numba.njit(cache=True, nogil=True)
def store_nonnegative(values: np.ndarray, open_voxels: np.ndarray, out: np.ndarray) -> None:
    """Write values (one per open voxel), negatives as 0, into the flat voxels open_voxels of out, in place
    (as ``out[open_voxels] = np.maximum(values, 0.0)``: NaN is kept, -0.0 becomes 0.0)."""
    for i in range(open_voxels.size):
        value = values[i]
        out[open_voxels[i]] = value if (value > 0.0 or value != value) else 0.0


@numba.njit(cache=True, nogil=True)
def marrow_share(marrow: np.ndarray, voxel_sites: int) -> np.ndarray:
    """The share of marrow sites (bool [x, y]) in each voxel of voxel_sites x voxel_sites sites: the voxel's count
    over voxel_sites², as numpy's mean of each block gives it (a sum of 0s and 1s is exact, then one division).
    Block by block: 0.06 and 0.05 ms for 20 and 40 µm voxels at 200 x 200 sites, 1.6 and 1.2 ms at 1,000 x 1,000,
    where numpy's mean over the block axes took 0.40 and 0.23 ms, 9.7 and 5.4 ms (medians of 20 calls; once for
    each voxel size in a day's refresh of the fields' geometry)."""
    width, height = marrow.shape
    f = voxel_sites
    share = np.empty((width // f, height // f))
    for vx in range(share.shape[0]):
        for vy in range(share.shape[1]):
            count = 0
            for x in range(vx * f, vx * f + f):
                for y in range(vy * f, vy * f + f):
                    count += marrow[x, y]
            share[vx, vy] = count / (f * f)
    return share


@numba.njit(cache=True, nogil=True)
def diffusion_operator(porosity: np.ndarray, voxels: np.ndarray, conductance: float, diagonal: np.ndarray) -> tuple:
    """The finite-volume operator over the open voxels as CSC arrays (data, indices, indptr; row indices sorted).

    Args:
        porosity: marrow share of every voxel [x, y] (0..1).
        voxels: the flat voxel of each unknown (every open voxel once, in any order).
        conductance: D / h², per hour; a face between two open voxels passes conductance · min(φ_i, φ_j).
        diagonal: a loss rate per unknown (storage, decay, outflow), per hour, added to the diagonal.

    Off the diagonal −face; on it, the voxel's faces summed in the order +x, −x, +y, −y, then the diagonal
    added, whatever the order of the unknowns. With the unknowns in C order: the same arrays, bit for bit, as
    ``(exchange + scipy.sparse.diags(diagonal)).tocsc()`` with the exchange matrix built from COO triplets listed
    face by face along x, then along y (the former assembly; scipy sums a column's duplicates in the order given).
    """
    width, height = porosity.shape
    n = voxels.size
    index = np.full(width * height, -1, dtype=np.int32)
    for j in range(n):
        index[voxels[j]] = j
    indptr = np.zeros(n + 1, dtype=np.int32)
    indices = np.empty(5 * n, dtype=np.int32)
    data = np.empty(5 * n)
    faces = np.zeros(4)  # -x, -y, +y, +x
    rows = np.empty(5, dtype=np.int32)
    values = np.empty(5)
    k = 0
    for j in range(n):
        x, y = voxels[j] // height, voxels[j] % height
        indptr[j] = k
        count = 0
        for m, (nx, ny) in enumerate(((x - 1, y), (x, y - 1), (x, y + 1), (x + 1, y))):
            faces[m] = 0.0
            if 0 <= nx < width and 0 <= ny < height and index[nx * height + ny] >= 0:
                face = conductance * min(porosity[nx, ny], porosity[x, y])
                if face > 0:
                    faces[m] = face
                    rows[count], values[count] = index[nx * height + ny], -face
                    count += 1
        rows[count], values[count] = j, ((faces[3] + faces[0]) + faces[2]) + faces[1] + diagonal[j]
        count += 1
        for a in range(1, count):  # the column's rows in increasing order (at most five)
            row, value, b = rows[a], values[a], a - 1
            while b >= 0 and rows[b] > row:
                rows[b + 1], values[b + 1] = rows[b], values[b]
                b -= 1
            rows[b + 1], values[b + 1] = row, value
        for a in range(count):
            indices[k], data[k] = rows[a], values[a]
            k += 1
        indptr[j + 1] = k
    return data[:k], indices[:k], indptr
