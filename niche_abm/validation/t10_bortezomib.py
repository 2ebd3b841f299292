"""T10: bortezomib kills MM cells and increases osteoblasts and bone formation (Giuliani 2007; Lund 2010)."""

from __future__ import annotations

import numpy as np

from niche_abm.validation.common import (
    DAYS,
    IN_VIVO_SEEDS,
    at_day,
    bar_figure,
    excludes_zero_above,
    excludes_zero_below,
    fmt,
    second_half_mean,
    simulate,
)

ID = "T10"
CLAIM = "bortezomib kills MM cells and increases osteoblasts / bone formation markers"
SOURCE = "Giuliani et al. 2007 Blood 110:334; Lund et al. 2010 Eur J Haematol 85:290"
MECHANISM = (
    "Bortezomib raises MM death (mm_death, up to 5x) and doubles the differentiation of PreOBs into osteoblasts "
    "(osteoblast_differentiation), both on eroded surfaces (refilling cavities) and on quiescent ones (modelling "
    "osteoblasts that lay new bone); clearing MM also removes its DKK1, which restores Wnt signalling"
)
READOUT = "direct"
READOUT_NOTE = (
    "the MM count and Ob.S/BS are each declared targets of the drug (MM death, osteoblast differentiation); the "
    "formed area follows from both: more osteoblasts form bone, while clearing MM cuts the resorption whose "
    "cavities they would refill"
)
PUBLISHED = "direction: MM count lower; osteoblast surface and bone formation higher than untreated"
TOLERANCE = (
    "mm_niche, 100x100, 60 d, bortezomib default regimen from day 0: paired differences (drug − untreated) of MM count "
    "at day 60 (95% interval below zero), of mean Ob.S/BS over days 31-60 and of formed area at day 60 (above zero)"
)
SEEDS = IN_VIVO_SEEDS


def evaluate(seeds: tuple[int, ...] = SEEDS) -> dict:
    arms = {"untreated": (), "bortezomib": ("bortezomib",)}
    runs = {arm: [simulate("mm_niche", s, drugs=d) for s in seeds] for arm, d in arms.items()}
    n_mm = {a: np.array([at_day(r.series, "n_mm", DAYS) for r in rs], float) for a, rs in runs.items()}
    ob_s = {a: np.array([second_half_mean(r.series, "ob_s_bs") for r in rs]) for a, rs in runs.items()}
    formed = {a: np.array([at_day(r.series, "formed_mm2", DAYS) for r in rs]) for a, rs in runs.items()}
    diff = {name: v["bortezomib"] - v["untreated"] for name, v in (("mm", n_mm), ("ob", ob_s), ("formed", formed))}
    checks = {
        "MM count lower": excludes_zero_below(diff["mm"]),
        "Ob.S/BS higher": excludes_zero_above(diff["ob"]),
        "formed area higher": excludes_zero_above(diff["formed"]),
    }
    figure = bar_figure(
        "t10_bortezomib.png",
        [("MM cells at day 60", n_mm), ("Ob.S/BS, % (days 31-60)", ob_s), ("formed area, mm² (60 d)", formed)],
        "T10 mm_niche: bortezomib vs untreated (95% CI)",
    )
    return {
        "status": "PASS" if all(checks.values()) else "FAIL",
        "measured": (
            f"MM count untreated {fmt(n_mm['untreated'])}, Δ {fmt(diff['mm'])}; Ob.S/BS untreated "
            f"{fmt(ob_s['untreated'], '%')}, Δ {fmt(diff['ob'], 'pt')}; "
            f"formed untreated {fmt(formed['untreated'], 'mm²')}, "
            f"Δ {fmt(diff['formed'], 'mm²')} (bortezomib − untreated)"
        ),
        "published": PUBLISHED,
        "details": {
            "checks": checks,
            "n_mm": {k: v.tolist() for k, v in n_mm.items()},
            "ob_s_bs": {k: v.tolist() for k, v in ob_s.items()},
            "formed_mm2": {k: v.tolist() for k, v in formed.items()},
        },
        "figure": figure,
    }
