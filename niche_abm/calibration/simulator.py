"""The model pyABC calls: runs of the calibration's scenario with a particle's parameters, and their mean readouts."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from niche_abm.calibration.readouts import READOUTS
from niche_abm.calibration.spec import CalibrationSpec
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
        scales: each fitted parameter's prior scale ("linear" or "log"), by parameter name.
        statistics: each observed readout's (readout name, first day, last day), by statistic name.
    """

    scenario_path: Path
    fixed: dict[str, Any]
    days: int
    replicates: int
    scales: dict[str, str]
    statistics: dict[str, tuple[str, int, int]]

    @classmethod
    def of(cls, spec: CalibrationSpec) -> Simulator:
        return cls(
            spec.scenario_path,
            dict(spec.fixed),
            spec.days,
            spec.replicates,
            {name: r.scale for name, r in spec.prior.items()},
            {name: (s.readout, *s.window) for name, s in spec.data.items()},
        )

    def values(self, particle: dict[str, float]) -> dict[str, float]:
        """The parameter values of a particle (pyABC's names, log10 where sampled so) by parameter name."""
        return {
            name: 10.0 ** particle[particle_name(name, scale)] if scale == "log" else particle[name]
            for name, scale in self.scales.items()
        }

    def __call__(self, particle: dict[str, float]) -> dict[str, float]:
        """Run the particle's values `replicates` times, each model seed drawn from numpy's global generator (seeded
        per job by :class:`niche_abm.calibration.sampler.EngineSampler`); returns each readout's mean over the runs."""
        overrides = self.fixed | self.values(particle)
        readouts = []
        for seed in np.random.randint(0, 2**31 - 1, size=self.replicates):  # noqa: NPY002 (seeded per job)
            run = RunDescription(self.scenario_path, overrides, (), int(seed), self.days).run()
            tissue_mm2 = sites_to_mm2(run.model.params.grid.width * run.model.params.grid.height)
            readouts.append(
                {
                    name: READOUTS[readout].compute(run.timeseries, first, last, tissue_mm2)
                    for name, (readout, first, last) in self.statistics.items()
                }
            )
        return {name: float(np.mean([r[name] for r in readouts])) for name in self.statistics}
