"""T3: RANKL blockade (OPG-Fc, RANK-Fc) decreases myeloma osteolysis (Croucher 2001; Pearse 2001)."""

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

ID = "T3"
CLAIM = "the RANKL/OPG imbalance drives osteolysis; RANKL blockade (OPG-Fc, RANK-Fc) decreases myeloma osteolysis"
SOURCE = "seed abstract PMID 15359989; Croucher et al. 2001 Blood 98:3534; Pearse et al. 2001 PNAS 98:11581"
MECHANISM = (
    "OPG-Fc and RANK-Fc sequester RANKL (free_rankl); lower RANK occupancy slows the fusion of precursors into "
    "osteoclasts and withdraws the osteoclasts' survival signal, so fewer osteoclasts resorb bone while formation "
    "follows resorption"
)
READOUT = "emergent"
READOUT_NOTE = (
    "the drugs set free RANKL, not the readouts; the osteoclast count is a short chain from it (free RANKL to fusion "
    "and survival), the bone loss a longer one (resorption net of coupled formation). The target passed before the "
    "RANKL-survival rule was added (re-run at commit 2a6d0ee, seeds 1-3)"
)
PUBLISHED = "direction: OPG-Fc and RANK-Fc arms lose less bone and have fewer osteoclasts than untreated"
TOLERANCE = (
    "mm_niche, 100x100 sites, 60 d, default clinical regimen from day 0: per-seed paired differences "
    "(drug − untreated) of BV/TV loss and of mean osteoclast count, each 95% interval below zero"
)
SEEDS = IN_VIVO_SEEDS
ARMS = {"OPG-Fc": "opg-fc", "RANK-Fc": "rank-fc"}


def _bone_loss(run) -> float:
    return at_day(run.series, "bv_tv", 0) - at_day(run.series, "bv_tv", DAYS)


def evaluate(seeds: tuple[int, ...] = SEEDS) -> dict:
    control = [simulate("mm_niche", s) for s in seeds]
    loss = {"untreated": np.array([_bone_loss(r) for r in control])}
    n_oc = {"untreated": np.array([r.series["n_oc"].mean() for r in control])}
    for arm, drug in ARMS.items():
        runs = [simulate("mm_niche", s, drugs=(drug,)) for s in seeds]
        loss[arm] = np.array([_bone_loss(r) for r in runs])
        n_oc[arm] = np.array([r.series["n_oc"].mean() for r in runs])
    checks, parts = {}, []
    for arm in ARMS:
        d_loss, d_oc = loss[arm] - loss["untreated"], n_oc[arm] - n_oc["untreated"]
        checks[f"{arm}: less bone loss"] = excludes_zero_below(d_loss)
        checks[f"{arm}: fewer osteoclasts"] = excludes_zero_below(d_oc)
        parts.append(f"{arm}: ΔBV/TV-loss {fmt(d_loss, 'pt')}, Δmean N.Oc {fmt(d_oc)}")
    figure = bar_figure(
        "t03_rankl_blockade.png",
        [("BV/TV lost over 60 d, % points", loss), ("mean osteoclasts over run", n_oc)],
        "T3 mm_niche: RANKL blockade vs untreated (95% CI)",
    )
    return {
        "status": "PASS" if all(checks.values()) else "FAIL",
        "measured": f"untreated BV/TV loss {fmt(loss['untreated'], 'pt')}; " + "; ".join(parts) + " (drug − untreated)",
        "published": PUBLISHED,
        "details": {
            "checks": checks,
            "bv_tv_loss": {k: v.tolist() for k, v in loss.items()},
            "mean_n_oc": {k: v.tolist() for k, v in n_oc.items()},
        },
        "figure": figure,
    }
