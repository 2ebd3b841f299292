"""T4: complete RANKL blockade with denosumab nearly abolishes osteoclasts and resorption (Kostenuik 2009)."""

from __future__ import annotations

import numpy as np

from niche_abm.validation.common import (
    DAYS,
    IN_VIVO_SEEDS,
    course,
    fmt,
    interval,
    simulate,
    timecourse_figure,
    window_mean,
)

ID = "T4"
CLAIM = (
    "complete RANKL blockade nearly abolishes osteoclasts: trabecular Oc.S/BS falls by about 95%; resorption "
    "markers fall by more than 80% within about a week of denosumab"
)
SOURCE = "Kostenuik et al. 2009 J Bone Miner Res 24:182; denosumab clinical CTX data"
MECHANISM = (
    "Denosumab, through its pharmacokinetics, removes up to 99.9% of free RANKL; without RANK signalling precursors "
    "stop fusing and osteoclasts die early (oc.rankl_withdrawal_death_rate), so osteoclast surface and resorption fall"
)
READOUT = "calibrated"
READOUT_NOTE = (
    "the size of the fall is nearly set by the declared block (Emax 0.999 of free RANKL, citing the same Kostenuik "
    "2009 paper); its speed depends on the RANKL-withdrawal death of osteoclasts and on denosumab's potency, both "
    "added or changed (commit 04ecffa) after this target had failed on resorption within a week (re-run at commit "
    "2a6d0ee, seeds 1-3: resorption days 7-10 down 36% healthy, 65% mm_niche, against ≥ 70%). Oc.S/BS down ≥ 80% "
    "passed before that change"
)
PUBLISHED = "Oc.S/BS −95% (target: ≥ 80% by day 28); resorption −>80% within ~1 week (target: ≥ 70% by days 7-10)"
TOLERANCE = (
    "healthy and mm_niche, 100x100, denosumab 120 mg/4 w first dose at day 30 (after a 30-day warm-up so remodelling "
    "runs), to day 60; per-seed paired reduction vs untreated of mean Oc.S/BS over days 21-28 after the first dose, "
    "and of resorbed area during days 7-10 after it; pass if mean reductions ≥ 80% and ≥ 70%"
)
SEEDS = IN_VIVO_SEEDS
START = 30
REGIMEN = f"denosumab=120mg/4w@day{START}"


def _ocs(run) -> float:
    return window_mean(run.series, "oc_s_bs", START + 21, START + 28)


def _resorbed_days_7_10(run) -> float:
    r = course(run, "resorbed_mm2")
    return float(r.loc[START + 10] - r.loc[START + 6])


def evaluate(seeds: tuple[int, ...] = SEEDS) -> dict:
    checks, details, parts, panels = {}, {}, [], []
    for scenario in ("healthy", "mm_niche"):
        control = [simulate(scenario, s) for s in seeds]
        treated = [simulate(scenario, s, drugs=(REGIMEN,)) for s in seeds]
        c_ocs, t_ocs = np.array([_ocs(r) for r in control]), np.array([_ocs(r) for r in treated])
        c_res = np.array([_resorbed_days_7_10(r) for r in control])
        t_res = np.array([_resorbed_days_7_10(r) for r in treated])
        ocs_drop = 1 - t_ocs.mean() / c_ocs.mean()
        res_drop = 1 - t_res.mean() / c_res.mean()
        with np.errstate(divide="ignore", invalid="ignore"):
            ocs_seed = np.where(c_ocs > 0, 1 - t_ocs / c_ocs, np.nan)
            res_seed = np.where(c_res > 0, 1 - t_res / c_res, np.nan)
        checks[f"{scenario}: Oc.S/BS down ≥ 80%"] = bool(ocs_drop >= 0.8)
        checks[f"{scenario}: resorption down ≥ 70%"] = bool(res_drop >= 0.7)
        parts.append(
            f"{scenario}: Oc.S/BS (days 21-28) −{ocs_drop:.0%} (per-seed {fmt(ocs_seed)}), "
            f"resorbed area (days 7-10) −{res_drop:.0%} (per-seed {fmt(res_seed)})"
        )
        details[scenario] = {
            "oc_s_bs_control": c_ocs.tolist(),
            "oc_s_bs_treated": t_ocs.tolist(),
            "resorbed_mm2_control": c_res.tolist(),
            "resorbed_mm2_treated": t_res.tolist(),
            "oc_s_bs_reduction_of_means": float(ocs_drop),
            "resorption_reduction_of_means": float(res_drop),
            "oc_s_bs_reduction_per_seed": interval(ocs_seed),
        }
        panels.append(
            (
                f"{scenario}: Oc.S/BS, %",
                {
                    "untreated": [course(r, "oc_s_bs").rolling(5, min_periods=1).mean() for r in control],
                    "denosumab @day30": [course(r, "oc_s_bs").rolling(5, min_periods=1).mean() for r in treated],
                },
            )
        )
    figure = timecourse_figure("t04_denosumab.png", panels, f"T4 denosumab from day {START} (5-day means, 95% band)")
    details["checks"] = checks
    details["days"] = DAYS
    return {
        "status": "PASS" if all(checks.values()) else "FAIL",
        "measured": "; ".join(parts) + " (reduction of seed means; per-seed paired mean [95% CI])",
        "published": PUBLISHED,
        "details": details,
        "figure": figure,
    }
