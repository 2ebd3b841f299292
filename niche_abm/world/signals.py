"""Soluble signals: a registry of diffusing fields, declared once, and RANKL–OPG–RANK binding.

A signal is declared once in :data:`SIGNALS` (name, label, molecular mass); its
diffusion coefficient, decay rate and voxel size are the parameter rows
``<name>.diffusion_mm2_per_h``, ``<name>.decay_per_h`` and ``<name>.voxel_um``.
Which cells secrete it, at what rate, and which take it up, each cell kind
declares in its own module (``secretes`` and ``takes_up`` in
:mod:`niche_abm.cells.kind`). Adding a soluble factor is one entry here, its
three parameter rows and the secreting cell's declaration.

Each field is solved by :class:`niche_abm.world.fields.DiffusionField` (implicit
finite volumes on its own voxel grid, bone impermeable). RANKL binds its decoy
receptor OPG at equilibrium (exact quadratic); free RANKL occupies RANK on
osteoclast-lineage cells. Cells read a field at their own site; a cell on the
bone side of the surface reads it at the nearest marrow site, the fluid its
membrane faces, and secretes into (and clears) that same fluid, so no secretion
is lost in a voxel that holds no marrow. Both follow the marrow as the solver's
geometry does, every ``fields.geometry_refresh_h`` hours (the error of that lag:
``python -m analysis.geometry_lag``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import ndimage

from niche_abm.params import Parameters
from niche_abm.units import SITE_UM
from niche_abm.world import kernels
from niche_abm.world.factor_solve import in_background
from niche_abm.world.fields import DiffusionField, OperatorPattern, operator_groups, step_fields, voxel_porosity


@dataclass(frozen=True)
class Signal:
    """One soluble factor.

    Args:
        name: the field's name and the group of its parameter rows.
        label: how a person names it.
        mass_kda: molecular mass, kDa (converts pM to pg/mL).
    """

    name: str
    label: str
    mass_kda: float


SIGNALS: tuple[Signal, ...] = (
    Signal("rankl", "RANKL", 60.0),  # soluble RANKL homotrimer, 3 x ~20 kDa (Lacey et al. 1998 Cell 93:165)
    Signal("opg", "OPG", 110.0),  # OPG disulfide-linked homodimer (Simonet et al. 1997 Cell 89:309)
    Signal("ccl3", "CCL3/MIP-1α", 7.8),  # monomer (Choi et al. 2000 Blood 96:671)
    Signal("dkk1", "DKK1", 35.0),  # secreted glycoprotein (Glinka et al. 1998 Nature 391:357)
    Signal("vegf", "VEGF-A", 45.0),  # VEGF165 homodimer (Ferrara et al. 2003 Nat Med 9:669)
    Signal("il6", "IL-6", 21.0),  # glycosylated monomer, 21-28 kDa (Hirano et al. 1986 Nature 324:73)
    Signal("april", "APRIL", 48.0),  # soluble homotrimer, 3 x ~16 kDa (Hahne et al. 1998 J Exp Med 188:1185)
)
BY_NAME: dict[str, Signal] = {s.name: s for s in SIGNALS}
FACTORS: tuple[str, ...] = tuple(s.name for s in SIGNALS if s.name not in ("rankl", "opg"))
"""The signals read on their own, as a marrow mean in pg/mL (RANKL and OPG are read bound to each other)."""

DERIVED = ("free_rankl", "rank_occupancy")
"""Quantities computed from the fields on the RANKL voxel grid: free RANKL (pM) and RANK occupancy (0..1)."""
BINDING = ("rankl", "opg", *DERIVED)
"""RANKL and OPG, and what is computed from them bound: reading any of them needs the binding of the step."""

SOLVED_ASIDE = ("april", "il6", "rankl", "opg")
"""The fields solved on the background thread, in this order: those the cells first read after the vessels and stroma
have stepped (CELL_KINDS's order: the myeloma cells read APRIL and IL-6, the osteoclast lineage RANKL and OPG bound),
so that their solves run while the main thread solves the fields the vessels and stroma read (CCL3, VEGF, and DKK1,
which holds back the stroma's maturing into osteoblasts) and steps those cells. A read waits only for what it needs
(:meth:`Signals.settle`)."""

BOUND = "binding"
"""What :meth:`Signals.settle` waits for when the binding of the step is made on the background thread."""

Secretion = Sequence[tuple[np.ndarray, np.ndarray]]
"""Sources of one signal: (flat sites, molecules/h per cell) pairs."""
Uptake = Sequence[tuple[np.ndarray, np.ndarray]]
"""Sinks of one signal: (flat sites, pL/h of marrow fluid each cell clears) pairs."""


class Signals:
    """The fields of every declared signal, their binding, and what cells sense.

    Args:
        params: validated parameters.
        marrow: marrow sites at the start (bool [x, y]).
    """

    def __init__(self, params: Parameters, marrow: np.ndarray):
        self.params = params
        self.shape = marrow.shape
        boundary = params.fields.outer_boundary
        self._fields = {
            s.name: DiffusionField(
                s.name,
                self.shape,
                int(params[f"{s.name}.voxel_um"] // SITE_UM),
                params[f"{s.name}.diffusion_mm2_per_h"],
                params[f"{s.name}.decay_per_h"],
                boundary,
            )
            for s in SIGNALS
        }
        self._geometry_age_h = 0
        self._derived: dict[str, np.ndarray] = {}
        self._pending: dict[str, Callable[[], None]] = {}
        """For each field whose solve of this step is on the background thread, the call that waits until it is
        stored, and under :data:`BOUND` the one that waits for the binding made there (:meth:`settle`)."""
        self._unbound: float | None = None
        """The drug's share of free RANKL to bind with here once RANKL and OPG are stored (None: bound, or binding on
        the background thread)."""
        self._voxel_of = {f: self._voxel_map(f) for f in sorted({field.voxel_sites for field in self._fields.values()})}
        self._opg_on_rankl = self._resampling(self._fields["opg"], self._fields["rankl"])
        self._patterns: dict[int, OperatorPattern] = {}
        """Per voxel size, the unknowns and analysis of the geometry now (the next refresh inherits its order)."""
        self._voxel_scratch = np.zeros(max(f.concentration.size for f in self._fields.values()))
        """Zeros, one per voxel of the finest field, for :func:`niche_abm.world.kernels.add_per_voxel`."""
        self._hourly_groups: list[list[int]] = []
        """The fields (by index) whose hourly operators share one factor, for each geometry
        (niche_abm.world.fields.step_fields)."""
        self._aside: list[int] = []
        """The fields (by index) solved on the background thread, in the order they are solved (:data:`SOLVED_ASIDE`);
        none when every field shares one factor."""
        self.follow_bone(marrow)

    @property
    def fields(self) -> dict[str, DiffusionField]:
        """Every signal's field by name, with this step's solves stored (:meth:`settle`)."""
        self._settled()
        return self._fields

    def _settled(self, name: str | None = None) -> None:
        """Settle what reading `name` needs (None: everything); a quick test when the step is settled."""
        if self._pending or self._unbound is not None:
            self.settle(name)

    @property
    def derived(self) -> dict[str, np.ndarray]:
        """Free RANKL (pM) and RANK occupancy (0..1) on the RANKL voxel grid, of this step (:meth:`settle`)."""
        self._settled()
        return self._derived

    # --- solving ---------------------------------------------------------------------------------
    def update(
        self,
        secretion: Mapping[str, Secretion],
        free_rankl_factor: float,
        steady: bool = False,
        uptake: Mapping[str, Uptake] | None = None,
    ) -> None:
        """Secrete, diffuse, decay and take up every field for one step (or to steady state); the solves set aside on
        the background thread and the binding are finished when first read (:meth:`settle`).

        Args:
            secretion: for each signal name, its sources (flat sites, molecules/h per cell).
            free_rankl_factor: share of free RANKL left unsequestered by drugs (1 = none given).
            steady: solve for the steady state of this secretion and uptake instead of one step.
            uptake: for each signal name, the cells that clear it (flat sites, pL/h per cell).
        """
        self._settled()
        uptake = uptake or {}
        voxels: dict[tuple[int, int], np.ndarray] = {}
        rates, clearances = [], []
        for name in self._fields:
            rates.append(self._per_voxel(name, secretion.get(name, ()), voxels))
            clearing = [(sites, per_cell) for sites, per_cell in uptake.get(name, ()) if per_cell.any()]
            clearances.append(self._per_voxel(name, clearing, voxels) if clearing else None)  # None: no uptake
        if steady:
            for field, rate, clearance in zip(self._fields.values(), rates, clearances, strict=True):
                field.solve_steady(rate, clearance)
        else:
            fields, names = list(self._fields.values()), list(self._fields)
            later = step_fields(fields, rates, 1.0, clearances, self._hourly_groups, self._aside)
            self._pending = {names[i]: finish for i, finish in later.items()}
        if all(name in self._pending for name in BINDING[:2]):  # both set aside: bound after them, on that thread
            self._pending[BOUND] = in_background(self._bind, free_rankl_factor).result
        else:
            self._unbound = free_rankl_factor

    def settle(self, name: str | None = None) -> None:
        """Finish the step's update for a read of `name` (None: everything): wait until the field's solve on the
        background thread is stored; for RANKL, OPG or their binding (:data:`DERIVED`), wait for both and for their
        binding to OPG and RANK (made there after them when both are set aside, else here once both are stored).
        Every read of the fields settles first, so a cell always senses this step's signals; the update returns
        before the solves of :data:`SOLVED_ASIDE` are done, and the cells that read other fields step meanwhile."""
        binding = name is None or name in BINDING
        for needed in list(self._pending) if name is None else ((*BINDING[:2], BOUND) if binding else (name,)):
            finish = self._pending.pop(needed, None)
            if finish is not None:
                finish()
        if binding and self._unbound is not None:
            free_rankl_factor, self._unbound = self._unbound, None
            self._bind(free_rankl_factor)

    def _per_voxel(
        self, name: str, sources: Secretion | Uptake, voxels: dict[tuple[int, int], np.ndarray]
    ) -> np.ndarray:
        """Per-cell amounts (flat sites, amount per cell) summed onto a field's voxels: each cell's onto the voxel
        it senses (:meth:`at`), so a cell on the bone side of the surface secretes into, and clears, the marrow
        fluid its membrane faces, and no secretion is lost in a voxel that holds no marrow.

        voxels: the sensed voxels of the cells looked up so far in this update, by (id of their sites array, voxel
        size): one kind lists its cells once for every signal it secretes, so the fields of one voxel size look
        them up once (at 1,000 x 1,000 sites the update took 0.80 of the time of a lookup per field and source)."""
        field = self._fields[name]
        total = np.zeros(field.shape[0] * field.shape[1])
        for sites, per_cell in sources:
            key = (id(sites), field.voxel_sites)
            if key not in voxels:
                voxels[key] = self._sensed_voxel[name][sites]
            kernels.add_per_voxel(voxels[key], per_cell, total, self._voxel_scratch)
        return total.reshape(field.shape)

    def _bind(self, free_rankl_factor: float) -> None:
        """Free RANKL (niche_abm.world.fields.free_rankl) and RANK occupancy on the RANKL voxel grid, compiled in one
        pass (:func:`niche_abm.world.kernels.bind_rankl`)."""
        rankl, binding = self._fields["rankl"], self.params.binding
        free, occupancy = kernels.bind_rankl(
            rankl.concentration.ravel(),
            self._fields["opg"].concentration.ravel(),
            self._opg_on_rankl,
            float(binding.opg_rankl_kd_pm),
            float(free_rankl_factor),
            float(binding.rank_rankl_kd_pm),
        )
        self._derived = {"free_rankl": free.reshape(rankl.shape), "rank_occupancy": occupancy.reshape(rankl.shape)}

    def follow_bone(self, marrow: np.ndarray) -> None:
        """Rebuild every field's porous geometry for a new marrow mask. The fields of one voxel size share its
        porosity, the voxel each site senses, and the unknowns and symbolic analysis of their operators, which
        follow the elimination order of the geometry before (:class:`~niche_abm.world.fields.OperatorPattern`, so
        that geometry's factors are waited for first). The hourly operators are factorised at once, on the
        background thread where that runs outside the GIL (the 40 µm fields' first, in the order the next update
        solves them, then the group set aside), while this thread finds the voxel each site senses and goes on."""
        self._marrow = marrow.copy()
        for field in self._fields.values():
            field.wait_for_factors()
        porosity = {f: voxel_porosity(marrow, f) for f in self._voxel_of}
        patterns = {f: OperatorPattern(porosity[f] > 0, self._patterns.get(f)) for f in self._voxel_of}
        self._patterns = patterns
        for field in self.fields.values():
            field.set_geometry(marrow, porosity[field.voxel_sites], patterns[field.voxel_sites])
        fields, names = list(self._fields.values()), list(self._fields)
        self._hourly_groups = operator_groups(fields, 1.0)
        listed = [names.index(name) for name in SOLVED_ASIDE]
        aside = listed if len(self._hourly_groups) > 1 else []
        self._aside = aside
        solved_first = {i: position for position, i in enumerate(aside)}  # set aside: after those solved here
        for group in sorted(self._hourly_groups, key=lambda group: min(solved_first.get(i, -1) for i in group)):
            if fields[group[0]]._open_voxels.size:  # solid bone: nothing to solve
                fields[group[0]].prepare(1.0)
        nearest_marrow = self._nearest_marrow_sites(marrow)
        sensed = {f: voxel_of[nearest_marrow] for f, voxel_of in self._voxel_of.items()}
        self._sensed_voxel = {name: sensed[field.voxel_sites] for name, field in self._fields.items()}

    def age(self, marrow: np.ndarray) -> None:
        """End the hour: its solves stored and bound (:meth:`settle`), so the state after a step is whole; every
        fields.geometry_refresh_h hours, follow the bone if the marrow changed."""
        self._settled()
        self._geometry_age_h += 1
        if self._geometry_age_h < self.params.fields.geometry_refresh_h:
            return
        self._geometry_age_h = 0
        if not np.array_equal(marrow, self._marrow):
            self.follow_bone(marrow)

    # --- sensing ---------------------------------------------------------------------------------
    def at(self, name: str, sites: np.ndarray) -> np.ndarray:
        """A field (pM) or derived quantity (:data:`DERIVED`: free RANKL, pM; RANK occupancy, 0..1) at flat sites; bone
        sites read the nearest marrow site."""
        self._settled(name)
        if name in DERIVED:
            return kernels.read_through(self._derived[name].ravel(), self._sensed_voxel["rankl"], sites)
        return kernels.read_through(self._fields[name].concentration.ravel(), self._sensed_voxel[name], sites)

    def lookup(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        """A field's flat values per voxel (pM) and, for every flat site, the flat voxel it reads (as :meth:`at`),
        for compiled code that senses the field at many sites."""
        self._settled(name)
        return self._fields[name].concentration.ravel(), self._sensed_voxel[name]

    def map(self, name: str) -> np.ndarray:
        """A field (pM) or derived quantity (free RANKL, pM; RANK occupancy, 0..1) on every site [x, y] (each site
        takes its voxel's value)."""
        values, f = self._voxel_values(name)
        return np.repeat(np.repeat(values, f, axis=0), f, axis=1)

    def marrow_mean(self, name: str, marrow: np.ndarray) -> float:
        """Mean over the marrow sites of a field (pM) or derived quantity (free RANKL, pM; RANK occupancy, 0..1);
        NaN when no marrow is left. The values of ``map(name)[marrow]``, in its order, read voxel by voxel."""
        return self.marrow_means((name,), marrow)[name]

    def marrow_means(self, names: Sequence[str], marrow: np.ndarray) -> dict[str, float]:
        """:meth:`marrow_mean` of several fields or derived quantities, the marrow sites and the voxel each reads
        looked up once (for each voxel size) for all of them."""
        sites = np.flatnonzero(marrow)
        if not sites.size:
            return {name: float("nan") for name in names}
        read: dict[int, np.ndarray] = {}
        means = {}
        for name in names:
            values, f = self._voxel_values(name)
            if f not in read:
                read[f] = self._voxel_of[f][sites]
            means[name] = float(values.ravel()[read[f]].mean())
        return means

    def _voxel_values(self, name: str) -> tuple[np.ndarray, int]:
        """A field's or derived quantity's values per voxel [x, y] and its voxel edge, sites."""
        self._settled(name)
        if name in DERIVED:
            return self._derived[name], self._fields["rankl"].voxel_sites
        return self._fields[name].concentration, self._fields[name].voxel_sites

    # --- helpers ---------------------------------------------------------------------------------
    def _voxel_map(self, voxel_sites: int) -> np.ndarray:
        """For every flat site, the flat index (int32) of its voxel on a grid of voxel_sites x voxel_sites voxels."""
        x, y = np.divmod(np.arange(self.shape[0] * self.shape[1], dtype=np.int32), np.int32(self.shape[1]))
        return (x // voxel_sites) * np.int32(self.shape[1] // voxel_sites) + y // voxel_sites

    @staticmethod
    def _resampling(source: DiffusionField, target: DiffusionField) -> np.ndarray:
        """For every flat voxel of one field's grid (target), the flat voxel of another's (source) holding it."""
        ix = (np.arange(target.shape[0]) * target.voxel_sites) // source.voxel_sites
        iy = (np.arange(target.shape[1]) * target.voxel_sites) // source.voxel_sites
        return (ix[:, None] * source.shape[1] + iy).ravel()

    @staticmethod
    def _nearest_marrow_sites(marrow: np.ndarray) -> np.ndarray:
        """For every flat site, the flat index of the nearest marrow site (itself if marrow)."""
        if not marrow.any():
            return np.arange(marrow.size)
        ix, iy = ndimage.distance_transform_edt(~marrow, return_distances=False, return_indices=True)
        return (ix * marrow.shape[1] + iy).ravel()
