"""T9: zoledronic acid prevents lytic lesions and reduces osteoclasts in a myeloma model (Croucher 2003)."""

from __future__ import annotations

import numpy as np

from niche_abm.validation.common import (
    DAYS,
    IN_VIVO_SEEDS,
    at_day,
    bar_figure,
    excludes_zero_below,
    fmt,
    simulate,
)

ID = "T9"
CLAIM = "zoledronic acid prevents lytic lesions and reduces osteoclasts in a myeloma model"
SOURCE = "Croucher et al. 2003 J Bone Miner Res 18:482"
MECHANISM = (
    "Zoledronic acid raises osteoclast death (osteoclast_death, up to 4x) and cuts each osteoclast's resorption "
    "(resorption, down 70%), so fewer osteoclasts remove less bone and lesions stay small"
)
READOUT = "direct"
READOUT_NOTE = (
    "the osteoclast number is set by the drug's declared death effect; the lesion area follows one step later from "
    "fewer osteoclasts each resorbing 70% less (also declared), its size depending on where they resorb"
)
PUBLISHED = "direction: lesion area and osteoclast number lower than untreated"
TOLERANCE = (
    "mm_niche, 100x100, 60 d, zoledronic acid default regimen (4 mg/28 d) from day 0: paired differences "
    "(drug − untreated) of lesion area at day 60 and of mean osteoclast count, each 95% interval below zero"
)
SEEDS = IN_VIVO_SEEDS


def evaluate(seeds: tuple[int, ...] = SEEDS) -> dict:
    arms = {"untreated": (), "zoledronic acid": ("zoledronic-acid",)}
    runs = {arm: [simulate("mm_niche", s, drugs=d) for s in seeds] for arm, d in arms.items()}
    lesion = {arm: np.array([at_day(r.series, "lesion_area_mm2", DAYS) for r in rs]) for arm, rs in runs.items()}
    n_oc = {arm: np.array([r.series["n_oc"].mean() for r in rs]) for arm, rs in runs.items()}
    d_lesion = lesion["zoledronic acid"] - lesion["untreated"]
    d_oc = n_oc["zoledronic acid"] - n_oc["untreated"]
    checks = {"lesion area lower": excludes_zero_below(d_lesion), "osteoclasts lower": excludes_zero_below(d_oc)}
    figure = bar_figure(
        "t09_zoledronate.png",
        [("lesion area at day 60, mm²", lesion), ("mean osteoclasts over run", n_oc)],
        "T9 mm_niche: zoledronic acid vs untreated (95% CI)",
    )
    return {
        "status": "PASS" if all(checks.values()) else "FAIL",
        "measured": (
            f"lesion area untreated {fmt(lesion['untreated'], 'mm²')}, Δ {fmt(d_lesion, 'mm²')}; mean N.Oc untreated "
            f"{fmt(n_oc['untreated'])}, Δ {fmt(d_oc)} (zoledronic acid − untreated)"
        ),
        "published": PUBLISHED,
        "details": {
            "checks": checks,
            "lesion_area_mm2": {k: v.tolist() for k, v in lesion.items()},
            "mean_n_oc": {k: v.tolist() for k, v in n_oc.items()},
        },
        "figure": figure,
    }
