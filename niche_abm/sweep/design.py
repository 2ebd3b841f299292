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
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from SALib.sample import latin, morris, sobol

from niche_abm.budget import Estimate, estimate_batch, estimate_run
from niche_abm.experiment import RunDescription
from niche_abm.params import BY_NAME, ParameterError, build_parameters
from niche_abm.scenario import load_scenario
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


def point_count(spec: SweepSpec) -> int:
    """How many parameter points the design holds, without drawing them."""
    if spec.design == "grid":
        return math.prod(len(values) for values in spec.grid_values.values())
    extra = {"lhs": 0, "sobol": len(spec.ranges) + 2, "morris": len(spec.ranges) + 1}[spec.design]
    return spec.samples * max(extra, 1)


def run_count(spec: SweepSpec) -> int:
    """How many runs the sweep holds: points x arms x replicates."""
    return point_count(spec) * len(spec.arms) * spec.replicates


def estimate(spec: SweepSpec, workers: int, workers_here: int) -> Estimate:
    """Memory and time of the whole sweep, from its largest run (the largest grid and MM count, the least bone
    any point gives) on `workers` workers, `workers_here` of them on this machine."""
    base = load_scenario(spec.scenario_path, spec.fixed).params.as_dict()

    def extreme(name: str, pick) -> float:
        if name in spec.grid_values:
            return pick(spec.grid_values[name])
        if name in spec.ranges:
            return pick((spec.ranges[name].low, spec.ranges[name].high))
        return pick([settings.get(name, base[name]) for _, settings in arm_variants(spec)])

    largest = estimate_run(
        int(extreme("grid.width", max)),
        int(extreme("grid.height", max)),
        int(extreme("mm.initial_count", max)),
        extreme("bone.bv_tv", min),
        spec.days,
    )
    return estimate_batch(largest, run_count(spec), workers, workers_here)


def replicate_seed(root: int, replicate: int) -> int:
    """The model seed of replicate r: 63 bits from SeedSequence(root, spawn_key=(r,))."""
    high, low = np.random.SeedSequence(root, spawn_key=(replicate,)).generate_state(2, dtype=np.uint32)
    return (int(high) << 32 | int(low)) & (2**63 - 1)


def check_point(spec: SweepSpec, base: dict[str, Any], point: int, values: dict[str, float]) -> None:
    """Raise ParameterError, naming the sweep field and the point, unless the point's parameters build a model."""
    try:
        build_parameters({**base, **values})
    except ParameterError as error:
        raise _at_point(spec, point, values, error) from None


def check_buildable(spec: SweepSpec) -> None:
    """Build every point's model once, unrun (its first replicate's seed, no drugs), so that what only a built model
    can check (more MM cells than free marrow sites, an unreadable or wrong bone mask) is one ParameterError naming
    the sweep field and the point, before any run or file. A build costs about 0.05 s at 100 x 100 sites and 0.15 s
    at 200 x 200, about 1% of a run of 90 days; another replicate's bone could still leave too few free sites for
    a count at the very edge, and that run fails on its own in runs.csv."""
    seed = replicate_seed(spec.seed, 0)
    for point, values in enumerate(parameter_points(spec)):
        for arm, settings in arm_variants(spec):
            try:
                RunDescription(spec.scenario_path, {**spec.fixed, **values, **settings}, (), seed, spec.days).build()
            except ParameterError as error:
                if error.key in settings:
                    raise error.renamed(f"{spec.name}.toml: arms.{arm}.set.{error.key}", f"at point {point}") from None
                raise _at_point(spec, point, values, error) from None


def arm_variants(spec: SweepSpec) -> list[tuple[str | None, dict[str, Any]]]:
    """The parameter settings the arms run with, as (arm, settings): (None, {}) for the arms that set none (if
    any), then each arm that sets some."""
    plain = [(None, {})] if len(spec.arm_settings) < len(spec.arms) else []
    return plain + list(spec.arm_settings.items())


def _at_point(spec: SweepSpec, point: int, values: dict[str, float], error: ParameterError) -> ParameterError:
    """A point's error named by the sweep field that set the value (vary.X or set.X) and the point's values."""
    section = "vary." if error.key in values else "set." if error.key in spec.fixed else ""
    where = ", ".join(f"{name} = {value:g}" for name, value in values.items())
    return error.renamed(f"{spec.name}.toml: {section}{error.key}", f"at point {point}: {where}" if where else "")


def plan(spec: SweepSpec) -> list[RunTask]:
    """Every run of the sweep, in index order: point-major, then arm, then replicate; every point checked first."""
    seeds = [replicate_seed(spec.seed, r) for r in range(spec.replicates)]
    base = load_scenario(spec.scenario_path, spec.fixed).params.as_dict()
    points = parameter_points(spec)
    for point, values in enumerate(points):
        check_point(spec, base, point, values)
    tasks = []
    for point, values in enumerate(points):
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
                        overrides={**spec.fixed, **values, **spec.arm_settings.get(arm, {})},
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
