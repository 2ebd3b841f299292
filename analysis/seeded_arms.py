"""What the analysis scripts share: every arm run on the same seeds (1-8 unless a script names its own) by the engine.

An analysis script names its arms (any picklable value: a scenario name, drug
regimens, an index into its own table) and a module-level ``measure(job)``; this
parses the engine options (``--workers``, ``--engine dask``, ``--scheduler``),
runs one job per arm and seed, and hands back the outcomes in job order (arms
outer, seeds inner).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from niche_abm.commands.command import add_engine_arguments, engine_from
from niche_abm.jobs import map_jobs

SEEDS = tuple(range(1, 9))
"""Seeds 1-8, every arm's unless a script names its own: the validation's in-vivo seeds when these analyses were
written, and the seeds of every figure the README and docs quote from them (the validation now runs more:
niche_abm.validation.common.IN_VIVO_SEEDS)."""


@dataclass(frozen=True)
class SeededJob:
    """One seed of one arm."""

    index: int
    arm: Any
    seed: int


def run_arms(
    description: str,
    arms: Sequence[Any],
    measure: Callable[[SeededJob], Any],
    seeds: Callable[[Any], Sequence[int]] = lambda arm: SEEDS,
    argv: Sequence[str] | None = None,
) -> list[Any]:
    """Parse the engine options (the script's docstring as help; `argv`, default the command line), then measure
    every arm at every seed (by default SEEDS; `seeds` gives an arm's own)."""
    parser = argparse.ArgumentParser(description=description.split("\n\n")[0])
    add_engine_arguments(parser, workers=2)
    args = parser.parse_args(argv)
    pairs = [(arm, seed) for arm in arms for seed in seeds(arm)]
    jobs = [SeededJob(index, arm, seed) for index, (arm, seed) in enumerate(pairs)]
    return map_jobs(jobs, engine_from(args, measure))


def by_arm(results: Sequence[Any], arms: Sequence[Any]) -> list[list[Any]]:
    """The outcomes of :func:`run_arms` split by arm (each arm's runs in seed order), when every arm ran the same
    number of seeds."""
    seeds = len(results) // len(arms)
    return [list(results[index * seeds : (index + 1) * seeds]) for index in range(len(arms))]
