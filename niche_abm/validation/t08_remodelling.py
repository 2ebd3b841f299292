"""T8: normal remodelling timing and balance in health (Lips 1978; Manolagas 2000)."""

from __future__ import annotations

import numpy as np

from niche_abm.validation.common import IN_VIVO_SEEDS, at_day, course, fmt, interval, simulate, timecourse_figure

ID = "T8"
CLAIM = (
    "normal remodelling timing: osteoclast life about 2 weeks, resorption phase 3-4 weeks, formation period about "
    "69 days, wall thickness about 50 µm, bone balanced in health"
)
SOURCE = "Lips et al. 1978 Calcif Tissue Res 26:13; Manolagas 2000 Endocr Rev 21:115"
MECHANISM = (
    "Osteoclasts live a gamma-distributed oc.lifespan_h, shortened only by RANKL withdrawal; precursors released from "
    "vessels fuse on bone and resorb; PreOBs recruited to eroded surfaces become osteoblasts that refill cavities up "
    "to the starting bone"
)
READOUT = "direct"
READOUT_NOTE = (
    "the lifespan is an input (oc.lifespan_h = 14 d, Manolagas 2000): the check sees the input minus early deaths. "
    "'Resorption and formation active' cannot fail while precursors are recruited. The BV/TV balance is emergent "
    "(formation coupled to resorption), but formation only refills resorbed bone up to the starting bone, so BV/TV "
    "can never rise: the check tests that refilling keeps pace with resorption"
)
PUBLISHED = "osteoclast lifespan ~2 weeks (target 10-20 d); BV/TV balanced (target |Δ| ≤ 1 point over 180 d)"
TOLERANCE = (
    "healthy, 100x100, 180 d: mean osteoclast lifespan (seed means of completed lifespans) in 10-20 d; mean BV/TV "
    "change within ±1 % point; resorbed and formed area both > 0 in every seed"
)
SEEDS = IN_VIVO_SEEDS
DAYS = 180


def evaluate(seeds: tuple[int, ...] = SEEDS) -> dict:
    runs = [simulate("healthy", s, days=DAYS) for s in seeds]
    lifespans = [np.asarray(r.counters["osteoclast_lifespans_h"], float) / 24 for r in runs]
    life = np.array([x.mean() if len(x) else np.nan for x in lifespans])
    delta = np.array([at_day(r.series, "bv_tv", DAYS) - at_day(r.series, "bv_tv", 0) for r in runs])
    resorbed = np.array([at_day(r.series, "resorbed_mm2", DAYS) for r in runs])
    formed = np.array([at_day(r.series, "formed_mm2", DAYS) for r in runs])
    checks = {
        "lifespan 10-20 d": bool(10 <= np.nanmean(life) <= 20),
        "|ΔBV/TV| ≤ 1 point": bool(abs(delta.mean()) <= 1),
        "resorption and formation active": bool((resorbed > 0).all() and (formed > 0).all()),
    }
    figure = timecourse_figure(
        "t08_remodelling.png",
        [
            ("BV/TV, %", {"healthy": [course(r, "bv_tv") for r in runs]}),
            (
                "cumulative area, mm²",
                {
                    "resorbed": [course(r, "resorbed_mm2") for r in runs],
                    "formed": [course(r, "formed_mm2") for r in runs],
                },
            ),
        ],
        "T8 healthy, 180 d (95% band over seeds)",
    )
    return {
        "status": "PASS" if all(checks.values()) else "FAIL",
        "measured": (
            f"osteoclast lifespan {fmt(life, 'd')} ({sum(len(x) for x in lifespans)} osteoclasts); ΔBV/TV "
            f"{fmt(delta, 'pt')}; resorbed {fmt(resorbed, 'mm²')}, formed {fmt(formed, 'mm²')} in 180 d"
        ),
        "published": PUBLISHED,
        "details": {
            "checks": checks,
            "lifespan_d": life.tolist(),
            "lifespans_counted": [len(x) for x in lifespans],
            "delta_bv_tv": delta.tolist(),
            "delta_bv_tv_ci": interval(delta),
            "resorbed_mm2": resorbed.tolist(),
            "formed_mm2": formed.tolist(),
        },
        "figure": figure,
    }
