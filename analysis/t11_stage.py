"""T11 by stage: does osteoblast surface fall below health as the tumour grows, as in lytic myeloma?

T11 (mm_niche against healthy at day 60: Ob.S/BS lower, Oc.S/BS higher; Abe
2011) misses because Ob.S/BS is higher with MM. Histology ties the direction to
the stage: early MM and MM without lesions show more osteoblast surface and
formation along with more resorption (Bataille et al. 1990 Br J Haematol 76:484;
1991 J Clin Invest 88:62), lytic MM shows low formation (Bataille et al. 1989 J
Clin Oncol 7:1909). This runs T11's setting longer and with a larger tumour:
healthy, mm_niche and mm_advanced on T11's grid (100 x 100 sites, the
scenarios' MM scaled to 1 mm²), 120 days, the validation's 8 in-vivo seeds, and
reports per 30-day window the mean MM share of the marrow, Oc.S/BS, Ob.S/BS,
ES/BS, OS/BS and the osteoblast surface per remodelling surface, Ob.S/(ES+OS)
(Ob.S/ES before 7dea8c6, when ES counted a cavity's surface until it was
refilled), each MM arm as a paired difference from healthy (95%
t-interval over seeds). It reports; it checks nothing and changes no target.
About 1 minute on 2 cores::

    python -m analysis.t11_stage
"""

from __future__ import annotations

import numpy as np

from analysis.seeded_arms import SeededJob, run_arms
from niche_abm.validation.common import fmt, simulate, window_mean

SCENARIOS = ("healthy", "mm_niche", "mm_advanced")
DAYS = 120
WINDOWS = ((1, 30), (31, 60), (61, 90), (91, 120))
"""Days (first, last) averaged for each readout."""
COLUMNS = {
    "MM share of marrow, %": "mm_fraction",
    "Oc.S/BS, %": "oc_s_bs",
    "Ob.S/BS, %": "ob_s_bs",
    "ES/BS, %": "es_bs",
    "OS/BS, %": "os_bs",
}
"""Readouts and the daily metric each averages (the MM share is a fraction, shown as %)."""


def measure(job: SeededJob) -> tuple[str, dict[tuple[int, int], dict[str, float]]]:
    """Each window's mean readouts of one run (job.arm: the scenario), Ob.S/(ES+OS) (%) among them."""
    series = simulate(job.arm, job.seed, days=DAYS).series
    windows = {}
    for first, last in WINDOWS:
        values = {name: window_mean(series, column, first, last) for name, column in COLUMNS.items()}
        values["MM share of marrow, %"] *= 100.0
        remodelling = values["ES/BS, %"] + values["OS/BS, %"]
        values["Ob.S/(ES+OS), %"] = 100.0 * values["Ob.S/BS, %"] / remodelling if remodelling else float("nan")
        windows[(first, last)] = values
    return job.arm, windows


def main() -> None:
    results = run_arms(__doc__, SCENARIOS, measure)
    by = {name: [windows for scenario, windows in results if scenario == name] for name in SCENARIOS}
    for window in WINDOWS:
        print(f"days {window[0]}-{window[1]}")
        for readout in by["healthy"][0][window]:
            healthy = np.array([runs[window][readout] for runs in by["healthy"]])
            line = f"  {readout:<22} healthy {fmt(healthy)}"
            for scenario in SCENARIOS[1:]:
                values = np.array([runs[window][readout] for runs in by[scenario]])
                line += f"  {scenario} Δ {fmt(values - healthy)}"
            print(line)


if __name__ == "__main__":
    main()
