"""The soluble-signal solver (implicit finite volumes with porosity), RANKL-OPG-RANK binding and the signals
registry that solves each declared field on its own voxels and lets cells sense them.

The field checks follow STYLE.md: an analytic solution (a point source in a
decaying plane is K0), conservation (secretion = storage change + decay +
outflow, step by step and at steady state), bone as a wall, positivity and
unconditional stability of backward Euler, and a coarse-vs-fine grid check.
"""

from __future__ import annotations

from decimal import Decimal, localcontext

import numpy as np
import pytest
from scipy.special import k0

from niche_abm.params import build_parameters
from niche_abm.units import PM_PER_MOLECULE_PER_PL, SECTION_UM
from niche_abm.world.fields import (
    REORDER_EVERY,
    DiffusionField,
    OperatorPattern,
    free_rankl,
    rank_occupancy,
    step_fields,
    voxel_porosity,
)
from niche_abm.world.signals import Signals
from niche_abm.world.trabecular import generate_trabecular_bone

RANKL_D_MM2_PER_H = 0.036  # a free-protein D for these checks (rankl.diffusion_mm2_per_h defaults to 0.0108)
RANKL_DECAY_PER_H = 0.422  # rankl.decay_per_h default
BOUNDARIES = ("no_flux", "absorbing")


def _field(shape=(60, 40), voxel_sites=2, diffusion=RANKL_D_MM2_PER_H, decay=RANKL_DECAY_PER_H, boundary="no_flux"):
    return DiffusionField("rankl", shape, voxel_sites, diffusion, decay, boundary)


