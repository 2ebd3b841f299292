"""NicheModel: assembles the world of the niche and steps its cells, one hour at a time.

One step is one hour; one site is 10 µm (:mod:`niche_abm.units`). The world has
one owner for each piece of state: the lattice (where cells are,
:mod:`niche_abm.world.lattice`), the bone (:mod:`niche_abm.world.bone`) and the
signals (:mod:`niche_abm.world.signals`). The cells (:mod:`niche_abm.cells`)
see them through a :class:`~niche_abm.world.niche.Niche`. Each hour:

1. signalling: every kind secretes what it declares, the fields diffuse and
   decay, RANKL binds OPG, free RANKL occupies RANK;
2. each cell kind's phase, in registry order (vessels, stroma, MM cells,
   precursors, osteoclasts, osteoblasts);
3. the bone state follows (sites flip between bone and marrow); the fields'
   geometry follows at most daily; once a day the metrics are recorded
   (``model.timeseries()``, and Mesa's ``model.datacollector``: :mod:`niche_abm.collector`).

Within a phase all cells of a kind decide at once from the state at the start of
the phase (vectorised); moves and births are then applied one by one,
each re-checking that its target site is still free.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace

import mesa
import numpy as np
import pandas as pd

from niche_abm import metrics
from niche_abm.cells import CELL_KINDS
from niche_abm.collector import daily_collector
from niche_abm.drugs.regimen import Regimen, Treatment
from niche_abm.params import ParameterError, Parameters
from niche_abm.scenario import Scenario
from niche_abm.units import STEP_H
from niche_abm.world.bone import Bone
from niche_abm.world.lattice import Lattice
from niche_abm.world.niche import Niche
from niche_abm.world.signals import Signals
from niche_abm.world.trabecular import generate_trabecular_bone


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
        shape = (params.grid.width, params.grid.height)
        if params.culture.well:
            bone = np.zeros(shape)
        elif bone is None:
            bone = generate_trabecular_bone(shape, params.bone.bv_tv, params.bone.trabecular_thickness_um, self.rng)
        self.bone = Bone(bone, params.bone.marrow_threshold)
        self.lattice = Lattice(self, shape)
        self.signals = Signals(params, self.bone.marrow)
        self.niche = Niche(params, self.rng, self.lattice, self.bone, self.signals)
        self.niche.mobile[[k.code for k in CELL_KINDS if k.mobile]] = True
        self.niche.effects = self.treatment.multipliers(0.0)
        for kind in CELL_KINDS:
            if kind.seed is not None:
                kind.seed(self.niche)
        self._signal(steady=True)
        daily = metrics.measure(self)
        self.records: list[dict] = [daily | metrics.structure(self)]
        self.datacollector = daily_collector(daily)
        self.datacollector.collect(self)

    # --- the hour ------------------------------------------------------------------------
    def step(self) -> None:
        """Advance the niche by one hour."""
        self.niche.effects = self.treatment.multipliers(float(self.hour))
        self._signal(steady=False)
        for kind in CELL_KINDS:
            kind.phase(self.niche)
        self.bone.follow_changes(self.hour)
        self.signals.age(self.bone.marrow)
        self.hour += 1
        if self.hour % 24 == 0:
            self.records.append(metrics.measure(self))
            self.datacollector.collect(self)

    def _signal(self, steady: bool) -> None:
        """Every kind secretes and takes up what it declares; the signals diffuse, decay and bind."""
        secretion: dict[str, list] = {}
        uptake: dict[str, list] = {}
        for kind in CELL_KINDS:
            if not (kind.secretes or kind.takes_up):
                continue
            sites = self.lattice.sites_of(kind.cls)
            for name, rate in kind.secretes.items():
                secretion.setdefault(name, []).append((sites, rate(self.niche, sites)))
            for name, clearance in kind.takes_up.items():
                uptake.setdefault(name, []).append((sites, clearance(self.niche, sites)))
        self.signals.update(secretion, self.niche.effects["free_rankl"], steady=steady, uptake=uptake)

    def run(self, days: int, progress: Callable[[int], None] | None = None) -> pd.DataFrame:
        """Run for days simulated days; returns the daily metrics (one row a day, from day 0).

        The trabecular structure (Tb.Th, Tb.Sp, Tb.N) is measured on the last day of the run.
        """
        for _ in range(int(round(days * 24 / STEP_H))):
            self.step()
            if progress is not None and self.hour % 24 == 0:
                progress(1)
        if self.records[-1]["day"] == self.day:
            self.records[-1].update(metrics.structure(self))
        return self.timeseries()

    def timeseries(self) -> pd.DataFrame:
        """Daily metrics so far, one row a day."""
        return pd.DataFrame.from_records(self.records)

    # --- drugs given or stopped mid-run --------------------------------------------------
    @property
    def effects(self) -> dict[str, float]:
        """Drug multiplier on each target this hour (1 = no drug)."""
        return self.niche.effects

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

    def stop_drug(self, name: str) -> bool:
        """Stop every regimen of a drug now: no more doses (a dose already given still washes out), no clamp.

        Regimens of the drug that have not started yet are dropped. Returns whether there was one to stop.
        """
        if not self.giving(name):
            return False
        now = self.day
        kept = []
        for regimen in self.treatment.regimens:
            if regimen.drug.name != name or (regimen.stop_day is not None and regimen.stop_day <= now):
                kept.append(regimen)
            elif regimen.start_day < now:
                kept.append(replace(regimen, stop_day=now))
        self.treatment = Treatment(kept)
        return True

    def giving(self, name: str) -> bool:
        """Whether a regimen of the drug runs now or is scheduled later (one :meth:`stop_drug` would end)."""
        now = self.day
        return any(r.drug.name == name and (r.stop_day is None or r.stop_day > now) for r in self.treatment.regimens)

    # --- reading the state ---------------------------------------------------------------
    @property
    def day(self) -> float:
        return self.hour / 24.0

    @property
    def counters(self) -> dict:
        """Run totals: osteoclasts formed, nuclei fused, osteoclast lifespans (h), bone resorbed and formed (sites)."""
        return {**self.niche.counters, "resorbed": self.bone.resorbed, "formed": self.bone.formed}

    def count(self, kind: type) -> int:
        """Number of cells of a kind."""
        return len(self.lattice.sites_of(kind))

    def cell_counts(self) -> dict[str, int]:
        """Number of cells of each kind, by class name."""
        return {kind.cls.__name__: self.count(kind.cls) for kind in CELL_KINDS}

    def bone_surface(self) -> np.ndarray:
        """Bone-surface sites: bone facing marrow, and the lacunae osteoclasts are still dissolving."""
        return self.bone.surface | (self.lattice.surface_code > 0)

    def snapshot(self) -> dict[str, np.ndarray]:
        """Copies of the spatial state that analyses read.

        occupancy: the code of the cell on each site (``Kind.code``; 0 = none; an
        osteoclast or osteoblast shows on the bone site it sits on); marrow: sites
        that are marrow; bone_surface: :meth:`bone_surface`; bone_template: bone fraction at the start;
        bone_fraction: bone fraction now.
        """
        return {
            "occupancy": self.lattice.occupancy(),
            "marrow": self.bone.marrow.copy(),
            "bone_surface": self.bone_surface(),
            "bone_template": self.bone.template.copy(),
            "bone_fraction": self.bone.fraction.copy(),
        }
