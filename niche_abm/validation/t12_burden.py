"""T12: bone disease grows with tumour mass (Durie & Salmon 1975; Terpos 2003)."""

from __future__ import annotations

import numpy as np

from niche_abm.validation.common import DAYS, at_day, rank_correlation, second_half_mean, simulate, trend_figure

ID = "T12"
CLAIM = (
    "bone disease grows with tumour mass: the number and extent of lytic lesions rise with MM cell mass (the basis "
    "of Durie-Salmon staging), and the marrow RANKL/OPG ratio tracks bone disease"
)
SOURCE = "Durie & Salmon 1975 Cancer 36:842; Terpos et al. 2003 Blood 102:1064"
MECHANISM = (
    "More MM cells touch more stroma (RANKL up, OPG down) and secrete more CCL3, so more precursors are drawn to "
    "bone and fuse into osteoclasts that resorb faster; MM cells near osteoclasts die less, feeding the burden back"
)
READOUT = "emergent"
PUBLISHED = "direction: osteoclasts formed, Oc.S/BS and resorbed area rise with MM burden"
TOLERANCE = (
    "mm_niche on 100 x 100 sites (1 mm²), 60 d, mm.initial_count 0, 75, 150 and 300 in 2 foci (the scenario's 6 "
    "scaled to the area) (count 0 is the healthy scenario); scenarios/mm_niche.toml gives 600 cells for 200 x 200 "
    "(4 mm²), so by area these are 0, 0.5, 1 and 2x its density. Readouts: osteoclasts formed in 60 d, mean Oc.S/BS"
    " over days 31-60, resorbed area at day 60. Pass if, for each readout, Spearman's rank correlation with the "
    "initial count over all runs is > 0 and its 95% bootstrap interval (scipy.stats.bootstrap: (count, readout) "
    "pairs resampled, BCa, 9999 resamples) excludes 0. Reported, not checked: the correlation of the marrow "
    "RANKL/OPG ratio (days 31-60), and, among the runs with MM, of resorbed area with the tumour burden each run "
    "actually carried (mean MM cells over the run): the initial count is only the start of each run's burden"
)
SEEDS = (1, 2, 3, 4, 5)
COUNTS = (0, 75, 150, 300)
READOUTS = {
    "osteoclasts_formed": "osteoclasts formed in 60 d",
    "oc_s_bs": "Oc.S/BS, % (days 31-60)",
    "resorbed_mm2": "resorbed area at day 60, mm²",
}


def _run(count: int, seed: int):
    if count == 0:
        return simulate("healthy", seed)
    return simulate("mm_niche", seed, overrides={"mm.initial_count": count})


def _readouts(run) -> dict[str, float]:
    return {
        "osteoclasts_formed": float(run.counters["osteoclasts_formed"]),
        "oc_s_bs": second_half_mean(run.series, "oc_s_bs"),
        "resorbed_mm2": at_day(run.series, "resorbed_mm2", DAYS),
        "rankl_opg_ratio": second_half_mean(run.series, "rankl_opg_ratio"),
        "mm_burden": float(run.series["n_mm"].mean()),
    }


def evaluate(seeds: tuple[int, ...] = SEEDS) -> dict:
    rows = [(count, _readouts(_run(count, seed))) for count in COUNTS for seed in seeds]
    counts = np.array([count for count, _ in rows], float)
    checks, parts, correlations, by_count = {}, [], {}, {}
    for column in (*READOUTS, "rankl_opg_ratio"):
        values = np.array([r[column] for _, r in rows])
        rho, low, high = rank_correlation(counts, values)
        correlations[column] = {"rho": rho, "ci_low": low, "ci_high": high}
        by_count[column] = {c: values[counts == c].tolist() for c in COUNTS}
        means = "/".join(f"{np.mean(by_count[column][c]):.3g}" for c in COUNTS)
        parts.append(f"{column} rho {rho:.2f} [{low:.2f}, {high:.2f}] (means {means})")
        if column in READOUTS:
            checks[f"{column} rises with MM count"] = bool(rho > 0 and np.isfinite(low) and low > 0)
    with_mm = counts > 0
    burden = np.array([r["mm_burden"] for _, r in rows])[with_mm]
    resorbed = np.array([r["resorbed_mm2"] for _, r in rows])[with_mm]
    rho, low, high = rank_correlation(burden, resorbed)
    correlations["resorbed_mm2 vs mean MM cells, runs with MM"] = {"rho": rho, "ci_low": low, "ci_high": high}
    parts.append(f"among runs with MM, resorbed area vs mean MM cells in the run rho {rho:.2f} [{low:.2f}, {high:.2f}]")
    figure = trend_figure(
        "t12_burden.png",
        [(label, by_count[column]) for column, label in READOUTS.items()],
        "initial MM cells on 1 mm²",
        "T12 mm_niche, 60 d: readouts vs initial MM count (dots: seeds; mean and 95% CI)",
    )
    return {
        "status": "PASS" if all(checks.values()) else "FAIL",
        "measured": (
            "Spearman rho with initial MM count [95% bootstrap CI]: "
            + "; ".join(parts)
            + f" (counts {'/'.join(map(str, COUNTS))}, {len(seeds)} seeds each)"
        ),
        "published": PUBLISHED,
        "details": {"checks": checks, "spearman": correlations, "by_count": by_count},
        "figure": figure,
    }