def _porous_marrow(shape: tuple[int, int], seed: int) -> np.ndarray:
    """A marrow mask whose voxels are fully open, partly bony and fully bony."""
    rng = np.random.default_rng(seed)
    marrow = rng.random(shape) > 0.3
    marrow[: shape[0] // 4, : shape[1] // 4] = False
    return marrow


def _sources_in_marrow(field: DiffusionField, rng: np.random.Generator, share: float = 0.2) -> np.ndarray:
    """Random secretion (molecules/h per voxel) in a share of the open voxels, none in bone."""
    rate = rng.uniform(0.0, 500.0, field.shape) * (rng.random(field.shape) < share)
    return np.where(field.open, rate, 0.0)


def _block_mean_over_marrow(values: np.ndarray, marrow: np.ndarray, f: int) -> tuple[np.ndarray, np.ndarray]:
    """Marrow-weighted mean of a site array over f x f blocks, and the marrow count of each block."""
    w, h = values.shape[0] // f, values.shape[1] // f
    count = marrow.reshape(w, f, h, f).sum(axis=(1, 3))
    total = (values * marrow).reshape(w, f, h, f).sum(axis=(1, 3))
    return np.where(count > 0, total / np.maximum(count, 1), 0.0), count


# --- analytic solution ------------------------------------------------------------------


@pytest.mark.parametrize("boundary", BOUNDARIES)
def test_point_source_matches_bessel_k0(boundary):
    """Steady point source in a decaying plane: c(r) = S/(2π D d) K0(r/λ), λ = sqrt(D/k).

    4 x 4 mm domain of 20 µm voxels (6.9 λ from the source to the edge), RANKL's
    D = 0.036 mm²/h and k = 0.422 /h (λ ≈ 292 µm). Measured max relative error
    for 3 voxels ≤ r ≤ 3λ: 0.64% for both boundaries.
    """
    field = _field(shape=(400, 400), voxel_sites=2, boundary=boundary)
    source = (100, 100)
    rate = 1e4  # molecules/h
    secretion = np.zeros(field.shape)
    secretion[source] = rate
    field.solve_steady(secretion)

    lam = field.diffusion_length_um
    assert lam == pytest.approx(292.0, abs=1.0)
    ix, iy = np.meshgrid(np.arange(field.shape[0]), np.arange(field.shape[1]), indexing="ij")
    r = np.hypot(ix - source[0], iy - source[1]) * field.voxel_um
    ring = (r >= 3 * field.voxel_um) & (r <= 3 * lam)
    d_um2_per_h = field.diffusion_um2_per_h
    analytic = rate * PM_PER_MOLECULE_PER_PL / (2 * np.pi * d_um2_per_h * SECTION_UM * 1e-3) * k0(r[ring] / lam)
    error = np.abs(field.concentration[ring] / analytic - 1.0).max()
    assert error < 0.02, f"max relative error {error:.4f} (measured 0.0064)"


# --- conservation ----------------------------------------------------------------------


@pytest.mark.parametrize("boundary", BOUNDARIES)
@pytest.mark.parametrize("dt_h", [1.0, 6.0])
def test_each_step_balances_secretion_storage_decay_and_outflow(boundary, dt_h):
    """Backward Euler: S·dt = ΔAmount + (decay + outflow)·dt with the losses at the new concentration."""
    field = _field(boundary=boundary)
    field.set_geometry(_porous_marrow((60, 40), seed=1))
    rng = np.random.default_rng(2)
    for _ in range(10):
        secretion = _sources_in_marrow(field, rng)
        before = field.amount()
        field.step(secretion, dt_h)
        decay, outflow = field.loss_rates()
        secreted = secretion.sum() * dt_h
        assert secreted == pytest.approx(field.amount() - before + (decay + outflow) * dt_h, rel=1e-9)
        if boundary == "absorbing":
            assert outflow > 0
        else:
            assert outflow == 0.0


@pytest.mark.parametrize("boundary", BOUNDARIES)
def test_steady_state_secretion_equals_decay_plus_outflow(boundary):
    field = _field(boundary=boundary)
    field.set_geometry(_porous_marrow((60, 40), seed=3))
    secretion = _sources_in_marrow(field, np.random.default_rng(4))
    field.solve_steady(secretion)
    decay, outflow = field.loss_rates()
    assert secretion.sum() == pytest.approx(decay + outflow, rel=1e-9)
    assert (outflow > 0) == (boundary == "absorbing")


def test_steady_state_is_where_stepping_settles():
    field = _field(boundary="absorbing")
    secretion = _sources_in_marrow(field, np.random.default_rng(5))
    field.solve_steady(secretion)
    steady = field.concentration.copy()
    field.concentration[:] = 0.0
    for _ in range(60):  # 60 h ≫ 1/k = 2.4 h
        field.step(secretion, 1.0)
    np.testing.assert_allclose(field.concentration, steady, rtol=1e-8, atol=1e-12 * steady.max())


# --- uptake by cells -------------------------------------------------------------------------


def _uniform_uptake(field: DiffusionField, clearance_pl_per_h: float) -> np.ndarray:
    """The same clearance (pL/h) in every voxel."""
    return np.full(field.shape, clearance_pl_per_h)


def test_steady_state_with_uniform_uptake_is_secretion_over_decay_plus_uptake():
    """Uniform secretion s and uptake u on a no-flux plane: c = s / (k + u) exactly."""
    field = _field()
    secretion = np.full(field.shape, 40.0)
    clearance = 3.0 * field.voxel_volume_pl  # u = 3 /h in fully open voxels
    field.solve_steady(secretion, _uniform_uptake(field, clearance))
    expected = field.source_rate(secretion) / (RANKL_DECAY_PER_H + 3.0)
    np.testing.assert_allclose(field.concentration, expected, rtol=1e-10)


def test_stepping_with_uptake_settles_on_the_exact_uniform_steady_state():
    """Each step is c' = (c + s Δt) / (1 + (k + u) Δt) in a uniform plane (the split divides the decay step's
    result by 1 + u Δt / (1 + k Δt)); its fixed point is the exact s / (k + u) for any uptake, even where
    k Δt is large (the loss of OPG, 1/h)."""
    for decay in (RANKL_DECAY_PER_H, 1.0):
        field = _field(decay=decay)
        secretion = np.full(field.shape, 40.0)
        s, dt = field.source_rate(secretion), 1.0
        for u in (0.3, 3.0, 300.0):
            field.concentration[:] = 0.0
            for _ in range(80):
                field.step(secretion, dt, _uniform_uptake(field, u * field.voxel_volume_pl))
            np.testing.assert_allclose(field.concentration, s / (decay + u), rtol=1e-9)


def test_uptake_removes_exactly_what_the_step_loses_beyond_decay_and_outflow():
    """Conservation with uptake: S·Δt = ΔAmount + (decay + outflow)·Δt + taken up, where the cells take up
    u Δt / (1 + k Δt) times what is left after the step, voxel by voxel, and nothing where they are not."""
    field = _field(boundary="absorbing")
    field.set_geometry(_porous_marrow((60, 40), seed=11))
    rng = np.random.default_rng(12)
    clearance = np.where(field.open & (rng.random(field.shape) < 0.1), 50.0, 0.0)
    to_molecules = field.voxel_volume_pl / PM_PER_MOLECULE_PER_PL
    for _ in range(5):
        secretion = _sources_in_marrow(field, rng)
        before = field.amount()
        untouched = field.concentration.copy()
        field.step(secretion, 1.0, clearance)
        after = field.concentration.copy()
        field.concentration[:] = untouched
        field.step(secretion, 1.0)
        decay, outflow = field.loss_rates()
        solved, plain = field.amount(), field.concentration.copy()
        field.concentration[:] = after
        share = field.uptake_rate(clearance) / (1.0 + field.decay_per_h)  # u Δt / (1 + k Δt), Δt = 1 h
        taken = float((after * field.porosity * share).sum()) * to_molecules
        assert secretion.sum() == pytest.approx(solved - before + decay + outflow, rel=1e-9)
        assert solved - field.amount() == pytest.approx(taken, rel=1e-9)
        assert np.array_equal(after[clearance == 0], plain[clearance == 0])
        assert np.all(after[clearance > 0] < plain[clearance > 0])
    assert np.all(field.concentration >= 0)


def test_uptake_is_zero_in_bone_and_scales_with_the_marrow_volume():
    field = _field(voxel_sites=2)
    marrow = np.ones((60, 40), dtype=bool)
    marrow[:2, :2] = False  # one voxel all bone
    marrow[2:4, :1] = False  # one voxel half bone
    field.set_geometry(marrow)
    rate = field.uptake_rate(np.full(field.shape, 8.0))
    assert rate[0, 0] == 0.0
    assert rate[1, 0] == pytest.approx(2 * rate[5, 5])
    assert rate[5, 5] == pytest.approx(8.0 / field.voxel_volume_pl)


# --- bone ----------------------------------------------------------------------------------


@pytest.mark.parametrize("voxel_sites", [1, 2])
def test_bone_wall_blocks_diffusion_completely(voxel_sites):
    """A full column of bone: a source on the left leaves the right side at exactly zero, the wall too."""
    shape = (40, 20)
    marrow = np.ones(shape, dtype=bool)
    marrow[20:22, :] = False  # two sites: whole voxels for both voxel sizes
    field = _field(shape=shape, voxel_sites=voxel_sites)
    field.set_geometry(marrow)
    secretion = np.zeros(field.shape)
    secretion[2 // voxel_sites, 5 // voxel_sites] = 1e4
    wall = 20 // voxel_sites
    right = 22 // voxel_sites

    field.solve_steady(secretion)
    assert field.concentration[:wall].min() > 0
    assert np.all(field.concentration[wall:] == 0.0)
    for _ in range(5):
        field.step(secretion, 1.0)
        assert np.all(field.concentration[wall:right] == 0.0)
        assert np.all(field.concentration[right:] == 0.0)


def test_no_molecules_leak_into_bone_or_vanish_at_partly_bony_voxels():
    """Without decay and with a no-flux edge, the amount secreted stays in the marrow, whatever the porosity."""
    shape = (60, 40)
    marrow = _porous_marrow(shape, seed=6)
    field = _field(shape=shape, decay=0.0)
    field.set_geometry(marrow)
    assert not field.open.all()
    assert ((field.porosity > 0) & (field.porosity < 1)).any()
    secretion = _sources_in_marrow(field, np.random.default_rng(7))
    field.step(secretion, 1.0)
    pulse = secretion.sum()
    for _ in range(20):
        field.step(np.zeros(field.shape), 1.0)
        assert field.amount() == pytest.approx(pulse, rel=1e-10)
    assert np.all(field.concentration[~field.open] == 0.0)


def test_half_porous_marrow_holds_the_same_amount_at_twice_the_concentration():
    """Uniform porosity φ: the steady state is the open-medium one divided by φ (per marrow volume)."""
    shape = (60, 40)
    open_field = _field(shape=shape)
    secretion = _sources_in_marrow(open_field, np.random.default_rng(8))
    open_field.solve_steady(secretion)

    half = np.zeros(shape, dtype=bool)
    half[::2, :] = True  # every 2 x 2 voxel is half marrow
    porous_field = _field(shape=shape)
    porous_field.set_geometry(half)
    np.testing.assert_array_equal(porous_field.porosity, 0.5)
    porous_field.solve_steady(secretion)

    np.testing.assert_allclose(porous_field.concentration, 2 * open_field.concentration, rtol=1e-10)
    assert porous_field.amount() == pytest.approx(open_field.amount(), rel=1e-10)


# --- positivity and stability -----------------------------------------------------------


def test_concentration_never_goes_negative_under_random_secretion():
    """Random sources switching on and off for 200 h; the balance also holds, so no negative value was clipped."""
    field = _field(boundary="absorbing")
    field.set_geometry(_porous_marrow((60, 40), seed=9))
    rng = np.random.default_rng(10)
    for _ in range(200):
        secretion = _sources_in_marrow(field, rng, share=0.05) * (rng.random() < 0.5)
        before = field.amount()
        field.step(secretion, 1.0)
        assert field.concentration.min() >= 0.0
        decay, outflow = field.loss_rates()
        assert secretion.sum() == pytest.approx(field.amount() - before + decay + outflow, rel=1e-9, abs=1e-9)


def test_a_huge_time_step_lands_on_the_steady_state():
    """Δt = 1e6 h (k Δt ≈ 4e5): no blow-up; backward Euler goes straight to the steady state."""
    field = _field(boundary="absorbing")
    secretion = _sources_in_marrow(field, np.random.default_rng(11))
    field.solve_steady(secretion)
    steady = field.concentration.copy()
    field.concentration[:] = 0.0
    field.step(secretion, 1e6)
    assert np.all(np.isfinite(field.concentration))
    np.testing.assert_allclose(field.concentration, steady, rtol=1e-5)


@pytest.mark.parametrize("dt_h", [1.0, 1e6])
def test_fast_diffusion_on_fine_voxels_stays_bounded(dt_h):
    """D Δt/h² = 1e4 (and 1e10) where the explicit scheme needs ≤ 1/4: the peak only falls, by at least 1/(1 + kΔt)."""
    field = _field(shape=(40, 40), voxel_sites=1, diffusion=1.0, decay=0.347)
    field.set_geometry(_porous_marrow((40, 40), seed=12))
    assert field.diffusion_um2_per_h * dt_h / field.voxel_um**2 >= 1e4
    spike = np.zeros(field.shape)
    spike[np.unravel_index(np.argmax(field.open), field.shape)] = 1e3
    field.step(spike, 1.0)
    for _ in range(5):
        peak, amount = field.concentration.max(), field.amount()
        field.step(np.zeros(field.shape), dt_h)
        assert np.all(np.isfinite(field.concentration))
        assert field.concentration.min() >= 0.0
        assert field.concentration.max() <= peak / (1 + field.decay_per_h * dt_h) * (1 + 1e-12)
        assert field.amount() <= amount


# --- grid convergence -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("with_bone", "max_bound", "rms_bound"),
    [
        (False, 0.013, 0.0032),  # measured max 0.85%, rms 0.21%
        (True, 0.050, 0.0036),  # measured max 3.3% (at bone surfaces), rms 0.24%
    ],
)
def test_coarse_voxels_agree_with_fine_ones(with_bone, max_bound, rms_bound):
    """RANKL from the same cells on 10 µm and 20 µm voxels, block-averaged over marrow, at steady state.

    2 x 2 mm, 5% of marrow sites secreting 130 molecules/h. Measured (seed 3):
    open marrow max pointwise relative difference 0.85%, rms 0.21% of the mean;
    trabecular bone (BV/TV 0.22) max 3.3%, rms 0.24%. The amounts agree to 1e-13
    (no-flux edge: amount = secretion / k on both grids).
    """
    shape = (200, 200)
    rng = np.random.default_rng(3)
    if with_bone:
        marrow = generate_trabecular_bone(shape, 0.22, 140.0, rng) < 0.5
    else:
        marrow = np.ones(shape, dtype=bool)
    cells = (rng.random(shape) < 0.05) & marrow
    fine_secretion = cells * 130.0

    fine = _field(shape=shape, voxel_sites=1)
    fine.set_geometry(marrow)
    fine.solve_steady(fine_secretion)
    coarse = _field(shape=shape, voxel_sites=2)
    coarse.set_geometry(marrow)
    coarse.solve_steady(fine_secretion.reshape(100, 2, 100, 2).sum(axis=(1, 3)))

    fine_on_coarse, count = _block_mean_over_marrow(fine.concentration, marrow, 2)
    open_ = count > 0
    np.testing.assert_array_equal(open_, coarse.open)
    ratio = coarse.concentration[open_] / fine_on_coarse[open_]
    rms = np.sqrt(np.mean((coarse.concentration[open_] - fine_on_coarse[open_]) ** 2)) / fine_on_coarse[open_].mean()
    assert np.abs(ratio - 1).max() < max_bound
    assert rms < rms_bound
    assert coarse.amount() == pytest.approx(fine.amount(), rel=1e-9)


# --- RANKL-OPG binding and RANK occupancy ----------------------------------------------

TOTALS_PM = np.concatenate([[0.0], np.logspace(-3, 6, 28)])
KDS_PM = [1.0, 29.0, 1000.0, 1e5]


def _exact_free_rankl(r: float, o: float, kd: float) -> Decimal:
    """The non-negative root of R_f² + (O - R + Kd) R_f - Kd R = 0, to 50 digits."""
    with localcontext() as ctx:
        ctx.prec = 50
        r_, o_, kd_ = Decimal(r), Decimal(o), Decimal(kd)
        b = r_ - o_ - kd_
        root = (b * b + 4 * kd_ * r_).sqrt()
        return (b + root) / 2 if b >= 0 else 2 * kd_ * r_ / (root - b)


@pytest.mark.parametrize("kd", KDS_PM)
def test_free_rankl_is_the_root_of_the_binding_quadratic(kd):
    """Totals 1e-3..1e6 pM (ratios up to 1e9 either way): relative error ≤ 1e-13 (measured 4e-16) vs 50 digits."""
    rankl, opg = np.meshgrid(TOTALS_PM, TOTALS_PM, indexing="ij")
    free = free_rankl(rankl, opg, kd)
    for r, o, f in zip(rankl.ravel(), opg.ravel(), free.ravel(), strict=True):
        exact = _exact_free_rankl(r, o, kd)
        if exact == 0:
            assert f == 0.0
        else:
            assert abs(Decimal(f) / exact - 1) < Decimal("1e-13"), (r, o, kd, f)


@pytest.mark.parametrize("kd", KDS_PM)
def test_free_rankl_satisfies_mass_action_and_conservation(kd):
    """R_f O_f / RO = Kd and O_f + RO = O define RO = O R_f/(Kd + R_f); then R_f + RO must equal R_total.

    Written this way (sums of positive terms) the check is well conditioned even
    where RO is a 1e-9 share of R_total; the direct differences are checked where
    they are well conditioned too.
    """
    rankl, opg = np.meshgrid(TOTALS_PM[1:], TOTALS_PM, indexing="ij")
    free = free_rankl(rankl, opg, kd)
    bound = opg * free / (kd + free)
    free_opg = opg * kd / (kd + free)
    np.testing.assert_allclose(free + bound, rankl, rtol=1e-14)
    np.testing.assert_allclose(free_opg + bound, opg, rtol=1e-14)
    np.testing.assert_allclose(free * free_opg, kd * bound, rtol=1e-14)
    balanced = (rankl / opg.clip(1e-300) < 1e3) & (rankl / opg.clip(1e-300) > 1e-3) & (bound > 1e-6 * rankl)
    assert balanced.sum() > 100
    direct_bound = rankl - free
    direct_free_opg = opg - direct_bound
    ratio = free[balanced] * direct_free_opg[balanced] / direct_bound[balanced]
    np.testing.assert_allclose(ratio, kd, rtol=1e-6)


def test_free_rankl_never_exceeds_the_total_and_is_never_negative():
    """Up to one rounding: with no or very little OPG the root can land 1 ulp above the total (measured 2.2e-16)."""
    rankl, opg = np.meshgrid(TOTALS_PM, TOTALS_PM, indexing="ij")
    for kd in KDS_PM:
        free = free_rankl(rankl, opg, kd)
        assert np.all(free >= 0)
        assert np.all(free <= rankl * (1 + 2 * np.finfo(float).eps))


def test_without_opg_all_rankl_is_free():
    rankl = TOTALS_PM
    for kd in KDS_PM:
        np.testing.assert_allclose(free_rankl(rankl, np.zeros_like(rankl), kd), rankl, rtol=1e-15, atol=0)


def test_more_opg_leaves_less_free_rankl():
    opg = np.concatenate([[0.0], np.logspace(-3, 6, 200)])
    for kd in KDS_PM:
        for total in (1e-2, 25.0, 1e3, 1e5):
            free = free_rankl(np.full_like(opg, total), opg, kd)
            assert np.all(np.diff(free) <= 0)
            assert free[-1] < free[0]


def test_rank_occupancy_is_a_share_between_zero_and_one():
    free = np.concatenate([[0.0], np.logspace(-6, 9, 100)])
    for kd in (0.1, 29.0, 1e4):
        occupancy = rank_occupancy(free, kd)
        assert np.all((occupancy >= 0) & (occupancy <= 1))
        assert np.all(np.diff(occupancy) >= 0)
        assert occupancy[0] == 0.0


@pytest.mark.parametrize("kd", [0.1, 29.0, 1e4])
def test_rank_is_half_occupied_when_free_rankl_equals_kd(kd):
    assert rank_occupancy(np.float64(kd), kd) == pytest.approx(0.5, rel=1e-15)


def test_fields_sharing_one_analysis_solve_exactly_as_with_their_own():
    """Fields of one voxel size with different diffusion, decay and steps share the ordering and elimination tree
    of their operators (OperatorPattern) and land on the same numbers as each with its own analysis."""
    marrow = _porous_marrow((60, 40), seed=5)
    porosity = voxel_porosity(marrow, 2)
    pattern = OperatorPattern(porosity > 0)
    rng = np.random.default_rng(5)
    for diffusion, decay, dt_h in ((0.036, 0.422, 1.0), (0.144, 1.0, 1.0), (0.01, 0.05, 0.25)):
        shared, own = _field(diffusion=diffusion, decay=decay), _field(diffusion=diffusion, decay=decay)
        shared.set_geometry(marrow, porosity, pattern)
        own.set_geometry(marrow)
        rate = _sources_in_marrow(own, rng)
        for _ in range(3):
            shared.step(rate, dt_h)
            own.step(rate, dt_h)
        np.testing.assert_array_equal(shared.concentration, own.concentration)


@pytest.mark.parametrize("boundary", BOUNDARIES)
def test_fields_with_proportional_operators_share_one_factor_and_solve_as_with_their_own(boundary):
    """Two fields whose hourly operators are multiples of each other (the same D/h² over 1/Δt + k, as APRIL's and
    RANKL's by default) are solved by one factor, two right-hand sides at once: within round-off of each solved
    with its own factor, with uptake; a third field with another ratio keeps its own factor, bit for bit."""
    marrow = _porous_marrow((60, 40), seed=7)
    porosity = voxel_porosity(marrow, 2)
    pattern = OperatorPattern(porosity > 0)
    decays = (0.422, 0.35, 1.0)
    diffusions = (0.0108, 0.0108 * (1 + 0.35) / (1 + 0.422), 0.144)
    together = [_field(diffusion=d, decay=k, boundary=boundary) for d, k in zip(diffusions, decays, strict=True)]
    alone = [_field(diffusion=d, decay=k, boundary=boundary) for d, k in zip(diffusions, decays, strict=True)]
    for field in together:
        field.set_geometry(marrow, porosity, pattern)
    for field in alone:
        field.set_geometry(marrow)
    assert together[0].shares_operator_with(together[1], 1.0)
    assert not together[0].shares_operator_with(together[2], 1.0)
    assert not together[0].shares_operator_with(alone[1], 1.0)  # another pattern: no shared unknowns
    assert not together[0].shares_operator_with(together[1], 0.5)  # the ratio holds for one step length only
    rng = np.random.default_rng(7)
    rates = [_sources_in_marrow(field, rng) for field in alone]
    clearance = [None, _uniform_uptake(alone[1], 2.0), None]
    for _ in range(4):
        step_fields(together, rates, 1.0, clearance)
        for field, rate, cleared in zip(alone, rates, clearance, strict=True):
            field.step(rate, 1.0, cleared)
    assert len(together[0]._solvers) == 1 and not together[1]._solvers  # the twin never factorised
    for shared, own in zip(together[:2], alone[:2], strict=True):
        assert shared.concentration.max() > 0
        np.testing.assert_allclose(shared.concentration, own.concentration, rtol=1e-12, atol=0)
    np.testing.assert_array_equal(together[2].concentration, alone[2].concentration)


def test_an_analysis_refuses_an_operator_of_another_geometry():
    marrow = _porous_marrow((60, 40), seed=5)
    pattern = OperatorPattern(voxel_porosity(marrow, 2) > 0)
    field = _field()
    field.set_geometry(marrow, pattern=pattern)
    field.step(_sources_in_marrow(field, np.random.default_rng(1)))
    other = _field()
    with pytest.raises(ValueError, match="pattern"):
        other.set_geometry(_porous_marrow((60, 40), seed=6), pattern=pattern)


def _reshaped(marrow: np.ndarray, seed: int) -> np.ndarray:
    """The marrow after a day of remodelling: a few bony voxels opened (one next to marrow), a few open ones closed."""
    rng = np.random.default_rng(seed)
    changed = marrow.copy()
    changed[12:14, 6:8] = True  # the corner of bone (x < 15, y < 10) loses a voxel of 20 µm at its edge
    for x, y in rng.integers(0, 30, (6, 2)):
        changed[2 * x : 2 * x + 2, 2 * y : 2 * y + 2] = rng.random() < 0.5
    return changed


def test_a_geometry_inherits_the_elimination_order_of_the_one_before():
    """The voxels still open keep the order the last factor eliminated them in, a newly opened voxel comes just
    before the first eliminated of its open neighbours, closed voxels are gone, and the solves agree with a fresh
    analysis's to round-off."""
    before, after = _porous_marrow((60, 40), seed=5), _reshaped(_porous_marrow((60, 40), seed=5), seed=2)
    first = OperatorPattern(voxel_porosity(before, 2) > 0)
    field = _field()
    field.set_geometry(before, pattern=first)
    field.step(_sources_in_marrow(field, np.random.default_rng(1)))
    eliminated = first.voxels[first._symbolic.P()]
    open_after = voxel_porosity(after, 2) > 0
    inherited = OperatorPattern(open_after, first)
    assert inherited.refreshes == 1
    assert sorted(inherited.voxels.tolist()) == np.flatnonzero(open_after).tolist()
    kept = eliminated[open_after.ravel()[eliminated]]
    new = np.setdiff1d(inherited.voxels, eliminated)
    assert new.size and np.array_equal(inherited.voxels[~np.isin(inherited.voxels, new)], kept)
    place = {v: i for i, v in enumerate(inherited.voxels.tolist())}
    height = open_after.shape[1]
    for v in new.tolist():
        x, y = divmod(v, height)
        around = [(x + dx) * height + y + dy for dx, dy in ((-1, 0), (0, -1), (0, 1), (1, 0))]
        old_neighbours = [u for u in around if u in place and u in set(kept.tolist())]
        if old_neighbours:
            first_eliminated = min(old_neighbours, key=place.get)
            assert place[v] < place[first_eliminated], "a new voxel comes before its first eliminated neighbour"
    rate = _sources_in_marrow(field, np.random.default_rng(2))
    inheriting, fresh = _field(), _field()
    inheriting.set_geometry(after, pattern=inherited)
    fresh.set_geometry(after)
    for _ in range(3):
        inheriting.step(rate)
        fresh.step(rate)
    np.testing.assert_allclose(inheriting.concentration, fresh.concentration, rtol=1e-12, atol=1e-300)
    assert fresh.concentration.max() > 0


def test_every_seventh_refresh_orders_afresh():
    marrow = _porous_marrow((60, 40), seed=5)
    pattern = OperatorPattern(voxel_porosity(marrow, 2) > 0)
    kinds = []
    for day in range(1, 2 * REORDER_EVERY + 1):
        field = _field()
        field.set_geometry(marrow, pattern=pattern)
        field.step(np.zeros(field.shape))
        kinds.append(pattern.refreshes)
        marrow = _reshaped(marrow, seed=day)
        pattern = OperatorPattern(voxel_porosity(marrow, 2) > 0, pattern)
    assert kinds == [0, 1, 2, 3, 4, 5, 6] * 2 and REORDER_EVERY == 7
    fresh = OperatorPattern(voxel_porosity(marrow, 2) > 0)
    assert np.array_equal(fresh.voxels, np.flatnonzero(voxel_porosity(marrow, 2) > 0)), "C order, for AMD"


# --- the signals registry (niche_abm.world.signals) ---------------------------------------------


def _signals(marrow: np.ndarray, **overrides):
    """Signals on a 40 x 40 grid with their default voxels (RANKL 20 µm, OPG and CCL3 40 µm) unless overridden."""
    params = build_parameters({"grid.width": marrow.shape[0], "grid.height": marrow.shape[1], **overrides})
    return Signals(params, marrow), params


def _secretion(sites_rates: dict) -> dict:
    """{signal: (flat sites, molecules/h per source)} in the form Signals.update takes."""
    return {name: [(np.array(sites), np.array(rates, dtype=float))] for name, (sites, rates) in sites_rates.items()}


def test_free_rankl_and_rank_occupancy_are_the_binding_of_the_rankl_and_opg_fields_on_their_own_voxels():
    """OPG (40 µm voxels) is read on the RANKL voxels (20 µm): each RANKL voxel takes the OPG voxel holding it."""
    marrow = np.ones((40, 40), dtype=bool)
    signals, params = _signals(marrow)
    signals.update(_secretion({"rankl": ([405, 1210], [5e3, 2e3]), "opg": ([820], [4e4])}), 1.0, steady=True)
    rankl, opg = signals.map("rankl"), signals.map("opg")
    expected = free_rankl(rankl, opg, params.binding.opg_rankl_kd_pm)
    np.testing.assert_allclose(signals.map("free_rankl"), expected, rtol=1e-12)
    np.testing.assert_allclose(
        signals.map("rank_occupancy"), rank_occupancy(expected, params.binding.rank_rankl_kd_pm), rtol=1e-12
    )
    assert np.ptp(opg[:4, :4]) == 0.0 and np.ptp(rankl[:2, :2]) == 0.0, "one value per voxel"


def test_a_rankl_sequestering_drug_scales_free_rankl_by_its_factor():
    marrow = np.ones((40, 40), dtype=bool)
    signals, _ = _signals(marrow)
    secretion = _secretion({"rankl": ([405], [5e3]), "opg": ([820], [1e4])})
    signals.update(secretion, 1.0, steady=True)
    untreated = signals.map("free_rankl")
    signals.update(secretion, 0.1, steady=True)
    np.testing.assert_allclose(signals.map("free_rankl"), 0.1 * untreated, rtol=1e-12)


def test_at_reads_each_marrow_site_from_its_voxel_and_each_bone_site_from_the_nearest_marrow_site():
    marrow = np.ones((40, 40), dtype=bool)
    marrow[:10, :] = False
    signals, _ = _signals(marrow)
    signals.update(_secretion({"ccl3": ([15 * 40 + 20], [1e4]), "rankl": ([15 * 40 + 20], [1e4])}), 1.0, steady=True)
    sites = np.arange(40 * 40)
    y = sites % 40
    for name in ("ccl3", "rankl", "free_rankl"):
        values = signals.map(name)
        sensed = signals.at(name, sites)
        np.testing.assert_array_equal(sensed[marrow.ravel()], values[marrow].ravel())
        np.testing.assert_array_equal(sensed[~marrow.ravel()], values[10, y[~marrow.ravel()]])


def test_marrow_mean_is_the_mean_of_the_site_map_over_the_marrow_bit_for_bit():
    marrow = np.random.default_rng(3).random((40, 40)) < 0.7
    signals, _ = _signals(marrow)
    signals.update(_secretion({"ccl3": ([615], [1e4]), "rankl": ([615, 900], [1e4, 3e3]), "opg": ([820], [4e4])}), 1.0)
    for name in ("ccl3", "rankl", "opg", "free_rankl", "rank_occupancy"):
        assert signals.marrow_mean(name, marrow) == float(signals.map(name)[marrow].mean())
    assert np.isnan(signals.marrow_mean("ccl3", np.zeros_like(marrow)))


def test_a_cell_on_bone_secretes_into_the_marrow_fluid_it_faces_and_none_of_it_is_lost():
    """A bone-side cell in a voxel with no marrow (x = 0..7 is bone: two whole OPG voxels of 40 µm) secretes into
    the voxel it senses, its nearest marrow site's, so the field holds exactly what every cell secreted."""
    marrow = np.ones((40, 40), dtype=bool)
    marrow[:8, :] = False
    signals, _ = _signals(marrow)
    on_bone, in_marrow = 2 * 40 + 20, 20 * 40 + 20  # sites (2, 20), inside a bone voxel, and (20, 20)
    rates = {"opg": ([on_bone, in_marrow], [3e4, 1e4]), "rankl": ([on_bone], [2e4])}
    signals.update(_secretion(rates), 1.0, steady=True)
    for name, (_, per_cell) in rates.items():
        field = signals.fields[name]
        decay, outflow = field.loss_rates()
        assert decay + outflow == pytest.approx(sum(per_cell), rel=1e-9), name
    opg = signals.map("opg")
    assert opg[8, 20] > opg[8, 36] > 0.0, "the bone-side source feeds the marrow next to it"


def test_cells_that_clear_nothing_change_nothing_and_cells_that_clear_take_the_signal_up():
    """Uptake sources whose cells all clear 0 pL/h are skipped: the hour is the same as with no uptake at all, and
    alongside cells that do clear, the same as with those alone (which lower the signal where they sit)."""
    marrow = np.ones((40, 40), dtype=bool)
    secretion = _secretion({"opg": ([820], [4e4])})
    idle = (np.array([100, 900]), np.zeros(2))
    clearing = (np.array([830, 1230]), np.array([50.0, 80.0]))
    runs = {}
    for label, uptake in (
        ("none", None),
        ("idle", {"opg": [idle]}),
        ("clearing", {"opg": [clearing]}),
        ("idle and clearing", {"opg": [idle, clearing]}),
    ):
        signals, _ = _signals(marrow)
        for _ in range(3):
            signals.update(secretion, 1.0, uptake=uptake)
        runs[label] = signals.map("opg")
    np.testing.assert_array_equal(runs["idle"], runs["none"])
    np.testing.assert_array_equal(runs["idle and clearing"], runs["clearing"])
    assert runs["clearing"][20, 30] < runs["none"][20, 30], "the clearing cells take OPG up where they sit"
