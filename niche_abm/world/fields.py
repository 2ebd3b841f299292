"""Soluble signals as reaction-diffusion fields on voxel grids, cellular uptake, and RANKL-OPG binding.

Each field lives on its own voxel grid, a whole number of 10 µm sites per voxel
edge (BioFVM-style coarsening). Bone is impermeable: a voxel's porosity φ is the
share of its sites that are marrow, diffusion between two voxels passes through
the smaller of their porosities, and a voxel with no marrow is not part of the
system (no flux into bone).

Method: finite volumes, backward (implicit) Euler in time,

    φ_i (c_i' - c_i)/Δt = s_i - k φ_i c_i' - Σ_j (D/h²) min(φ_i, φ_j) (c_i' - c_j') - b_i c_i',

with s_i the secretion into voxel i (pM/h of voxel volume), h the voxel edge
and b_i = (D/h²) φ_i on the outer edge when it is absorbing (c = 0 one voxel
beyond the edge), 0 when it is no-flux. The matrix is symmetric positive
definite for any Δt, so the scheme is unconditionally stable (the explicit
stencil would need D Δt/h² ≤ 1/4, i.e. Δt of seconds). It is factorised once
(LDLᵀ by CHOLMOD's simplicial method, through scikit-sparse, on an
approximate-minimum-degree ordering) and re-used every step until the bone
geometry is refreshed; each solve runs in :mod:`niche_abm.world.factor_solve`
(CHOLMOD's solve compiled to run outside the GIL, the same to the bit). The
ordering and the elimination tree depend only on which voxels are open, not on
the field's diffusion, decay or time step, so the fields of one voxel size
share that symbolic analysis (:class:`OperatorPattern`) and each computes only
its numeric factor; a refresh inherits the elimination order of the geometry
before it, so only one refresh in :data:`REORDER_EVERY` orders afresh. Measured on the operators of the
mm_advanced marrow as built at 1,000 x 1,000 sites (RANKL's 20 µm voxels, 199,701
open; OPG's 40 µm voxels, 52,269 open): the analysis takes 69 and 19 ms, a
numeric factor 60 and 10.5 ms, a solve 4.2 and 1.0 ms. QDLDL (the qdldl
package, the solver before 2026-12-02) orders and factors in one call that
cannot share its ordering: 176 and 37.5 ms a factorisation, 5.7 and 1.15 ms a
solve; SuperLU's LU (symmetric mode) is slower again, and CHOLMOD's supernodal
method took 3x longer than its simplicial one to factor and solve these
operators, METIS ordering 7x longer than AMD to analyse. Solutions agree to a
few 1e-15 relative. Keeping a margin of closed voxels in the system as
decoupled rows, so that a daily refresh could keep its analysis, was measured
(with QDLDL) and not kept: the margin's explicit zero faces made the solves
15-60% slower, more than the cheaper refreshes saved.
With Δt → ∞ the same matrix gives the quasi-steady state.

Uptake by cells (a cell clearing a volume Q of fluid per hour, pL/h) is a loss
rate u_i = Q_i / (φ_i V) in voxel i that moves with the cells, so it is not put
into the factorised matrix: each step divides the solved concentration by
1 + u_i Δt / (1 + k Δt) (backward Euler for the uptake, split from
diffusion-decay, with the step's own decay factor taken out). In a uniform
plane the split step then settles exactly at s / (k + u) for any uptake and
time step; dividing by 1 + u_i Δt instead would settle at s / (k + u + k u Δt),
up to k Δt / (1 + k Δt) low (50% for OPG's loss of 1/h), and dividing by
exp(u_i Δt) would strip each step's secretion before it spreads (88% low at
u Δt = 3). The steady state includes the uptake in the matrix exactly (one
solve, not factorised).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from functools import partial

import numpy as np
import scipy.sparse as sparse
import scipy.sparse.linalg as sparse_linalg
from sksparse.cholmod import Factor, analyze

from niche_abm.units import PM_PER_MOLECULE_PER_PL, SECTION_UM, SITE_UM
from niche_abm.world import kernels
from niche_abm.world.cholmod import factorise
from niche_abm.world.factor_solve import FactorSolve, in_background, in_order


def voxel_porosity(marrow: np.ndarray, voxel_sites: int) -> np.ndarray:
    """Marrow share (0..1) of each voxel of voxel_sites x voxel_sites sites (read-only; compiled,
    :func:`niche_abm.world.kernels.marrow_share`)."""
    porosity = kernels.marrow_share(np.ascontiguousarray(marrow, dtype=np.bool_), int(voxel_sites))
    porosity.flags.writeable = False
    return porosity


REORDER_EVERY = 7
"""A pattern that follows an earlier geometry keeps its elimination order (:class:`OperatorPattern`) for up to
REORDER_EVERY - 1 refreshes in a row; the next orders afresh (AMD). Measured on the benchmark marrow (mm_advanced,
200 x 200 sites, nine daily refreshes; 0-4 voxels opened a day): the inherited order's factor held 0.8% fewer to
1.3% more non-zeros than a fresh AMD order's, and its analysis took 1.9 against 7.5 ms (20 µm voxels) and 0.55
against 2.1 ms (40 µm)."""


class OperatorPattern:
    """The unknowns of the diffusion operators on one porous voxel geometry and their symbolic analysis (CHOLMOD,
    simplicial LDLᵀ), shared by every field on those voxels: the operators' non-zeros depend only on which voxels
    are open and which of them touch, whatever a field's diffusion, decay or time step.

    The unknowns are the open voxels, numbered in :attr:`voxels`. A pattern of its own numbers them in C order and
    CHOLMOD orders them by approximate minimum degree (AMD), the costly part of an analysis. A pattern that follows
    the one before it (``previous``, the geometry of the last refresh) numbers them in the order that pattern's
    factor eliminated its voxels: the voxels still open keep their order, a newly opened voxel goes just before
    the first eliminated of its open neighbours (its elimination then joins voxels that are already joined), and
    CHOLMOD only postorders them (natural ordering). The bone changes a few voxels a day, so the inherited order
    stays as sparse as a fresh one (:data:`REORDER_EVERY`). Made from the first operator factorised; each later one
    must have the same non-zeros.

    Args:
        open_: which voxels [x, y] hold marrow.
        previous: the pattern of the geometry before this one, or None.
    """

    def __init__(self, open_: np.ndarray, previous: OperatorPattern | None = None) -> None:
        inherits = previous is not None and previous.refreshes + 1 < REORDER_EVERY
        self.refreshes = previous.refreshes + 1 if inherits else 0
        """How many refreshes in a row have kept an inherited order (0: this pattern orders afresh)."""
        self.voxels = previous._next_order(open_) if inherits else np.flatnonzero(open_)
        """The flat voxel of each unknown."""
        self._symbolic: Factor | None = None
        self._indptr: np.ndarray | None = None
        self._indices: np.ndarray | None = None

    def factorise(self, operator: sparse.csc_matrix) -> Factor:
        """The LDLᵀ factor of a symmetric positive definite operator with this geometry's non-zeros."""
        if self._symbolic is None:
            ordering = "natural" if self.refreshes else "amd"
            self._symbolic = analyze(operator, mode="simplicial", ordering_method=ordering)
            self._indptr, self._indices = operator.indptr.copy(), operator.indices.copy()
        elif not (np.array_equal(operator.indptr, self._indptr) and np.array_equal(operator.indices, self._indices)):
            raise ValueError("operator pattern differs from the geometry's analysis; refresh the geometry first")
        return factorise(self._symbolic, operator)

    def _next_order(self, open_: np.ndarray) -> np.ndarray:
        """The flat open voxels of a new geometry in this pattern's elimination order, newly opened ones inserted
        (as the class says); this pattern's own numbering if it was never analysed."""
        order = self.voxels if self._symbolic is None else self.voxels[self._symbolic.P()]
        flat_open = open_.ravel()
        position = np.full(open_.size, np.inf)
        position[order] = np.arange(order.size, dtype=float)
        new = np.flatnonzero(flat_open & np.isinf(position))
        if new.size:
            width, height = open_.shape
            x, y = np.divmod(new, height)
            earliest = np.full(new.size, np.inf)
            for dx, dy in ((-1, 0), (0, -1), (0, 1), (1, 0)):
                nx, ny = x + dx, y + dy
                inside = (nx >= 0) & (nx < width) & (ny >= 0) & (ny < height)
                neighbour = np.where(inside, nx * height + ny, 0)
                ordered = inside & flat_open[neighbour]
                earliest = np.minimum(earliest, np.where(ordered, position[neighbour], np.inf))
            position[new] = earliest - 0.5  # before that neighbour (inf: after every ordered voxel)
        voxels = np.concatenate([order[flat_open[order]], new])
        return voxels[np.argsort(position[voxels], kind="stable")]


