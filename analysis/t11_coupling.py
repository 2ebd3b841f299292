"""Why T11 misses: is osteoblast surface low for the resorption MM causes, though higher than in health?

T11 (mm_niche against healthy: Ob.S/BS lower, Oc.S/BS higher; Abe 2011) misses
because Ob.S/BS is higher with MM. In the model osteoblasts are recruited to
eroded surfaces (coupling), and MM multiplies the eroded surface. This measures,
on T11's own runs (100 x 100 sites, 60 days, 8 seeds, means over days 31-60),
Ob.S/BS, ES/BS and their ratio Ob.S/ES (osteoblast surface per eroded surface,
the share of the resorbed surface being refilled), healthy and mm_niche, as
paired differences with 95% t-intervals. Bataille et al. 1991 (J Clin Invest
88:62) describe myeloma bone disease as this imbalance: formation failing to
follow resorption. About 1 minute on 2 cores::

    python -m analysis.t11_coupling
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass

import numpy as np

from niche_abm.commands.command import add_engine_arguments, engine_from
from niche_abm.jobs import map_jobs
from niche_abm.validation.common import IN_VIVO_SEEDS, fmt, second_half_mean, simulate

SCENARIOS = ("healthy", "mm_niche")


@dataclass(frozen=True)
class Job:
    """One seed of one scenario."""

    index: int
    scenario: str
    seed: int


def measure(job: Job) -> tuple[str, dict[str, float]]:
    """Mean Ob.S/BS and ES/BS (%) over days 31-60 of one run, and Ob.S/ES (%)."""
    series = simulate(job.scenario, job.seed).series
    ob, es = second_half_mean(series, "ob_s_bs"), second_half_mean(series, "es_bs")
    return job.scenario, {"Ob.S/BS, %": ob, "ES/BS, %": es, "Ob.S/ES, %": 100 * ob / es if es else float("nan")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_engine_arguments(parser, workers=2)
    args = parser.parse_args()
    pairs = [(scenario, seed) for scenario in SCENARIOS for seed in IN_VIVO_SEEDS]
    jobs = [Job(index, scenario, seed) for index, (scenario, seed) in enumerate(pairs)]
    results = map_jobs(jobs, engine_from(args, measure))
    by = {name: [values for scenario, values in results if scenario == name] for name in SCENARIOS}
    for measure_name in by["healthy"][0]:
        healthy = np.array([values[measure_name] for values in by["healthy"]])
        myeloma = np.array([values[measure_name] for values in by["mm_niche"]])
        print(f"{measure_name:<11} healthy {fmt(healthy)}  mm_niche {fmt(myeloma)}  Δ {fmt(myeloma - healthy)}")


if __name__ == "__main__":
    main()
