"""The compiled kernels give exactly what the numpy code they replaced gave (niche_abm/world/kernels.py).

Each reference below is the numpy formulation the model used before the kernels (for box sums and dilations,
scipy.ndimage's); equality is exact (``np.array_equal``): the same seed must give bit-identical runs on one
machine.
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sparse
from scipy import ndimage

from niche_abm.rules import happens, probability
from niche_abm.world import kernels
from niche_abm.world.bone import FORMATION_EPSILON, MASKS, Bone
from niche_abm.world.fields import free_rankl, rank_occupancy
from niche_abm.world.lattice import MOORE

SHAPE = (23, 17)


def box_sum(mask: np.ndarray, radius: int) -> np.ndarray:
    """How many True sites lie in the (2·radius+1)² square around each site, itself included, none beyond the
    edge (scipy's convolution, the reference the neighbourhood kernels are held to)."""
    return ndimage.convolve(mask.astype(np.int64), np.ones((2 * radius + 1,) * 2, dtype=np.int64), mode="constant")


def _choose_reference(allowed, neighbours, weights, draws):
    w = allowed * weights
    total = w.sum(axis=1)
    cumulative = np.cumsum(w, axis=1)
    pick = np.minimum((cumulative < (draws * total)[:, None]).sum(axis=1), 7)
    return np.where(total > 0, neighbours[np.arange(len(draws)), pick], -1)


def _first_claims_reference(targets, order):
    ordered = targets[order]
    chose = np.flatnonzero(ordered >= 0)
    _, first = np.unique(ordered[chose], return_index=True)
    wins = np.zeros(len(targets), dtype=bool)
    wins[order[chose[first]]] = True
    return wins


@pytest.mark.parametrize("n", [1, 3, 8, 500])
def test_weighted_choice_matches_numpy_sums(n):
    """The pairwise total of 8 weights and the running sum reproduce numpy's sum and cumsum bit for bit."""
    rng = np.random.default_rng(n)
    for _ in range(20):
        allowed = rng.random((n, 8)) < 0.6
        weights = np.exp(rng.normal(0.0, 3.0, (n, 8)))
        neighbours = rng.integers(0, 1000, (n, 8)).astype(np.int32)
        draws = rng.random(n)
        expected = _choose_reference(allowed, neighbours, weights, draws)
        np.testing.assert_array_equal(kernels.choose_neighbours(allowed, neighbours, weights, draws), expected)
        uniform = _choose_reference(allowed, neighbours, 1.0, draws)
        np.testing.assert_array_equal(kernels.choose_neighbours(allowed, neighbours, np.ones((1, 8)), draws), uniform)


def test_first_claims_matches_the_unique_formulation():
    rng = np.random.default_rng(2)
    claimed = np.zeros(50, dtype=bool)
    for _ in range(50):
        targets = rng.integers(-1, 50, 40)
        order = rng.permutation(40)
        np.testing.assert_array_equal(
            kernels.first_claims(targets, order, claimed), _first_claims_reference(targets, order)
        )
        assert not claimed.any(), "the scratch is left clean"


def test_moore_neighbours_clip_to_the_grid_and_mark_the_outside():
    sites = np.arange(SHAPE[0] * SHAPE[1])
    x, y = np.divmod(sites, SHAPE[1])
    nx, ny = x[:, None] + MOORE[:, 0], y[:, None] + MOORE[:, 1]
    inside = (nx >= 0) & (nx < SHAPE[0]) & (ny >= 0) & (ny < SHAPE[1])
    clipped = np.clip(nx, 0, SHAPE[0] - 1) * SHAPE[1] + np.clip(ny, 0, SHAPE[1] - 1)
    neighbours, inside_grid = kernels.moore_neighbours(sites, SHAPE)
    np.testing.assert_array_equal(neighbours, clipped)
    np.testing.assert_array_equal(inside_grid, inside)
    assert neighbours.dtype == np.int32


def test_neighbourhood_kernels_match_box_sums():
    rng = np.random.default_rng(3)
    codes = rng.integers(0, 4, SHAPE).astype(np.int8)
    sites = np.flatnonzero(rng.random(SHAPE) < 0.3)
    mask = np.zeros(SHAPE, dtype=bool)
    mask.flat[sites] = True
    around = box_sum(mask, 1) - mask
    flagged = rng.random(sites.size) < 0.5
    flagged_mask = np.zeros(SHAPE, dtype=bool)
    flagged_mask.flat[sites[flagged]] = True
    every, some = kernels.contact_maps(sites, flagged, SHAPE)
    np.testing.assert_array_equal(every.reshape(SHAPE), around > 0)
    np.testing.assert_array_equal(some.reshape(SHAPE), (box_sum(flagged_mask, 1) - flagged_mask) > 0)
    is_two = codes == 2
    all_sites = np.arange(mask.size)
    np.testing.assert_array_equal(
        kernels.touches_code(all_sites, SHAPE, codes.ravel(), 2), ((box_sum(is_two, 1) - is_two) > 0).ravel()
    )
    for radius in (1, 2):
        expected = (box_sum(is_two, radius) - is_two).ravel()
        np.testing.assert_array_equal(kernels.count_near(all_sites, codes.ravel(), SHAPE, 2, radius), expected)


def test_stamped_footprints_match_the_padded_or():
    rng = np.random.default_rng(4)
    xy = np.stack([rng.integers(0, SHAPE[0], 30), rng.integers(0, SHAPE[1], 30)], axis=1)
    footprint = rng.random((9, 9)) < 0.5  # any footprint, centred on its middle site
    r = footprint.shape[0] // 2
    covered = np.zeros((SHAPE[0] + 2 * r, SHAPE[1] + 2 * r), dtype=bool)
    for x, y in xy:
        covered[x : x + 2 * r + 1, y : y + 2 * r + 1] |= footprint
    expected = covered[r : r + SHAPE[0], r : r + SHAPE[1]]
    np.testing.assert_array_equal(kernels.stamp(SHAPE, xy[:, 0].copy(), xy[:, 1].copy(), footprint), expected)


def test_free_rankl_matches_the_numpy_formula():
    rng = np.random.default_rng(5)
    r = np.exp(rng.uniform(-20, 20, 100_000))
    o = np.exp(rng.uniform(-20, 20, 100_000))
    r[:100], o[100:200] = 0.0, 0.0
    for kd in (1000.0, 1e-3, 3.7):
        b = r - o - kd
        root = np.sqrt(b * b + 4.0 * kd * r)
        with np.errstate(divide="ignore", invalid="ignore"):
            small_b = np.where(root - b > 0, 2.0 * kd * r / (root - b), 0.0)
        np.testing.assert_array_equal(free_rankl(r, o, kd), np.where(b >= 0, 0.5 * (b + root), small_b))


def test_binding_in_one_pass_matches_free_rankl_then_occupancy():
    """kernels.bind_rankl: free RANKL of each RANKL voxel with the OPG of the voxel holding it, scaled by the drug's
    share, and its RANK occupancy, bit for bit as the separate numpy steps it replaced."""
    rng = np.random.default_rng(6)
    rankl, opg = np.exp(rng.uniform(-5, 8, 10_000)), np.exp(rng.uniform(-5, 10, 2_500))
    opg_of = rng.integers(0, opg.size, rankl.size)
    for share in (1.0, 0.1, 0.0):
        free, occupancy = kernels.bind_rankl(rankl, opg, opg_of, 1000.0, share, 29.0)
        expected = free_rankl(rankl, opg[opg_of], 1000.0) * share
        np.testing.assert_array_equal(free, expected)
        np.testing.assert_array_equal(occupancy, rank_occupancy(expected, 29.0))


def test_events_decided_by_their_draws_match_the_chance_computed_for_every_event():
    """kernels.happens (through rules.happens): draw < 1 - exp(-rate·dt) for every event, bit for bit as the
    chance computed for all of them, though the exponential is taken only below rate·dt; rates from 0 (and
    negative: a drug's negative extra death) to far above 1/h, draws crowded near each chance and its bound."""
    rng = np.random.default_rng(11)
    for scale in (0.0, 1e-12, 1e-6, 0.02, 1.0, 50.0):
        rates = rng.random(20_000) * scale
        rates[:50] = -rates[:50]
        chance = probability(rates, 0.25)
        draws = np.concatenate([chance[:10_000], np.nextafter(chance[10_000:15_000], 1.0), rng.random(5_000)])
        draws = np.clip(draws, 0.0, np.nextafter(1.0, 0.0))
        np.testing.assert_array_equal(happens(draws, rates, 0.25), draws < chance)
        np.testing.assert_array_equal(happens(draws, rates), draws < probability(rates))
    draws = rng.random(1_000)
    np.testing.assert_array_equal(happens(draws, 0.03), draws < probability(0.03))


def test_reading_through_a_voxel_map_matches_fancy_indexing():
    rng = np.random.default_rng(7)
    values, voxel_of = rng.random(2_500), rng.integers(0, 2_500, 40_000).astype(np.int32)
    sites = np.sort(rng.choice(40_000, 3_000, replace=False))
    np.testing.assert_array_equal(kernels.read_through(values, voxel_of, sites), values[voxel_of[sites]])


def test_open_sites_match_the_masked_numpy_form():
    rng = np.random.default_rng(9)
    marrow = rng.random(40_000) < 0.8
    marrow_code = np.where(rng.random(40_000) < 0.4, rng.integers(1, 5, 40_000), 0).astype(np.int8)
    surface_code = np.where(rng.random(40_000) < 0.1, 5, 0).astype(np.int8)
    sites = rng.integers(0, 40_000, (3_000, 8)).astype(np.int32).ravel()
    expected = marrow[sites] & (marrow_code[sites] == 0) & (surface_code[sites] == 0)
    np.testing.assert_array_equal(kernels.open_sites(sites, marrow, marrow_code, surface_code), expected)


def _nearest_reference(origins, shape, offsets, distance, jitter, wanted):
    x, y = np.divmod(origins, shape[1])
    cx, cy = x[:, None] + offsets[:, 0], y[:, None] + offsets[:, 1]
    inside = (cx >= 0) & (cx < shape[0]) & (cy >= 0) & (cy < shape[1])
    candidates = np.clip(cx, 0, shape[0] - 1) * shape[1] + np.clip(cy, 0, shape[1] - 1)
    open_ = inside & wanted[candidates]
    score = np.where(open_, distance + 0.5 * jitter * 0.01, np.inf)
    pick = np.argmin(score, axis=1)
    return np.where(open_.any(axis=1), candidates[np.arange(len(origins)), pick], -1)


@pytest.mark.parametrize("radius", [1, 2.5, 5])
def test_nearest_wanted_site_matches_the_argmin_over_every_offset(radius):
    rng = np.random.default_rng(11)
    size = SHAPE[0] * SHAPE[1]
    flag = rng.random(size) < 0.7
    first = np.where(rng.random(size) < 0.5, 3, 0).astype(np.int8)
    second = np.where(rng.random(size) < 0.2, 6, 0).astype(np.int8)
    r = int(np.floor(radius))
    dx, dy = np.meshgrid(np.arange(-r, r + 1), np.arange(-r, r + 1), indexing="ij")
    distance = np.hypot(dx, dy).ravel()
    keep = (distance > 0) & (distance <= radius)
    offsets, distance = np.stack([dx.ravel()[keep], dy.ravel()[keep]], axis=1), distance[keep]
    origins = rng.integers(0, size, 300)
    jitter = rng.random((300, len(offsets)))
    jitter[::7] = jitter[::7, :1]  # equal draws: exact ties, the first offset must win
    wanted = flag & (first == 0) & (second == 0)
    expected = _nearest_reference(origins, SHAPE, offsets, distance, jitter, wanted)
    found = kernels.nearest_wanted(origins, SHAPE, offsets, distance, jitter, 0.01, flag, first, second)
    np.testing.assert_array_equal(found, expected)
    assert (found >= 0).any()
    if radius == 1:
        assert (found == -1).any(), "within one site some origins find no wanted site"


def test_straight_paths_match_the_rounded_numpy_line():
    rng = np.random.default_rng(12)
    height = SHAPE[1]
    for origin, end in rng.integers(0, SHAPE[0] * height, (400, 2)):
        (x0, y0), (x1, y1) = divmod(origin, height), divmod(end, height)
        steps = max(abs(x1 - x0), abs(y1 - y0))
        t = np.arange(1, steps + 1) / steps
        expected = np.rint(x0 + t * (x1 - x0)).astype(np.intp) * height + np.rint(y0 + t * (y1 - y0)).astype(np.intp)
        np.testing.assert_array_equal(kernels.line_sites(origin, end, height), expected)


@pytest.mark.parametrize("voxel_sites", [1, 2, 4, 5])
def test_marrow_shares_per_voxel_match_the_block_mean(voxel_sites):
    marrow = np.random.default_rng(voxel_sites).random((40, 60)) < 0.7
    blocks = marrow.reshape(40 // voxel_sites, voxel_sites, 60 // voxel_sites, voxel_sites)
    np.testing.assert_array_equal(kernels.marrow_share(marrow, voxel_sites), blocks.mean(axis=(1, 3)))


def test_sums_per_voxel_match_bincount():
    """Each source's cells are summed per voxel in their order, then added to the total, as bincount and +=."""
    rng = np.random.default_rng(6)
    voxel_of = rng.integers(0, 40, 300).astype(np.int32)
    total, expected, scratch = np.zeros(40), np.zeros(40), np.zeros(50)
    for n in (0, 1, 250, 1000):
        sites = rng.integers(0, 300, n)
        amounts = np.exp(rng.normal(0.0, 5.0, n))
        kernels.add_per_voxel(voxel_of[sites], amounts, total, scratch)
        expected += np.bincount(voxel_of[sites], weights=amounts, minlength=40)
        np.testing.assert_array_equal(total, expected)
        assert not scratch.any(), "the scratch is left all zero"


def test_implicit_step_kernels_match_the_masked_numpy_step():
    """The right-hand side gathered over the open voxels and the clipped solution scattered back equal the
    boolean-mask numpy formulation."""
    rng = np.random.default_rng(7)
    shape, dt_h, pm, volume = (30, 20), 0.7, 1.66, 16.0
    porosity = np.where(rng.random(shape) < 0.3, 0.0, rng.random(shape))
    open_ = porosity > 0
    concentration = np.where(open_, np.exp(rng.normal(0.0, 4.0, shape)), 0.0)
    molecules = np.exp(rng.normal(0.0, 6.0, shape)) * (rng.random(shape) < 0.4)
    expected = porosity[open_] * concentration[open_] / dt_h + molecules[open_] * pm / volume
    rhs = kernels.implicit_rhs(
        concentration.ravel(), molecules.ravel(), np.flatnonzero(open_), porosity[open_], dt_h, pm, volume
    )
    np.testing.assert_array_equal(rhs, expected)
    solved = rng.normal(0.0, 1.0, rhs.size)
    solved[:3] = -0.0, np.nan, 0.0
    expected = concentration.copy()
    expected[open_] = np.maximum(solved, 0.0)
    kernels.store_nonnegative(solved, np.flatnonzero(open_), concentration.ravel())
    np.testing.assert_array_equal(concentration, expected)
    assert not np.signbit(concentration).any()


def _operator_reference(porosity, conductance, diagonal):
    """DiffusionField's former assembly: COO triplets face by face along x then y, plus diags, to CSC."""
    open_ = porosity > 0
    index = np.full(porosity.shape, -1)
    index[open_] = np.arange(int(open_.sum()))
    rows, cols, vals = [], [], []
    for axis in (0, 1):
        a, b = [slice(None), slice(None)], [slice(None), slice(None)]
        a[axis], b[axis] = slice(None, -1), slice(1, None)
        ia, ib = index[tuple(a)], index[tuple(b)]
        face = conductance * np.minimum(porosity[tuple(a)], porosity[tuple(b)])
        both = (ia >= 0) & (ib >= 0) & (face > 0)
        ia, ib, face = ia[both], ib[both], face[both]
        rows += [ia, ib, ia, ib]
        cols += [ia, ib, ib, ia]
        vals += [face, face, -face, -face]
    n = diagonal.size
    exchange = sparse.csc_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(n, n))
    return (exchange + sparse.diags(diagonal)).tocsc(), index


@pytest.mark.parametrize("bone_share", [0.0, 0.3, 0.8])
def test_diffusion_operator_matches_the_coo_assembly(bone_share):
    """The operator's CSC arrays equal those scipy built from the face triplets (same sums, same order)."""
    rng = np.random.default_rng(8)
    for shape in ((1, 1), (1, 9), (12, 7), (40, 40)):
        porosity = np.where(rng.random(shape) < bone_share, 0.0, rng.uniform(0.01, 1.0, shape))
        porosity[rng.random(shape) < 0.3] = 0.75  # a voxel with 3 of its 4 sites marrow
        if not porosity.any():
            porosity[0, 0] = 1.0
        n = int((porosity > 0).sum())
        diagonal = np.exp(rng.normal(0.0, 2.0, n))
        expected, index = _operator_reference(porosity, 3.7, diagonal)
        data, indices, indptr = kernels.diffusion_operator(porosity, np.flatnonzero(index >= 0), 3.7, diagonal)
        np.testing.assert_array_equal(data, expected.data)
        np.testing.assert_array_equal(indices, expected.indices)
        np.testing.assert_array_equal(indptr, expected.indptr)
        # unknowns in any order: the same matrix with rows and columns permuted, the same sums on its diagonal
        order = rng.permutation(n)
        arrays = kernels.diffusion_operator(porosity, np.flatnonzero(index >= 0)[order], 3.7, diagonal[order])
        permuted = sparse.csc_matrix(arrays, shape=(n, n))
        assert permuted.has_sorted_indices
        np.testing.assert_array_equal(permuted.toarray(), expected[order][:, order].toarray())


def _dilate(mask):
    return ndimage.binary_dilation(mask, structure=np.ones((3, 3), dtype=bool))


def _bone_masks_reference(fraction, template, threshold, epsilon):
    """The dilations Bone.refresh used before the kernel."""
    marrow = fraction < threshold
    surface = ~marrow & _dilate(marrow)
    near_cavity = _dilate(template - fraction > epsilon)
    eroded_surface = surface & near_cavity
    return marrow, surface, marrow & _dilate(~marrow), near_cavity, eroded_surface, marrow & _dilate(eroded_surface)


@pytest.mark.parametrize("shape", [SHAPE, (1, 9), (9, 1), (2, 2), (60, 40)])
def test_bone_masks_match_the_dilations(shape):
    """The one-pass surfaces of the bone equal the five dilations they replaced, at the grid's edges too."""
    rng = np.random.default_rng(shape[0] * 100 + shape[1])
    for _ in range(20):
        template = np.where(rng.random(shape) < 0.4, 1.0, rng.random(shape) * (rng.random(shape) < 0.3))
        fraction = template * np.where(rng.random(shape) < 0.2, rng.random(shape), 1.0)
        got = kernels.bone_masks(fraction, template, 0.5, 1e-9)[:6]
        for name, mine, reference in zip(
            ("marrow", "surface", "next_to_bone", "near_cavity", "eroded_surface", "eroded_zone"),
            got,
            _bone_masks_reference(fraction, template, 0.5, 1e-9),
            strict=True,
        ):
            assert mine.dtype == bool, name
            np.testing.assert_array_equal(mine, reference, err_msg=name)


@pytest.mark.parametrize("shape", [SHAPE, (1, 9), (9, 1), (2, 2), (60, 40)])
def test_bone_masks_updated_near_changes_equal_the_whole_grid_pass(shape):
    """After bone changes at a few sites (repeats, edges and corners included), updating the masks near them
    gives the whole-grid pass's masks, and the codes kept are the whole-grid pass's codes."""
    rng = np.random.default_rng(shape[0] * 7 + shape[1])
    template = np.where(rng.random(shape) < 0.5, 1.0, rng.random(shape) * (rng.random(shape) < 0.3))
    fraction = template * np.where(rng.random(shape) < 0.2, rng.random(shape), 1.0)
    *masks, codes = kernels.bone_masks(fraction, template, 0.5, 1e-9)
    corners = np.array([0, shape[1] - 1, fraction.size - shape[1], fraction.size - 1])
    for _ in range(30):
        sites = np.concatenate([rng.integers(0, fraction.size, 4), rng.choice(corners, 2)])
        fraction.flat[sites] = np.where(rng.random(sites.size) < 0.5, 0.0, rng.random(sites.size))
        changed = kernels.changed_bone_codes(fraction, template, 0.5, 1e-9, codes, sites)
        kernels.update_bone_masks(codes, changed, tuple(masks))
        *expected, expected_codes = kernels.bone_masks(fraction, template, 0.5, 1e-9)
        np.testing.assert_array_equal(codes, expected_codes)
        for name, mine, reference in zip(MASKS, masks, expected, strict=True):
            np.testing.assert_array_equal(mine, reference, err_msg=name)


def test_bone_follows_its_changes_with_new_masks_only_when_they_change():
    """Bone.follow_changes after resorption gives the whole-grid masks as new arrays; with no change it keeps
    them."""

    rng = np.random.default_rng(11)
    bone = Bone(np.where(rng.random((30, 20)) < 0.5, 1.0, 0.0), 0.5)
    before = bone.surface
    bone.follow_changes(0)
    assert bone.surface is before
    bone.resorb(np.flatnonzero(bone.surface.ravel())[:5], np.full(5, 0.8))
    bone.follow_changes(1)
    assert bone.surface is not before
    expected = kernels.bone_masks(bone.fraction, bone.template, 0.5, FORMATION_EPSILON)[:6]
    for name, reference in zip(MASKS, expected, strict=True):
        np.testing.assert_array_equal(getattr(bone, name), reference, err_msg=name)


def test_chemotaxis_weights_match_the_numpy_formula():
    rng = np.random.default_rng(4)
    here, there = rng.uniform(0.0, 500.0, 300), rng.uniform(0.0, 500.0, (300, 8))
    expected = np.exp(50.0 * ((there - here[:, None]) / (here[:, None] + 100.0)))
    np.testing.assert_allclose(kernels.chemotaxis_weights(here, there, 50.0, 100.0), expected, rtol=1e-14)


def test_random_order_is_a_uniform_permutation():
    rng = np.random.default_rng(5)
    for m in (0, 1, 7, 300):
        assert sorted(kernels._random_order(rng.random(m)).tolist()) == list(range(m))
    counts = {}
    for _ in range(6000):
        order = tuple(kernels._random_order(rng.random(3)).tolist())
        counts[order] = counts.get(order, 0) + 1
    assert len(counts) == 6 and all(800 < count < 1200 for count in counts.values())


def test_crawl_moves_cells_without_losing_or_doubling_any_and_fixed_cells_stay():
    """Crawlers (code 3) among mobile (2) and fixed (1) cells: the relocation is a permutation of the touched sites'
    cells, the codes afterwards are the start's codes carried to their new sites, and the scratch is left clean."""
    rng = np.random.default_rng(6)
    size = SHAPE[0] * SHAPE[1]
    marrow = rng.random(size) < 0.9
    codes = np.where(marrow, rng.choice(np.array([0, 0, 1, 2, 3], dtype=np.int8), size), 0).astype(np.int8)
    surface, surface_code = ~marrow, np.zeros(size, dtype=np.int8)
    passable, mobile = np.array([True, False, True, True]), np.array([False, False, True, True])
    scratch, origin = np.zeros(size, dtype=np.uint8), np.full(size, -2, dtype=np.int64)
    sites = np.flatnonzero(codes == 3)
    ccl3, voxel_of = rng.uniform(0.0, 100.0, size), np.arange(size)
    terrain = kernels.crawl_terrain(marrow, surface, surface_code, codes)
    moved, holders = kernels.crawl(
        sites, np.array([0.8, 0.4]), rng.random((6, 5, sites.size)), ccl3, voxel_of, 50.0, 100.0, 0.5, 3,
        SHAPE, terrain, passable, mobile, scratch, origin,
    )  # fmt: skip
    after = terrain >> 3
    assert np.array_equal(terrain & 7, kernels.crawl_terrain(marrow, surface, surface_code, codes) & 7), "sites stay"
    assert moved.size > 0 and not scratch.any() and (origin == -2).all()
    held = holders[holders >= 0]
    assert len(set(held.tolist())) == held.size, "no cell in two places"
    assert set(held.tolist()) == set(moved[codes[moved] > 0].tolist()), "every cell that left arrived somewhere"
    np.testing.assert_array_equal(after[moved], np.where(holders >= 0, codes[holders], 0))
    assert (after[codes == 1] == 1).all(), "fixed cells stay"
    assert np.array_equal(np.bincount(after, minlength=4), np.bincount(codes, minlength=4))


def test_crawl_terrain_packs_marrow_surface_surface_cells_and_kind_codes_into_one_byte_a_site():
    rng = np.random.default_rng(7)
    size = 500
    marrow, surface = rng.random(size) < 0.7, rng.random(size) < 0.2
    surface_code = np.where(rng.random(size) < 0.1, rng.integers(1, 4, size), 0).astype(np.int8)
    codes = rng.integers(0, kernels.MAX_KIND_CODE + 1, size).astype(np.int8)
    terrain = kernels.crawl_terrain(marrow, surface, surface_code, codes)
    assert terrain.dtype == np.int8
    np.testing.assert_array_equal(terrain & kernels.MARROW_BIT > 0, marrow)
    np.testing.assert_array_equal(terrain & kernels.SURFACE_BIT > 0, surface)
    np.testing.assert_array_equal(terrain & kernels.SURFACE_CELL_BIT > 0, surface_code > 0)
    np.testing.assert_array_equal(terrain >> 3, codes)


def test_relocate_matches_the_gather_then_scatter_it_replaced():
    rng = np.random.default_rng(5)
    code = rng.integers(0, 4, size=200).astype(np.int8)
    row = np.where(code > 0, rng.integers(0, 50, size=200), -1).astype(np.int64)
    sites = rng.choice(200, size=40, replace=False)
    holders = np.where(rng.random(40) < 0.8, rng.permutation(sites), -1)
    expected_code, expected_row = code.copy(), row.copy()
    held = holders >= 0
    new_code, new_row = np.zeros(40, dtype=np.int8), np.full(40, -1, dtype=np.int64)
    new_code[held], new_row[held] = code[holders[held]], row[holders[held]]
    expected_code[sites], expected_row[sites] = new_code, new_row
    got_code, got_row = kernels.relocate(code, row, sites, holders)
    assert np.array_equal(code, expected_code) and np.array_equal(row, expected_row)
    assert np.array_equal(got_code, new_code) and np.array_equal(got_row, new_row)
