"""The model pyABC calls: runs of the calibration's scenario with a particle's parameters, and their mean readouts."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from niche_abm.calibration.readouts import READOUTS
from niche_abm.calibration.spec import CalibrationSpec
from niche_abm.calibration.strengths import Tie, parameter_values
from niche_abm.experiment import RunDescription
from niche_abm.units import sites_to_mm2


def particle_name(parameter: str, scale: str) -> str:
    """The name pyABC knows a parameter by: the parameter's own, or log10(name) for a range sampled in log10."""
    return f"log10({parameter})" if scale == "log" else parameter


@dataclass(frozen=True)
class Simulator:
    """Runs the calibration's scenario for a particle (picklable: workers receive it with pyABC's sampler).

    Attributes:
        scenario_path: the base scenario file.
        fixed: the calibration's [set] overrides.
        days: simulated days.
        replicates: runs per particle, each with its own seed; every readout is their mean.
        scales: each fitted parameter's or strength's prior scale ("linear" or "log"), by name.
        statistics: each observed readout's (readout name, first day, last day, drugs, relative), by statistic name.
        strengths: the parameters each fitted strength sets, by strength name.
    """

    scenario_path: Path
    fixed: dict[str, Any]
    days: int
    replicates: int
    scales: dict[str, str]
    statistics: dict[str, tuple[str, int, int, tuple[str, ...], bool]]
    strengths: dict[str, dict[str, Tie]]

    @classmethod
    def of(cls, spec: CalibrationSpec) -> Simulator:
        return cls(
            spec.scenario_path,
            dict(spec.fixed),
            spec.days,
            spec.replicates,
            {name: r.scale for name, r in spec.prior.items()},
            {name: (s.readout, *s.window, s.drugs, s.relative) for name, s in spec.data.items()},
            spec.strengths,
        )

    def fitted(self, particle: dict[str, float]) -> dict[str, float]:
        """A particle's values (pyABC's names, log10 where sampled so) by parameter or strength name."""
        return {
            name: 10.0 ** particle[particle_name(name, scale)] if scale == "log" else particle[name]
            for name, scale in self.scales.items()
        }

    def values(self, particle: dict[str, float]) -> dict[str, float]:
        """The parameter values a particle sets: its fitted parameters, and those its strengths set."""
        return parameter_values(self.strengths, self.fitted(particle))

    def arms(self) -> list[tuple[str, ...]]:
        """The drug sets each replicate runs: the untreated one when a readout needs it, then each readout's drugs."""
        needed = {drugs for _, _, _, drugs, _ in self.statistics.values()}
        if any(relative for *_, relative in self.statistics.values()):
            needed.add(())
        return sorted(needed)

    def __call__(self, particle: dict[str, float]) -> dict[str, float]:
        """Run the particle's values `replicates` times, each model seed drawn from numpy's global generator (seeded
        per job by :class:`niche_abm.calibration.sampler.EngineSampler`), once per drug set of :meth:`arms` with
        that seed; returns each readout's mean over the seeds, or for a relative readout the mean with its drugs
        over the mean without, minus 1."""
        overrides = self.fixed | self.values(particle)
        read: dict[tuple[str, ...], list[dict[str, float]]] = {arm: [] for arm in self.arms()}
        for seed in np.random.randint(0, 2**31 - 1, size=self.replicates):  # noqa: NPY002 (seeded per job)
            for arm in read:
                run = RunDescription(self.scenario_path, overrides, arm, int(seed), self.days).run()
                tissue_mm2 = sites_to_mm2(run.model.params.grid.width * run.model.params.grid.height)
                read[arm].append(
                    {
                        name: READOUTS[readout].compute(run.timeseries, first, last, tissue_mm2)
                        for name, (readout, first, last, drugs, relative) in self.statistics.items()
                        if drugs == arm or (relative and arm == ())
                    }
                )

        def mean(arm: tuple[str, ...], name: str) -> float:
            return float(np.mean([readouts[name] for readouts in read[arm]]))

        return {
            name: relative_change(mean(drugs, name), mean((), name)) if relative else mean(drugs, name)
            for name, (_, _, _, drugs, relative) in self.statistics.items()
        }


def relative_change(treated: float, untreated: float) -> float:
    """treated / untreated − 1; with nothing untreated, 0 when nothing is treated either and +inf otherwise (a
    particle at infinite distance, which ABC rejects)."""
    if untreated == 0:
        return 0.0 if treated == 0 else float("inf")
    return treated / untreated - 1.0
