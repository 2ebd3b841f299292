"""NicheModel: builds the bone-marrow world and orders one hour of the niche.

One step is one hour; one site is 10 µm (:mod:`niche_abm.units`). Each hour:

1. signalling: cells secrete RANKL, OPG and CCL3, the fields diffuse and decay,
   RANKL binds OPG, free RANKL occupies RANK on precursors;
2. stromal cells (PreOBs), 3. MM cells, 4. vessels release precursors,
5. precursors move and fuse, 6. osteoclasts resorb, 7. osteoblasts form;
8. the bone state follows (sites flip between bone and marrow), and once a day
   the histomorphometry is recorded.

Within a phase all cells of a kind decide at once from the state at the start of
the phase (vectorised); moves and births are then applied one by one in a
random order, each re-checking that its target site is still free.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace

import mesa
import numpy as np
import pandas as pd
from mesa.discrete_space import OrthogonalMooreGrid
from scipy import ndimage

from niche_abm import metrics
from niche_abm.agents import (
    CELL_KINDS,
    EndothelialCell,
    MyelomaCell,
    Osteoblast,
    Osteoclast,
    StromalCell,
    endothelium,
    myeloma,
    osteoblast,
    osteoclast,
    stroma,
)
from niche_abm.agents.codes import EMPTY, MYELOMA
from niche_abm.drugs.regimen import Regimen, Treatment
from niche_abm.fields import DiffusionField, free_rankl, rank_occupancy
from niche_abm.geometry import generate_trabecular_bone, place_sinusoids
from niche_abm.neighbourhood import count_around, dilate, stamp_disks
from niche_abm.params import ParameterError, Parameters
from niche_abm.rules import rule
from niche_abm.scenario import Scenario
from niche_abm.units import SITE_UM, STEP_H

MOORE = np.array([(-1, -1), (-1, 0), (-1, 1), (0, -1), (0, 1), (1, -1), (1, 0), (1, 1)])
FORMATION_EPSILON = 1e-9


class NicheModel(mesa.Model):
    """The multiple myeloma bone-marrow niche on a 2-D grid of 10 µm sites, stepped hourly.

    Args:
        params: a scenario (:func:`niche_abm.scenario.load_scenario`) or validated parameters.
        seed: seed of every random number the model draws.
        bone: bone fraction per site [x, y] to start from; default generated from the seed
            (or read from the scenario's ``bone.mask_file``).
        drugs: regimens given in this run, in addition to the scenario's
            (:func:`niche_abm.drugs.regimen.parse_regimen`).
    """

    def __init__(
        self,
        params: Parameters | Scenario,
        seed: int | None = None,
        bone: np.ndarray | None = None,
        drugs: Sequence[Regimen] = (),
    ):
        super().__init__(seed=seed)
        if isinstance(params, Scenario):
            bone = params.bone() if bone is None else bone
            drugs = (*params.drugs, *drugs)
            params = params.params
        self.params = params
        self.hour = 0
        self.treatment = Treatment(drugs)
        self.contact_possible = not params.culture.transwell
        self.effects = self.treatment.multipliers(0.0)
        shape = (params.grid.width, params.grid.height)
        self.grid = OrthogonalMooreGrid(shape, torus=False, capacity=1, random=self.random)
        self._cells = [self.grid[(x, y)] for x in range(shape[0]) for y in range(shape[1])]
        self.occupancy = np.zeros(shape, dtype=np.int8)
        if params.culture.well:
            bone = np.zeros(shape)
        elif bone is None:
            bone = generate_trabecular_bone(shape, params.bone.bv_tv, params.bone.trabecular_thickness_um, self.rng)
        self.bone = self.grid.create_property_layer("bone", default_value=0.0).data
        self.bone[:] = bone
        self.bone_template = self.bone.copy()
        self.counters = {"osteoclasts_formed": 0, "osteoclast_lifespans_h": [], "resorbed": 0.0, "formed": 0.0}
        self._refresh_bone_state()

        density = 0.0 if params.culture.well else params.vessels.density_per_mm2
        vessels = place_sinusoids(self.marrow, density, params.vessels.diameter_um, self.rng)
        for flat in np.flatnonzero(vessels):
            self.add_cell(EndothelialCell, self._cells[flat])
        radius = params.mm.vessel_support_radius_um / SITE_UM
        self.near_vessel = stamp_disks(shape, np.argwhere(vessels), radius)
        self._seed_stroma()
        self.stroma_target = self.count(StromalCell)
        self._seed_myeloma()

        boundary = params.fields.outer_boundary
        self.fields = {
            name: DiffusionField(
                name,
                shape,
                int(params[f"{name}.voxel_um"] // SITE_UM),
                params[f"{name}.diffusion_mm2_per_h"],
                params[f"{name}.decay_per_h"],
                boundary,
            )
            for name in ("rankl", "opg", "ccl3")
        }
        self._geometry_age_h = 0
        self._field_marrow = self.marrow.copy()
        for field in self.fields.values():
            field.set_geometry(self.marrow)
        self._update_near_osteoclast()
        self._signal(steady=True)
        self.records: list[dict] = [metrics.measure(self)]

    # --- building the world -------------------------------------------------------------
    @rule("the initial marrow", "a {stroma.density} holds a stromal cell (PreOB)")
    def _seed_stroma(self) -> None:
        free = np.flatnonzero(self.free_sites())
        n = int(round(self.params.stroma.density * self.marrow.sum()))
        for flat in self.rng.choice(free, size=min(n, len(free)), replace=False):
            self.add_cell(StromalCell, self._cells[flat])

    @rule(
        "the initial marrow",
        "{mm.initial_count} of MM are seeded in {mm.initial_foci}, each focus filling the free sites nearest "
        "a stromal cell that lies within {mm.initial_focus_bone_distance_um} of bone (the endosteal niche)",
    )
    def _seed_myeloma(self) -> None:
        """Seed MM cells in foci, each around a stromal cell, nearest free sites first (in a well: at random)."""
        n = self.params.mm.initial_count
        if n == 0:
            return
        free_total = int(self.free_sites().sum())
        if n > free_total:
            raise ParameterError(
                "mm.initial_count", f"got {n} cells but only {free_total} marrow sites are free on this grid"
            )
        if self.params.culture.well:
            chosen = self.rng.choice(np.flatnonzero(self.free_sites()), size=n, replace=False)
            for flat, cd49d in zip(chosen, myeloma.new_cd49d(self, n), strict=True):
                self.add_cell(MyelomaCell, self._cells[flat], cd49d=float(cd49d))
            return
        _, anchors = self.positions(StromalCell)
        reach = self.params.mm.initial_focus_bone_distance_um / SITE_UM
        distance_to_bone = ndimage.distance_transform_edt(self.marrow)
        anchors = anchors[distance_to_bone[anchors[:, 0], anchors[:, 1]] <= reach]
        if len(anchors) == 0:
            raise ParameterError(
                "mm.initial_focus_bone_distance_um", f"no stromal cell lies within {reach * SITE_UM:g} µm of bone"
            )
        n_foci = min(self.params.mm.initial_foci, len(anchors))
        foci = anchors[self.rng.choice(len(anchors), size=n_foci, replace=False)]
        x, y = np.indices(self.occupancy.shape)
        per_focus = np.full(len(foci), n // len(foci))
        per_focus[: n % len(foci)] += 1
        for (fx, fy), k in zip(foci, per_focus, strict=True):
            free = self.free_sites()
            distance = np.where(free, (x - fx) ** 2 + (y - fy) ** 2, np.inf).ravel()
            chosen = np.argsort(distance, kind="stable")[:k]
            for flat, cd49d in zip(chosen, myeloma.new_cd49d(self, k), strict=True):
                self.add_cell(MyelomaCell, self._cells[flat], cd49d=float(cd49d))

    # --- the hour ------------------------------------------------------------------------
    def step(self) -> None:
        """Advance the niche by one hour."""
        self.effects = self.treatment.multipliers(float(self.hour))
        self._signal(steady=False)
        stroma.step_stroma(self)
        myeloma.step_myeloma(self)
        endothelium.step_endothelium(self)
        osteoclast.step_precursors(self)
        osteoclast.step_osteoclasts(self)
        osteoblast.step_osteoblasts(self)
        self._update_near_osteoclast()
        self._refresh_bone_state()
        self._refresh_field_geometry()
        self.hour += 1
        if self.hour % 24 == 0:
            self.records.append(metrics.measure(self))

    def run(self, days: int, progress: Callable[[int], None] | None = None) -> pd.DataFrame:
        """Run for days simulated days; returns the daily metrics (one row a day, from day 0)."""
        for _ in range(int(round(days * 24 / STEP_H))):
            self.step()
            if progress is not None and self.hour % 24 == 0:
                progress(1)
        return self.timeseries()

    def timeseries(self) -> pd.DataFrame:
        """Daily metrics so far, one row a day."""
        return pd.DataFrame.from_records(self.records)

    # --- drugs given or stopped mid-run --------------------------------------------------
    def start_drug(self, regimen: Regimen) -> Regimen:
        """Give a drug from now on: a regimen that starts earlier starts at the current hour instead.

        Its effects apply from the next step. Returns the regimen as given (with its start moved to now).
        """
        start_day = max(regimen.start_day, self.day)
        if regimen.stop_day is not None and regimen.stop_day <= start_day:
            raise ParameterError(
                f"--drug {regimen.drug.name}", f"stops on day {regimen.stop_day:g}, before day {start_day:g} (now)"
            )
        given = replace(regimen, start_day=start_day)
        self.treatment = Treatment((*self.treatment.regimens, given))
        return given

    def stop_drug(self, name: str) -> None:
        """Stop every regimen of a drug now: no more doses (a dose already given still washes out), no clamp.

        Regimens of the drug that have not started yet are dropped.
        """
        now = self.day
        kept = []
        for regimen in self.treatment.regimens:
            if regimen.drug.name != name or (regimen.stop_day is not None and regimen.stop_day <= now):
                kept.append(regimen)
            elif regimen.start_day < now:
                kept.append(replace(regimen, stop_day=now))
        self.treatment = Treatment(kept)

    @property
    def day(self) -> float:
        return self.hour / 24.0

    def snapshot(self) -> dict[str, np.ndarray]:
        """Copies of the spatial state that analyses read.

        occupancy: the code of the cell on each site (``Kind.code``; 0 = none);
        marrow: sites that are marrow; bone_surface: the sites on which a surface
        count is made (bone-marrow interface); bone_template: bone fraction at the start.
        """
        return {
            "occupancy": self.occupancy.copy(),
            "marrow": self.marrow.copy(),
            "bone_surface": self.next_to_bone.copy(),
            "bone_template": self.bone_template.copy(),
        }

    # --- signalling ------------------------------------------------------------------------
    def _signal(self, steady: bool) -> None:
        """Secretion, diffusion and decay of the fields; RANKL-OPG binding; RANK occupancy."""
        p = self.params
        mm_agents, mm_xy = self.positions(MyelomaCell)
        adherent_mm = np.zeros(self.occupancy.shape, dtype=bool)
        if mm_agents:
            adherent = np.fromiter((a.adherent for a in mm_agents), bool, len(mm_agents))
            adherent_mm[mm_xy[adherent, 0], mm_xy[adherent, 1]] = True
        stromal, st_xy = self.positions(StromalCell)
        touched = count_around(adherent_mm)[st_xy[:, 0], st_xy[:, 1]] > 0
        before = np.fromiter((a.touched_by_adherent_mm for a in stromal), bool, len(stromal))
        for i in np.flatnonzero(before != touched):
            stromal[i].touched_by_adherent_mm = bool(touched[i])
        rankl_rate, opg_rate = stroma.secretion(touched, p, self.effects["stroma_contact_response"])
        _, ob_xy = self.positions(Osteoblast)
        sources = {
            "rankl": [(st_xy, rankl_rate)],
            "opg": [(st_xy, opg_rate), (ob_xy, np.full(len(ob_xy), p.ob.opg_secretion))],
            "ccl3": [(mm_xy, myeloma.ccl3_secretion(len(mm_xy), p) * self.effects["mm_ccl3_secretion"])],
        }
        for name, field in self.fields.items():
            secretion = np.zeros(field.shape)
            for xy, rate in sources[name]:
                if len(xy):
                    vx, vy = field.voxel_of(xy[:, 0], xy[:, 1])
                    voxel = np.ravel_multi_index((vx, vy), field.shape)
                    secretion += np.bincount(voxel, weights=rate, minlength=secretion.size).reshape(field.shape)
            if steady:
                field.solve_steady(secretion)
            else:
                field.step(secretion, STEP_H)
        self.rankl_sites = self.fields["rankl"].at_sites()
        self.opg_sites = self.fields["opg"].at_sites()
        self.ccl3_sites = self.fields["ccl3"].at_sites()
        unbound = free_rankl(self.rankl_sites, self.opg_sites, p.binding.opg_rankl_kd_pm)
        self.free_rankl_sites = unbound * self.effects["free_rankl"]
        self.rank_occupancy_sites = rank_occupancy(self.free_rankl_sites, p.binding.rank_rankl_kd_pm)

    # --- bone ------------------------------------------------------------------------------
    def resorb(self, xy: np.ndarray, rate: float | np.ndarray) -> np.ndarray:
        """Each cell at xy removes `rate` site volumes (one value, or one per cell) from a neighbouring bone site.

        It works on the neighbour with the least bone left (finishing a pit before
        starting the next). Returns which cells found bone to resorb.
        """
        nx, ny, inside = self._neighbour_sites(xy)
        bone = np.where(inside, self.bone[nx, ny], 0.0)
        has_bone = bone > 0
        choice = np.argmin(np.where(has_bone, bone, np.inf), axis=1)
        active = has_bone.any(axis=1)
        rows = np.flatnonzero(active)
        flat = np.ravel_multi_index((nx[rows, choice[rows]], ny[rows, choice[rows]]), self.bone.shape)
        per_cell = np.broadcast_to(np.asarray(rate, dtype=float), (len(xy),))[rows]
        demand = np.bincount(flat, weights=per_cell, minlength=self.bone.size)
        removed = np.minimum(demand, self.bone.ravel())
        self.bone.ravel()[:] -= removed
        self.counters["resorbed"] += float(removed.sum())
        return active

    def form(self, xy: np.ndarray, rate: float) -> np.ndarray:
        """Each cell at xy adds `rate` site volumes to a neighbouring resorbed site, up to its former bone.

        Eligible sites hold less bone than before resorption and are bone or empty
        marrow (a cell's own site is never filled); the most complete one is filled
        first, so cavities close from their walls. Returns which cells could form.
        """
        nx, ny, inside = self._neighbour_sites(xy)
        deficit = np.where(inside, self.bone_template[nx, ny] - self.bone[nx, ny], 0.0)
        fillable = (deficit > FORMATION_EPSILON) & inside
        fillable &= ~self.marrow[nx, ny] | (self.occupancy[nx, ny] == EMPTY)
        choice = np.argmax(np.where(fillable, self.bone[nx, ny], -np.inf), axis=1)
        active = fillable.any(axis=1)
        rows = np.flatnonzero(active)
        flat = np.ravel_multi_index((nx[rows, choice[rows]], ny[rows, choice[rows]]), self.bone.shape)
        demand = np.bincount(flat, minlength=self.bone.size)[: self.bone.size] * rate
        room = np.maximum(self.bone_template.ravel() - self.bone.ravel(), 0.0)
        added = np.minimum(demand, room)
        self.bone.ravel()[:] += added
        self.counters["formed"] += float(added.sum())
        return active

    def _refresh_bone_state(self) -> None:
        """Which sites are marrow, which marrow sites touch bone, and where cavities await refilling."""
        self.marrow = self.bone < self.params.bone.marrow_threshold
        bone = ~self.marrow
        self.next_to_bone = self.marrow & dilate(bone)
        resorbed = self.bone_template - self.bone > FORMATION_EPSILON
        self.eroded_zone = self.marrow & dilate(resorbed)

    def _refresh_field_geometry(self) -> None:
        """Let the fields follow the bone, at most every fields.geometry_refresh_h hours and only if it changed."""
        self._geometry_age_h += 1
        if self._geometry_age_h < self.params.fields.geometry_refresh_h:
            return
        self._geometry_age_h = 0
        if np.array_equal(self.marrow, self._field_marrow):
            return
        self._field_marrow = self.marrow.copy()
        for field in self.fields.values():
            field.set_geometry(self.marrow)

    def _update_near_osteoclast(self) -> None:
        radius = self.params.mm.osteoclast_support_radius_um / SITE_UM
        _, xy = self.positions(Osteoclast)
        self.near_osteoclast = stamp_disks(self.occupancy.shape, xy, radius)

    # --- sites and cells -------------------------------------------------------------------
    def add_cell(self, kind: type, cell, **state) -> mesa.Agent:
        """Create a cell of the given kind on a grid cell (a free marrow site)."""
        agent = kind(self, cell, **state)
        agent.site = self._flat(cell)
        self.occupancy.flat[agent.site] = kind.code
        return agent

    def move_cell(self, agent: mesa.Agent, cell) -> None:
        """Move a mobile cell to a free site."""
        self.occupancy.flat[agent.site] = EMPTY
        agent.move_to(cell)
        agent.site = self._flat(cell)
        self.occupancy.flat[agent.site] = agent.code

    def remove_cell(self, agent: mesa.Agent) -> None:
        """Take a cell out of the model (death, fusion, differentiation)."""
        self.occupancy.flat[agent.site] = EMPTY
        agent.remove()

    def positions(self, kind: type) -> tuple[list, np.ndarray]:
        """The cells of a kind and their sites as an (n, 2) integer array."""
        agents = list(self.agents_by_type.get(kind, ()))
        flat = np.fromiter((a.site for a in agents), np.intp, len(agents))
        return agents, np.stack(np.divmod(flat, self.occupancy.shape[1]), axis=1)

    def count(self, kind: type) -> int:
        return len(self.agents_by_type.get(kind, ()))

    def free_sites(self) -> np.ndarray:
        """Marrow sites with no cell."""
        return self.marrow & (self.occupancy == EMPTY)

    def site_is_free(self, flat: int) -> bool:
        """Whether the site with this flat index (−1 = none) is empty marrow."""
        return flat >= 0 and self.occupancy.flat[flat] == EMPTY and bool(self.marrow.flat[flat])

    def cell_at_flat(self, flat: int):
        """The grid cell of a flat site index (x · height + y)."""
        return self._cells[flat]

    def _flat(self, cell) -> int:
        x, y = cell.coordinate
        return x * self.occupancy.shape[1] + y

    def mm_contact(self) -> np.ndarray:
        """Sites touched by an MM cell (Moore neighbourhood); none when a transwell separates MM from stroma."""
        if not self.contact_possible:
            return np.zeros(self.occupancy.shape, dtype=bool)
        return self.neighbour_count(MYELOMA) > 0

    def neighbour_count(self, code: int, radius: int = 1) -> np.ndarray:
        """Number of cells with this occupancy code within `radius` sites (Chebyshev), not counting the site itself."""
        return count_around(self.occupancy == code, radius)

    def nearby(self, cell, kind: type, radius: int) -> list:
        """Cells of a kind within `radius` sites of a grid cell, nearest first."""
        x0, y0 = cell.coordinate
        found = []
        w, h = self.occupancy.shape
        for x in range(max(x0 - radius, 0), min(x0 + radius + 1, w)):
            for y in range(max(y0 - radius, 0), min(y0 + radius + 1, h)):
                if (x, y) != (x0, y0) and self.occupancy[x, y] == kind.code:
                    found.append((max(abs(x - x0), abs(y - y0)), self.grid[(x, y)].agents[0]))
        found.sort(key=lambda pair: pair[0])
        return [agent for _, agent in found]

    def _neighbour_sites(self, xy: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Moore neighbours of each site (n x 8), clipped to the grid, and which lie inside it."""
        nx = xy[:, 0:1] + MOORE[:, 0]
        ny = xy[:, 1:2] + MOORE[:, 1]
        w, h = self.occupancy.shape
        inside = (nx >= 0) & (nx < w) & (ny >= 0) & (ny < h)
        return np.clip(nx, 0, w - 1), np.clip(ny, 0, h - 1), inside

    def choose_free_neighbours(
        self, xy: np.ndarray, weights: Callable[[np.ndarray, np.ndarray], np.ndarray] | None = None
    ) -> np.ndarray:
        """For each site in xy, a random free neighbouring marrow site (flat index, −1 if none).

        weights(nx, ny) may bias the choice (n x 8 relative weights, e.g. chemotaxis).
        Decided at once from the current state; callers re-check with site_is_free.
        """
        if len(xy) == 0:
            return np.zeros(0, dtype=np.intp)
        nx, ny, inside = self._neighbour_sites(xy)
        free = inside & self.marrow[nx, ny] & (self.occupancy[nx, ny] == EMPTY)
        w = free * (1.0 if weights is None else weights(nx, ny))
        total = w.sum(axis=1)
        cumulative = np.cumsum(w, axis=1)
        pick = (cumulative < (self.rng.random(len(xy)) * total)[:, None]).sum(axis=1)
        pick = np.minimum(pick, 7)
        rows = np.arange(len(xy))
        flat = np.ravel_multi_index((nx[rows, pick], ny[rows, pick]), self.occupancy.shape)
        return np.where(total > 0, flat, -1)

    def cell_counts(self) -> dict[str, int]:
        """Number of cells of each kind, by class name."""
        return {kind.__name__: self.count(kind) for kind in CELL_KINDS}
