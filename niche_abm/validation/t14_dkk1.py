"""T14: MM cells secrete DKK1: marrow DKK1 is higher in myeloma, and osteoblast differentiation falls with it
(Tian 2003)."""

from __future__ import annotations

import numpy as np
from scipy import stats

from niche_abm.scenario import load_scenario
from niche_abm.validation.common import (
    bar_figure,
    excludes_zero_above,
    fmt,
    rank_correlation,
    second_half_mean,
    simulate,
)

ID = "T14"
CLAIM = (
    "MM cells secrete DKK1, which inhibits osteoblast differentiation; marrow DKK1 is higher in MM (with bone "
    "lesions) than without"
)
SOURCE = "Tian et al. 2003 N Engl J Med 349:2483"
MECHANISM = (
    "Every MM cell secretes DKK1 at mm.dkk1_secretion and every osteoblast at ob.dkk1_secretion; the field diffuses "
    "and decays. Wnt signalling of osteoblast-lineage cells is stroma.dkk1_ic50_pm / (stroma.dkk1_ic50_pm + DKK1); "
    "it multiplies the differentiation of PreOBs into osteoblasts (on eroded and quiescent surfaces) and the "
    "recruitment of PreOBs to eroded surfaces"
)
READOUT = "direct"
READOUT_NOTE = (
    "DKK1 higher: only MM cells (500 molecules/h each) and osteoblasts (20 molecules/h each) secrete DKK1, so "
    "healthy marrow holds the osteoblasts' trace and the MM arms hold more as long as MM cells live: an input, "
    "not an outcome. Osteoblasts falling with DKK1: the Wnt factor multiplies the differentiation and recruitment "
    "rates by construction. The readout is one step downstream of that rule (the model counts no differentiation "
    "events; the osteoblasts present are what differentiation adds, less retirement after their lifespan and "
    "killing by MM contact), and the three DKK1 arms share everything else: same scenario, seeds and MM cells, "
    "only the DKK1 each MM cell releases differs"
)
PUBLISHED = (
    "direction: DKK1 in marrow plasma elevated in MM and associated with focal bone lesions, and only myeloma "
    "cells stained for DKK1 in marrow biopsies; recombinant DKK1, or marrow serum rich in DKK1, inhibited the "
    "differentiation of osteoblast precursors in vitro, reversed by an anti-DKK1 antibody"
)
SEEDS = tuple(range(1, 21))
"""Seeds 1-20: Page's test passes in 0.93 of resampled sets of 20 seeds against 0.42 of sets of 5, its count
until 2026-12-04 (analysis/seed_power.py at 6629a3e)."""
TOLERANCE = (
    f"100 x 100 sites (1 mm²), 60 d, seeds 1-{len(SEEDS)}; mm_niche with 150 MM cells in 2 foci, mm_advanced "
    "with 750 in 3 "
    "(each scenario's count and foci scaled to the area). (a) Marrow DKK1, mean over days 31-60, pg/mL (pM x 35 "
    "kDa): the per-seed differences mm_niche − healthy and mm_advanced − healthy must have 95% t-intervals above "
    "zero. (b) mm_niche with mm.dkk1_secretion 0, 1 and 2 times the scenario's own, the three arms paired by seed "
    "(same bone and foci): Page's trend test (blocks = seeds, treatments ordered 2x, 1x, 0x, the order in which "
    "osteoblasts present, mean count over days 31-60, are predicted to rise), one-sided p < 0.05. Statistic "
    "adopted on 2026-12-02 after the pooled Spearman rho of osteoblasts against marrow DKK1 over the 15 runs "
    "missed (rho -0.41 [-0.77, 0.16] at 317f71f, seeds 1-5, although osteoblasts fell with DKK1 in all 5: the pooled "
    "statistic counts the spread between seeds as noise); the paired test was first committed with its seeds and "
    "threshold and run on fresh seeds 6-15 (analysis/t14_paired.py, 020afe1: L 139, p 3.5e-7). Reported, not "
    "checked: that pooled rho, and the paired change in osteoblasts from no MM DKK1 to the scenario's own"
)
SCENARIOS = ("healthy", "mm_niche", "mm_advanced")
DKK1_FOLDS = (0.0, 1.0, 2.0)
"""DKK1 released per MM cell in the series of part (b), as multiples of mm_niche's own rate."""
PAGE_ALPHA = 0.05
"""One-sided level of part (b)'s trend test."""


