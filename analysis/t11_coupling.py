"""Why T11 misses: is osteoblast surface low for the resorption MM causes, though higher than in health?

T11 (mm_niche against healthy: Ob.S/BS lower, Oc.S/BS higher; Abe 2011) misses
because Ob.S/BS is higher with MM. In the model osteoblasts are recruited to
eroded surfaces (coupling), and MM multiplies the eroded surface. This measures,
on T11's own runs (100 x 100 sites, 60 days, 8 seeds, means over days 31-60),
Ob.S/BS, ES/BS, OS/BS and the osteoblast surface per remodelling surface,
Ob.S/(ES+OS) (the eroded surface and the osteoid surface refilling it), healthy
and mm_niche, as paired differences with 95% t-intervals. (Before 7dea8c6, ES
counted a cavity's surface as eroded until it was refilled and this reported
Ob.S/ES.) Bataille et al. (1989 J Clin Oncol
7:1909; 1991 J Clin Invest 88:62) describe myeloma bone disease as this
imbalance: formation failing to follow resorption. About 1 minute on 2 cores::

    python -m analysis.t11_coupling
"""

from __future__ import annotations

import numpy as np

from analysis.seeded_arms import SeededJob, run_arms
from niche_abm.validation.common import fmt, second_half_mean, simulate

SCENARIOS = ("healthy", "mm_niche")


def measure(job: SeededJob) -> tuple[str, dict[str, float]]:
    """Mean Ob.S/BS, ES/BS and OS/BS (%) over days 31-60 of one run (job.arm: the scenario), and Ob.S/(ES+OS)
    (%)."""
    series = simulate(job.arm, job.seed).series
    ob, es, os_ = (second_half_mean(series, key) for key in ("ob_s_bs", "es_bs", "os_bs"))
    remodelling = es + os_
    return job.arm, {
        "Ob.S/BS, %": ob,
        "ES/BS, %": es,
        "OS/BS, %": os_,
        "Ob.S/(ES+OS), %": 100 * ob / remodelling if remodelling else float("nan"),
    }


def main() -> None:
    results = run_arms(__doc__, SCENARIOS, measure)
    by = {name: [values for scenario, values in results if scenario == name] for name in SCENARIOS}
    for measure_name in by["healthy"][0]:
        healthy = np.array([values[measure_name] for values in by["healthy"]])
        myeloma = np.array([values[measure_name] for values in by["mm_niche"]])
        print(f"{measure_name:<15} healthy {fmt(healthy)}  mm_niche {fmt(myeloma)}  Δ {fmt(myeloma - healthy)}")


if __name__ == "__main__":
    main()
