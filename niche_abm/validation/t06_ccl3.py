"""T6: marrow CCL3/MIP-1α is detectable in active myeloma and not in health (Choi 2000)."""

from __future__ import annotations

import numpy as np

from niche_abm.validation.common import IN_VIVO_SEEDS, bar_figure, fmt, interval, second_half_mean, simulate

ID = "T6"
CLAIM = "CCL3/MIP-1α is detectable in active-MM marrow plasma (75-7784 pg/mL) and not in healthy marrow (< 75 pg/mL)"
SOURCE = "Choi et al. 2000 Blood 96:671"
MECHANISM = (
    "Every MM cell secretes CCL3 at mm.ccl3_secretion and the field diffuses and decays, so marrow CCL3 follows the "
    "MM burden; nothing else in the model makes CCL3"
)
READOUT = "calibrated"
READOUT_NOTE = (
    "MM arms: mm.ccl3_secretion was halved from 1000 to 500 molecules/h per cell (commit 04ecffa, 'between low and "
    "high producers') after this target had failed (re-run at commit 2a6d0ee, seeds 1-3: mm_advanced 11,400 pg/mL, "
    "above 7784), and the published range spans two orders of magnitude. Healthy arm: direct by construction, it "
    "cannot fail: only MM cells secrete CCL3, so healthy marrow holds 0 pg/mL"
)
PUBLISHED = "active MM 75-7784 pg/mL; healthy < 75 pg/mL (ELISA detection limit)"
TOLERANCE = (
    "mean marrow CCL3 over days 31-60 (100x100; mm_advanced seeded with 750 MM cells, its 3000 scaled to the 4x "
    "smaller area), pg/mL = pM x 7.8 (CCL3 ≈ 7.8 kDa); pass if the seed mean of mm_niche and of mm_advanced lies in "
    "75-7784 and that of healthy below 75"
)
SEEDS = IN_VIVO_SEEDS
LOW, HIGH = 75.0, 7784.0


def evaluate(seeds: tuple[int, ...] = SEEDS) -> dict:
    values = {
        name: np.array([second_half_mean(simulate(name, s).series, "ccl3_mean") for s in seeds])
        for name in ("healthy", "mm_niche", "mm_advanced")
    }
    checks = {
        "mm_niche in range": LOW <= interval(values["mm_niche"])[0] <= HIGH,
        "mm_advanced in range": LOW <= interval(values["mm_advanced"])[0] <= HIGH,
        "healthy below 75": interval(values["healthy"])[0] < LOW,
    }
    figure = bar_figure(
        "t06_ccl3.png",
        [("marrow CCL3, pg/mL (days 31-60)", {k: list(v) for k, v in values.items()})],
        "T6 marrow CCL3 (95% CI); published MM range 75-7784 pg/mL",
    )
    return {
        "status": "PASS" if all(checks.values()) else "FAIL",
        "measured": "; ".join(f"{k} {fmt(v, 'pg/mL')}" for k, v in values.items()),
        "published": PUBLISHED,
        "details": {"checks": checks, "ccl3_pg_ml": {k: v.tolist() for k, v in values.items()}},
        "figure": figure,
    }
