"""T18: resorption keeps pace as the tumour fills the marrow (Durie & Salmon 1975; Terpos 2003).

Added on 2026-12-03 after `python -m analysis.burden_course` found resorption falling as mm_advanced grows; its
criterion was fixed before any change of the rules meant to meet it, and the model as it stood fails it.
"""

from __future__ import annotations

import numpy as np

from niche_abm.validation.common import IN_VIVO_SEEDS, at_day, fmt, simulate, trend_figure

ID = "T18"
CLAIM = (
    "bone resorption keeps pace with the tumour: as MM cells fill more of the marrow, the marrow resorbs bone at "
    "least as fast (stage III, the largest tumour mass, carries the most lytic disease; the sRANKL/OPG ratio "
    "rises with markers of bone resorption and of disease activity)"
)
SOURCE = "Durie & Salmon 1975 Cancer 36:842; Terpos et al. 2003 Blood 102:1064"
MECHANISM = (
    "As MM grows, more stroma are touched (RANKL up, OPG down) and more CCL3 is secreted, so precursors keep being "
    "recruited at vessels and fuse on bone; this tests whether they still reach the bone, and find partners and "
    "free surface there, when MM cells hold most of the marrow, including the sites next to bone"
)
READOUT = "emergent"
PUBLISHED = (
    "direction: more tumour, more bone destruction: resorption markers correlate with sRANKL/OPG and with "
    "markers of disease activity in 121 newly diagnosed patients (Terpos 2003); lytic lesions define stage III "
    "(Durie & Salmon 1975). No rate over time is given: the target asks only that resorption not fall. Both are "
    "across patients, not one piece of marrow over time; locally, established osteolytic lesions are not "
    "characterized by massive osteoclast content (Silvestris et al. 2009 Oncologist 14:264, a review)"
)
TOLERANCE = (
    f"mm_advanced on 100 x 100 sites (1 mm², its MM cells and foci scaled to the area), 120 d, seeds "
    f"1-{len(IN_VIVO_SEEDS)}. Bone "
    "resorbed in days 31-60 (MM cells about a fifth of the marrow) and in days 91-120 (about two thirds), "
    "each the rise of resorbed area over the window. Pass if the per-seed difference, days 91-120 minus days "
    "31-60, has a mean ≥ 0 (resorption not lower late; its 95% t-interval reported). Reported: the MM share of "
    "the marrow and the resorbed area in every 30-day window. Fixed on 2026-12-03 before any rule was changed "
    "for it; a change made to meet it should be tried on other seeds first"
)
SEEDS = IN_VIVO_SEEDS
"""The in-vivo targets' seeds: T19 and T20 read their mm_advanced runs from these same 120-day runs."""
DAYS = 120
WINDOWS = ((0, 30), (30, 60), (60, 90), (90, 120))
"""(start, end) days of each window: its readouts are the changes from day start to day end, or means over it."""
EARLIER, LATE = 1, 3
"""The windows compared: days 31-60 and 91-120."""


def _windows(seed: int) -> tuple[list[float], list[float]]:
    """Bone resorbed (mm²) and mean MM share of the marrow (%) in each window of one run."""
    series = simulate("mm_advanced", seed, days=DAYS).series
    resorbed, share = [], []
    for start, end in WINDOWS:
        resorbed.append(at_day(series, "resorbed_mm2", end) - at_day(series, "resorbed_mm2", start))
        days = series[(series["day"] > start) & (series["day"] <= end)]
        share.append(100.0 * float(days["mm_fraction"].mean()))
    return resorbed, share


def evaluate(seeds: tuple[int, ...] = SEEDS) -> dict:
    runs = [_windows(seed) for seed in seeds]
    resorbed = np.array([r for r, _ in runs])
    share = np.array([s for _, s in runs])
    change = resorbed[:, LATE] - resorbed[:, EARLIER]
    keeps_pace = bool(np.mean(change) >= 0)
    labels = [f"days {start + 1}-{end}" for start, end in WINDOWS]
    middle = [(start + end) / 2 for start, end in WINDOWS]
    figure = trend_figure(
        "t18_resorption_keeps_pace.png",
        [
            ("bone resorbed in the window, 0.001 mm²", {m: list(1e3 * resorbed[:, i]) for i, m in enumerate(middle)}),
            ("MM share of the marrow, %", {m: list(share[:, i]) for i, m in enumerate(middle)}),
        ],
        "day (middle of the 30-day window)",
        "T18 mm_advanced, 1 mm²: resorption per window as MM fills the marrow (dots: seeds; mean and 95% CI)",
    )
    by_window = "; ".join(
        f"{label}: MM {fmt(share[:, i], '%')}, resorbed {fmt(1e3 * resorbed[:, i], '0.001 mm²')}"
        for i, label in enumerate(labels)
    )
    return {
        "status": "PASS" if keeps_pace else "FAIL",
        "measured": (
            f"resorbed in days 91-120 minus days 31-60: {fmt(1e3 * change, '0.001 mm²')} per seed; {by_window}"
        ),
        "published": PUBLISHED,
        "details": {
            "checks": {"resorption not lower in days 91-120 than in days 31-60": keeps_pace},
            "resorbed_mm2": {label: resorbed[:, i].tolist() for i, label in enumerate(labels)},
            "mm_share_percent": {label: share[:, i].tolist() for i, label in enumerate(labels)},
            "late_minus_earlier_mm2": change.tolist(),
        },
        "figure": figure,
    }