class DiffusionField:
    """One diffusing, decaying signal on a coarse voxel grid, concentration in pM.

    Args:
        name: signal name, for messages.
        grid_shape: (width, height) of the cell grid, sites.
        voxel_sites: voxel edge in sites (1 = 10 µm).
        diffusion_mm2_per_h: diffusion coefficient, mm²/h.
        decay_per_h: first-order decay rate, /h.
        outer_boundary: "no_flux" or "absorbing".
    """

    def __init__(
        self,
        name: str,
        grid_shape: tuple[int, int],
        voxel_sites: int,
        diffusion_mm2_per_h: float,
        decay_per_h: float,
        outer_boundary: str = "no_flux",
    ):
        self.name = name
        self.voxel_sites = voxel_sites
        self.shape = (grid_shape[0] // voxel_sites, grid_shape[1] // voxel_sites)
        self.voxel_um = voxel_sites * SITE_UM
        self.voxel_volume_pl = self.voxel_um**2 * SECTION_UM * 1e-3
        self.diffusion_um2_per_h = diffusion_mm2_per_h * 1e6
        self.decay_per_h = decay_per_h
        self.outer_boundary = outer_boundary
        self.concentration = np.zeros(self.shape)
        self.porosity = np.ones(self.shape)
        self._solvers: dict[float, Future] = {}
        self._boundary = None
        self.set_geometry(np.ones(grid_shape, dtype=bool))

    @property
    def diffusion_length_um(self) -> float:
        """λ = sqrt(D/k), µm: the distance over which a point source falls by e (far field)."""
        return float(np.sqrt(self.diffusion_um2_per_h / self.decay_per_h))

    def set_geometry(
        self, marrow: np.ndarray, porosity: np.ndarray | None = None, pattern: OperatorPattern | None = None
    ) -> None:
        """Rebuild the operator for a new marrow mask (sites, True = marrow). Shared by the fields of one voxel
        size, if given: `porosity`, :func:`voxel_porosity` of that mask on this field's voxels, and `pattern`, the
        unknowns and symbolic analysis of their operators (a new one for this geometry, made from `porosity` > 0).
        """
        if porosity is None:
            porosity = voxel_porosity(marrow, self.voxel_sites)
        self.porosity = porosity
        self.open = porosity > 0
        self._pattern = pattern if pattern is not None else OperatorPattern(self.open)
        voxels = self._pattern.voxels
        if voxels.size != int(self.open.sum()) or not self.open.ravel()[voxels].all():
            raise ValueError("the pattern's unknowns are not this geometry's open voxels; make one for this geometry")
        self._open_voxels = voxels
        self._open_porosity = porosity.ravel()[voxels]
        self._boundary = self._boundary_rates()
        self.wait_for_factors()
        self._solvers = {}
        self.concentration[~self.open] = 0.0

    def _boundary_rates(self) -> np.ndarray:
        """The loss rate (per hour) of each unknown through the outer edge: (D/h²) φ per absorbing edge face."""
        g = self.diffusion_um2_per_h / self.voxel_um**2
        edge_faces = np.zeros(self.shape)
        if self.outer_boundary == "absorbing":
            edge_faces[0, :] += 1
            edge_faces[-1, :] += 1
            edge_faces[:, 0] += 1
            edge_faces[:, -1] += 1
        return (g * self.porosity * edge_faces).ravel()[self._open_voxels]

    def _operator(self, diagonal: np.ndarray) -> sparse.csc_matrix:
        """The diffusive exchange matrix over the unknowns (per hour, between neighbours through the smaller of
        their porosities) plus a diagonal of loss rates (per hour, one per unknown), CSC."""
        g = self.diffusion_um2_per_h / self.voxel_um**2
        n = diagonal.size
        arrays = kernels.diffusion_operator(self.porosity, self._open_voxels, g, diagonal)
        return sparse.csc_matrix(arrays, shape=(n, n))

    def prepare(self, dt_h: float) -> Future:
        """Factorise the operator of a time step of dt_h hours, on the background thread where factorisations run
        outside the GIL (:func:`niche_abm.world.factor_solve.in_order`): the factor to come, kept until the geometry
        changes."""
        if dt_h not in self._solvers:
            self._solvers[dt_h] = in_order(self._factorise, dt_h)
        return self._solvers[dt_h]

    def _solver(self, dt_h: float) -> FactorSolve:
        """The factorised operator of a time step of dt_h hours (:meth:`prepare`), waited for."""
        return self.prepare(dt_h).result()

    def wait_for_factors(self) -> None:
        """Wait until every factorisation asked for on this geometry (:meth:`prepare`) is made."""
        for factor in self._solvers.values():
            factor.result()

    def _factorise(self, dt_h: float) -> FactorSolve:
        """The operator of a time step of dt_h hours (∞ = steady state), factorised (LDLᵀ, on the shared analysis)."""
        phi = self._open_porosity
        storage = phi / dt_h if np.isfinite(dt_h) else 0.0
        diagonal = storage + self.decay_per_h * phi + self._boundary
        return FactorSolve(self._pattern.factorise(self._operator(diagonal)))

    def source_rate(self, molecules_per_h: np.ndarray) -> np.ndarray:
        """Secretion per voxel (molecules/h) as a rate of concentration over the voxel volume, pM/h."""
        return molecules_per_h * PM_PER_MOLECULE_PER_PL / self.voxel_volume_pl

    def step(
        self, molecules_per_h: np.ndarray, dt_h: float = 1.0, clearance_pl_per_h: np.ndarray | None = None
    ) -> None:
        """Advance by dt_h hours with the given secretion per voxel (molecules/h).

        clearance_pl_per_h: fluid volume per voxel that cells clear of the signal, pL/h (None = no uptake). It
        acts after the diffusion-decay solve as a backward-Euler loss over the step, c / (1 + u Δt / (1 + k Δt))
        with u = clearance / (φ V) and k the decay (operator splitting, first order in Δt, positive and stable
        for any uptake, exact at a uniform steady state; the factorised operator stays valid while cells move).
        """
        step_fields([self], [molecules_per_h], dt_h, [clearance_pl_per_h])

    def _retention_rate(self, dt_h: float) -> float:
        """a, per hour: the operator of a dt_h-hour step is a φ on the diagonal plus g = D/h² times the exchange
        between voxels and through the outer edge, with a = 1/Δt + k (k alone at Δt = ∞)."""
        return (1.0 / dt_h if math.isfinite(dt_h) else 0.0) + self.decay_per_h

    def shares_operator_with(self, other: DiffusionField, dt_h: float) -> bool:
        """Whether the other field's operator of a dt_h-hour step is a multiple of this one's, so that one factor
        solves both: the same unknowns and porosity (one :class:`OperatorPattern`), the same outer edge, and the
        same g / a (:meth:`_retention_rate`) to 1e-12 relative, a difference that moves a solution by round-off."""
        ratio = self.diffusion_um2_per_h / self.voxel_um**2 / self._retention_rate(dt_h)
        other_ratio = other.diffusion_um2_per_h / other.voxel_um**2 / other._retention_rate(dt_h)
        return (
            other._pattern is self._pattern
            and other.porosity is self.porosity
            and other.outer_boundary == self.outer_boundary
            and math.isclose(ratio, other_ratio, rel_tol=1e-12)
        )

    def _rhs(self, molecules_per_h: np.ndarray, dt_h: float) -> np.ndarray:
        """The right-hand side of a dt_h-hour step over the unknowns (:func:`niche_abm.world.kernels.implicit_rhs`)."""
        return kernels.implicit_rhs(
            self.concentration.ravel(),
            molecules_per_h.ravel(),
            self._open_voxels,
            self._open_porosity,
            dt_h,
            PM_PER_MOLECULE_PER_PL,
            self.voxel_volume_pl,
        )

    def _store(self, solution: np.ndarray, dt_h: float, clearance_pl_per_h: np.ndarray | None) -> None:
        """Keep a step's solution over the unknowns (negatives as 0), then the uptake of the step (:meth:`step`)."""
        c, voxels = self.concentration.ravel(), self._open_voxels
        kernels.store_nonnegative(solution, voxels, c)
        if clearance_pl_per_h is not None:
            uptake = self.uptake_rate(clearance_pl_per_h).ravel()[voxels]
            c[voxels] /= 1.0 + dt_h * uptake / (1.0 + dt_h * self.decay_per_h)

    def solve_steady(self, molecules_per_h: np.ndarray, clearance_pl_per_h: np.ndarray | None = None) -> None:
        """Set the concentration to the steady state of a constant secretion (molecules/h per voxel) and uptake
        (pL/h per voxel; None = no uptake), the uptake solved exactly with the operator (a one-off solve)."""
        voxels = self._open_voxels
        rhs = self.source_rate(molecules_per_h).ravel()[voxels]
        if not rhs.size:
            return  # solid bone: no marrow fluid to hold the signal
        if clearance_pl_per_h is None or not np.any(clearance_pl_per_h):
            solved = in_order(self._factorise, np.inf).result().solve(rhs)  # a one-off, not kept (128 MB at 1,000²)
        else:
            phi = self._open_porosity
            loss = self.decay_per_h * phi + self._boundary + phi * self.uptake_rate(clearance_pl_per_h).ravel()[voxels]
            solved = sparse_linalg.spsolve(self._operator(loss), rhs)
        self.concentration.ravel()[voxels] = np.maximum(solved, 0.0)

    def uptake_rate(self, clearance_pl_per_h: np.ndarray) -> np.ndarray:
        """First-order loss rate, /h, of each voxel's signal to the cells clearing it: clearance / marrow volume
        (0 in voxels with no marrow)."""
        marrow_pl = self.porosity * self.voxel_volume_pl
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(marrow_pl > 0, clearance_pl_per_h / marrow_pl, 0.0)

    def amount(self) -> float:
        """Molecules held in the field (concentration times marrow volume)."""
        pm_volume = float((self.concentration * self.porosity).sum()) * self.voxel_volume_pl
        return pm_volume / PM_PER_MOLECULE_PER_PL

    def loss_rates(self) -> tuple[float, float]:
        """(decay, outflow through the outer edge), molecules/h, at the current concentration."""
        c = self.concentration.ravel()[self._open_voxels]
        to_molecules = self.voxel_volume_pl / PM_PER_MOLECULE_PER_PL
        decay = self.decay_per_h * float((self._open_porosity * c).sum()) * to_molecules
        outflow = float((self._boundary * c).sum()) * to_molecules
        return decay, outflow

    def voxel_of(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Voxel indices of the sites (x, y)."""
        return x // self.voxel_sites, y // self.voxel_sites

    def at_sites(self) -> np.ndarray:
        """The concentration resampled to the site grid (each site takes its voxel's value), pM."""
        f = self.voxel_sites
        return np.repeat(np.repeat(self.concentration, f, axis=0), f, axis=1)


def operator_groups(fields: Sequence[DiffusionField], dt_h: float) -> list[list[int]]:
    """The fields (by index) in groups whose operators of a dt_h-hour step are multiples of the group's first one's
    (:meth:`DiffusionField.shares_operator_with`), in the fields' order; valid until a field's geometry changes."""
    groups: list[list[int]] = []
    for i, field in enumerate(fields):
        for group in groups:
            if fields[group[0]].shares_operator_with(field, dt_h):
                group.append(i)
                break
        else:
            groups.append([i])
    return groups


def step_fields(
    fields: Sequence[DiffusionField],
    molecules_per_h: Sequence[np.ndarray],
    dt_h: float,
    clearance_pl_per_h: Sequence[np.ndarray | None],
    groups: list[list[int]] | None = None,
    aside: Sequence[int] = (),
) -> dict[int, Callable[[], None]]:
    """Advance several fields by dt_h hours (each with its secretion per voxel, molecules/h, and clearance, pL/h or
    None, as :meth:`DiffusionField.step`). Fields whose operators are multiples of one another
    (:func:`operator_groups`, or the `groups` already found for these fields and step) are solved together: the
    first one's factor takes their right-hand sides as the columns of one solve, each divided by its operator's
    multiple, so the factor is computed once a geometry and read from memory once a step (on the benchmark marrow,
    200 x 200 sites, two columns took 0.32 ms against 0.24 ms for one).

    aside: fields (by index) to solve on the background thread (:func:`niche_abm.world.factor_solve.in_background`),
    one column at a time in this order (handed over before this thread solves the others and goes on); a group is
    set aside when every field of it is listed (a column solved alone is the same to the bit as in the group's
    solve). Returns, for each field set aside, the call that waits until its solve is stored (on the background
    thread, uptake included); until it returns, that field's concentrations are being replaced: read them after."""
    if groups is None:
        groups = operator_groups(fields, dt_h)
    group_of = {i: group for group in groups for i in group if fields[group[0]]._open_voxels.size}
    set_aside = [i for i in aside if i in group_of and all(j in aside for j in group_of[i])]
    later: dict[int, Callable[[], None]] = {}
    for i in set_aside:
        lead = fields[group_of[i][0]]
        scale = _scale(lead, fields[i], dt_h)
        stored = in_background(
            _solve_and_store, lead.prepare(dt_h), fields[i], molecules_per_h[i], dt_h, scale, clearance_pl_per_h[i]
        )
        later[i] = stored.result
    for group in groups:
        lead = fields[group[0]]
        if group[0] in set_aside or not lead._open_voxels.size:
            continue  # set aside, or solid bone (no marrow fluid to hold the signal)
        columns = [_column(fields[i], molecules_per_h[i], dt_h, _scale(lead, fields[i], dt_h)) for i in group]
        members = [(fields[i], clearance_pl_per_h[i]) for i in group]
        rhs = columns[0] if len(group) == 1 else np.column_stack(columns)
        _store_group(members, partial(lead._solver(dt_h).solve, rhs), dt_h)
    return later


def _scale(lead: DiffusionField, field: DiffusionField, dt_h: float) -> float | None:
    """The multiple of a field's operator of a dt_h-hour step that its group's lead's operator is (None: the lead)."""
    return None if field is lead else lead._retention_rate(dt_h) / field._retention_rate(dt_h)


def _column(field: DiffusionField, molecules_per_h: np.ndarray, dt_h: float, scale: float | None) -> np.ndarray:
    """A field's right-hand side of a dt_h-hour step (:meth:`DiffusionField._rhs`), times its operator's multiple
    of its group's factor's operator (None: the factor's own field)."""
    rhs = field._rhs(molecules_per_h, dt_h)
    return rhs if scale is None else rhs * scale


def _solve_and_store(
    factor: Future,
    field: DiffusionField,
    molecules_per_h: np.ndarray,
    dt_h: float,
    scale: float | None,
    clearance_pl_per_h: np.ndarray | None,
) -> None:
    """A field's step solved with its group's factor asked for before (:func:`_column`) and stored with its uptake
    (:meth:`DiffusionField._store`), on the background thread, where the factor was queued first (or made)."""
    field._store(factor.result().solve(_column(field, molecules_per_h, dt_h, scale)), dt_h, clearance_pl_per_h)


def _store_group(
    members: list[tuple[DiffusionField, np.ndarray | None]], solve: Callable[[], np.ndarray], dt_h: float
) -> None:
    """Store a solve (one column per member field, in order) with each member's clearance."""
    solved = solve()
    for column, (field, clearance) in enumerate(members):
        field._store(solved if solved.ndim == 1 else solved[:, column], dt_h, clearance)


def free_rankl(total_rankl: np.ndarray, total_opg: np.ndarray, kd: float) -> np.ndarray:
    """Free RANKL at equilibrium with its decoy receptor OPG, pM.

    R + O <-> RO with Kd = R_free O_free / RO. Conservation gives the quadratic
    R_f² + (O - R + Kd) R_f - Kd R = 0, whose non-negative root is
    R_f = (b + sqrt(b² + 4 Kd R)) / 2 with b = R - O - Kd. For b < 0 the same root
    is written 2 Kd R / (sqrt(b² + 4 Kd R) - b) to avoid cancellation. Compiled
    (:func:`niche_abm.world.kernels.free_rankl`), the same arithmetic element by element.
    """
    r, o = np.broadcast_arrays(np.asarray(total_rankl, dtype=float), np.asarray(total_opg, dtype=float))
    return kernels.free_rankl(r.ravel(), o.ravel(), float(kd)).reshape(r.shape)


def rank_occupancy(free_rankl_pm: np.ndarray, kd_pm: float) -> np.ndarray:
    """Share of RANK on a precursor bound by free RANKL (0..1): R_f / (R_f + Kd)."""
    return free_rankl_pm / (free_rankl_pm + kd_pm)
