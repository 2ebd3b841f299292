"""The runs of a sweep: parameter points × arms × replicates, each with its own seed.

Points come from a full grid of the listed values or from a SALib design
(Latin hypercube, Sobol' (Saltelli's scheme, first and total order) or Morris
trajectories), sampled once from the sweep's root seed.

Seeds: replicate r gets the seed drawn from ``SeedSequence(root, spawn_key=(r,))``
in every point and arm (common random numbers), so a run's seed depends only on
the sweep and the run's index, never on the engine or the number of workers,
and differences between arms or points are not differences of noise.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from SALib.sample import latin, morris, sobol

from niche_abm.params import BY_NAME
from niche_abm.sweep.spec import SweepSpec


@dataclass(frozen=True)
class RunTask:
    """Everything a worker needs to compute one run (small and picklable)."""

    index: int
    point: int
    arm: str
    replicate: int
    seed: int
    scenario_path: str
    overrides: dict[str, Any]
    regimens: tuple[str, ...]
    days: int
    metrics: tuple[str, ...]
    values: dict[str, float]
    """The varied parameters' values at this run's point."""


def salib_problem(spec: SweepSpec) -> dict[str, Any]:
    """The SALib problem of a sampled design, in its sampling space (log10 for log ranges)."""
    names = list(spec.ranges)
    return {"num_vars": len(names), "names": names, "bounds": [list(spec.ranges[n].bounds()) for n in names]}


def sample_matrix(spec: SweepSpec) -> np.ndarray:
    """The design in SALib's space, one row a point (what SALib's analyzers take as X)."""
    problem = salib_problem(spec)
    if spec.design == "lhs":
        return latin.sample(problem, spec.samples, seed=spec.seed % 2**32)
    if spec.design == "sobol":
        return sobol.sample(problem, spec.samples, calc_second_order=False, seed=spec.seed % 2**32)
    return morris.sample(problem, spec.samples, num_levels=spec.levels, seed=spec.seed % 2**32)


def parameter_points(spec: SweepSpec) -> list[dict[str, float]]:
    """The varied parameters' values at each point (one empty point when nothing varies)."""
    if spec.design == "grid":
        names = list(spec.grid_values)
        return [dict(zip(names, combo, strict=True)) for combo in itertools.product(*spec.grid_values.values())]
    names = list(spec.ranges)
    points = []
    for row in sample_matrix(spec):
        values = {}
        for name, sampled in zip(names, row, strict=True):
            value = spec.ranges[name].value(float(sampled))
            values[name] = BY_NAME[name].check(round(value) if isinstance(BY_NAME[name].default, int) else value)
        points.append(values)
    return points


def replicate_seed(root: int, replicate: int) -> int:
    """The model seed of replicate r: 63 bits from SeedSequence(root, spawn_key=(r,))."""
    high, low = np.random.SeedSequence(root, spawn_key=(replicate,)).generate_state(2, dtype=np.uint32)
    return (int(high) << 32 | int(low)) & (2**63 - 1)


def plan(spec: SweepSpec) -> list[RunTask]:
    """Every run of the sweep, in index order: point-major, then arm, then replicate."""
    seeds = [replicate_seed(spec.seed, r) for r in range(spec.replicates)]
    tasks = []
    for point, values in enumerate(parameter_points(spec)):
        for arm, regimens in spec.arms.items():
            for replicate, seed in enumerate(seeds):
                tasks.append(
                    RunTask(
                        index=len(tasks),
                        point=point,
                        arm=arm,
                        replicate=replicate,
                        seed=seed,
                        scenario_path=str(spec.scenario_path),
                        overrides={**spec.fixed, **values},
                        regimens=regimens,
                        days=spec.days,
                        metrics=spec.metrics,
                        values=values,
                    )
                )
    return tasks


def design_table(tasks: list[RunTask]) -> pd.DataFrame:
    """One row a run: index, point, arm, replicate, seed and the varied values."""
    return pd.DataFrame.from_records(
        [
            {"run": t.index, "point": t.point, "arm": t.arm, "replicate": t.replicate, "seed": t.seed, **t.values}
            for t in tasks
        ]
    )