def _dkk1(run) -> float:
    """Marrow DKK1, mean over the second half of the run, pg/mL."""
    return second_half_mean(run.series, "dkk1_mean")


def _osteoblasts(run) -> float:
    """Osteoblasts present, mean over the second half of the run."""
    return second_half_mean(run.series, "n_ob")


def _series_run(fold: float, seed: int):
    """mm_niche with its MM cells' DKK1 secretion times fold (fold 1: the untouched scenario, shared with others)."""
    if fold == 1.0:
        return simulate("mm_niche", seed)
    rate = load_scenario("mm_niche").params["mm.dkk1_secretion"] * fold
    return simulate("mm_niche", seed, overrides={"mm.dkk1_secretion": rate})


def evaluate(seeds: tuple[int, ...] = SEEDS) -> dict:
    dkk1 = {name: np.array([_dkk1(simulate(name, s)) for s in seeds]) for name in SCENARIOS}
    excess = {name: dkk1[name] - dkk1["healthy"] for name in SCENARIOS[1:]}
    series = {fold: [_series_run(fold, s) for s in seeds] for fold in DKK1_FOLDS}
    series_dkk1 = {fold: np.array([_dkk1(r) for r in runs]) for fold, runs in series.items()}
    series_ob = {fold: np.array([_osteoblasts(r) for r in runs]) for fold, runs in series.items()}
    rho, low, high = rank_correlation(
        np.concatenate([series_dkk1[f] for f in DKK1_FOLDS]), np.concatenate([series_ob[f] for f in DKK1_FOLDS])
    )
    page = stats.page_trend_test(np.column_stack([series_ob[f] for f in reversed(DKK1_FOLDS)]))
    ob_gain = series_ob[0.0] - series_ob[1.0]
    checks = {
        "mm_niche DKK1 above healthy": excludes_zero_above(excess["mm_niche"]),
        "mm_advanced DKK1 above healthy": excludes_zero_above(excess["mm_advanced"]),
        "osteoblasts fall as DKK1 rises (paired by seed)": bool(page.pvalue < PAGE_ALPHA),
    }
    figure = bar_figure(
        "t14_dkk1.png",
        [
            ("marrow DKK1, pg/mL (days 31-60)", {k: list(v) for k, v in dkk1.items()}),
            (
                "osteoblasts, mm_niche (days 31-60)",
                {f"{fold:g}x MM DKK1": list(v) for fold, v in series_ob.items()},
            ),
        ],
        "T14 marrow DKK1 per scenario; osteoblasts vs MM DKK1 secretion (95% CI)",
    )
    return {
        "status": "PASS" if all(checks.values()) else "FAIL",
        "measured": (
            "marrow DKK1 "
            + "; ".join(f"{k} {fmt(v, 'pg/mL')}" for k, v in dkk1.items())
            + "; osteoblasts vs marrow DKK1 in mm_niche with MM DKK1 secretion "
            + "/".join(f"{f:g}" for f in DKK1_FOLDS)
            + f"x, paired by seed: Page's L {page.statistic:.0f}, one-sided p {page.pvalue:.2g} (osteoblasts "
            + "/".join(f"{series_ob[f].mean():.3g}" for f in DKK1_FOLDS)
            + ", DKK1 "
            + "/".join(f"{series_dkk1[f].mean():.3g}" for f in DKK1_FOLDS)
            + f" pg/mL); osteoblasts gained without MM DKK1 {fmt(ob_gain)}; not checked: the pooled Spearman rho "
            + f"over the 15 runs {rho:.2f} [{low:.2f}, {high:.2f}]"
        ),
        "published": PUBLISHED,
        "details": {
            "checks": checks,
            "dkk1_pg_ml": {k: v.tolist() for k, v in dkk1.items()},
            "series_dkk1_pg_ml": {f"{f:g}x": v.tolist() for f, v in series_dkk1.items()},
            "series_osteoblasts": {f"{f:g}x": v.tolist() for f, v in series_ob.items()},
            "page_trend": {"L": float(page.statistic), "p_one_sided": float(page.pvalue)},
            "spearman_pooled_not_checked": {"rho": rho, "ci_low": low, "ci_high": high},
        },
        "figure": figure,
    }
