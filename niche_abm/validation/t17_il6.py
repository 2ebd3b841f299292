"""T17: MM adhesion to stroma triggers stromal IL-6, which supports MM growth; MM cells grow without adhesion too
(Uchiyama 1993; Chauhan 1996)."""

from __future__ import annotations

import numpy as np

from niche_abm.validation.common import (
    COCULTURE_SEEDS,
    DAYS,
    arm_values,
    at_day,
    bar_figure,
    coculture_table,
    excludes_zero_above,
    excludes_zero_below,
    fmt,
    simulate,
)

ID = "T17"
CLAIM = (
    "adhesion of MM cells to marrow stroma triggers stromal IL-6 secretion, which supports MM growth; MM cells "
    "also grow without adhesion, more slowly"
)
SOURCE = "Uchiyama et al. 1993 Blood 82:3712; Chauhan et al. 1996 Blood 87:1104"
MECHANISM = (
    "A stromal cell touched by an adherent MM cell secretes stroma.contact_il6_fold times its baseline IL-6; IL-6 "
    "raises MM division (up to mm.il6_division_fold) and lowers MM death (up to mm.il6_survival) as IL-6 / "
    "(IL-6 + mm.il6_ec50_pm). Adherent MM cells die at half the free rate; free cells divide and die at equal "
    "rates without IL-6, and IL-6, vessels and osteoclasts tip them into growth"
)
READOUT = "direct"
READOUT_NOTE = (
    "(a) contact raising stromal IL-6 is the contact fold, an input (5x, an estimate), averaged over the share "
    "of stroma touched. (b) is emergent in that MM growth without adhesion comes from the marrow IL-6 the stroma "
    "build, vessel and osteoclast support and crowding acting together, but the free death rate was chosen so "
    "that a free cell without IL-6 just holds its number (params: mm.death_rate_free), and adherent cells die at "
    "half that rate by input, so both directions of (b) were designed in"
)
PUBLISHED = (
    "direction: adhesion of MM cells to marrow stromal cells triggered IL-6 secretion by the stroma (Uchiyama "
    "1993), through NF-κB (Chauhan 1996); IL-6 supports MM growth and survival; MM cells proliferate without "
    "stroma"
)
SEEDS = (1, 2, 3, 4, 5)
TOLERANCE = (
    f"(a) co-culture well (100 x 100 sites), 48 h, seeds 1-{min(len(SEEDS), len(COCULTURE_SEEDS))} (the first "
    "of its seeds, as many as the co-culture targets run): per-seed difference of stromal IL-6 output "
    "(molecules/h per PreOB) contact − PreOB alone, 95% t-interval above zero. (b) mm_niche on 100 x 100 sites (1 "
    f"mm², 150 MM cells in 2 foci: its 600 in 6 scaled to the area), 60 d, seeds 1-{len(SEEDS)}, with and without "
    "mm.adhesion_rate = 0: growth = MM count at day 60 / at day 0; pass if growth − 1 without adhesion has its 95% "
    "t-interval above zero and the per-seed difference of growth (blocked − with adhesion) has its interval below "
    "zero"
)
ALONE, CONTACT, TRANSWELL = "PreOB alone", "PreOB + MM, contact", "PreOB + MM, transwell"
BLOCKED = {"mm.adhesion_rate": 0.0}


def _growth(overrides: dict, seed: int) -> float:
    """MM count at day 60 over the count at day 0 in mm_niche."""
    series = simulate("mm_niche", seed, overrides=overrides).series
    return at_day(series, "n_mm", DAYS) / at_day(series, "n_mm", 0)


def evaluate(seeds: tuple[int, ...] = SEEDS) -> dict:
    table = coculture_table(tuple(seeds)[: len(COCULTURE_SEEDS)])
    il6 = {arm: np.array(arm_values(table, arm, "stromal_il6_output")) for arm in (ALONE, CONTACT, TRANSWELL)}
    medium = {arm: np.array(arm_values(table, arm, "il6_pg_ml")) for arm in (ALONE, CONTACT, TRANSWELL)}
    growth = {
        "with adhesion": np.array([_growth({}, s) for s in seeds]),
        "adhesion blocked": np.array([_growth(BLOCKED, s) for s in seeds]),
    }
    slower = growth["adhesion blocked"] - growth["with adhesion"]
    checks = {
        "contact raises stromal IL-6": excludes_zero_above(il6[CONTACT] - il6[ALONE]),
        "MM grows with adhesion blocked": excludes_zero_above(growth["adhesion blocked"] - 1.0),
        "more slowly than with adhesion": excludes_zero_below(slower),
    }
    figure = bar_figure(
        "t17_il6.png",
        [
            ("stromal IL-6, molecules/h per PreOB", {a.replace("PreOB + MM, ", ""): list(v) for a, v in il6.items()}),
            ("MM count day 60 / day 0, mm_niche", {k: list(v) for k, v in growth.items()}),
        ],
        "T17 co-culture stromal IL-6 (48 h) and MM growth without adhesion (95% CI)",
    )
    return {
        "status": "PASS" if all(checks.values()) else "FAIL",
        "measured": (
            f"stromal IL-6 output alone {fmt(il6[ALONE])}, contact {fmt(il6[CONTACT])}, transwell "
            f"{fmt(il6[TRANSWELL])} molecules/h per PreOB (medium: alone {fmt(medium[ALONE], 'pg/mL')}, contact "
            f"{fmt(medium[CONTACT], 'pg/mL')}); mm_niche MM growth in 60 d with adhesion "
            f"{fmt(growth['with adhesion'], 'x')}, blocked {fmt(growth['adhesion blocked'], 'x')}, "
            f"difference {fmt(slower)}"
        ),
        "published": PUBLISHED,
        "details": {
            "checks": checks,
            "stromal_il6_output": {a: v.tolist() for a, v in il6.items()},
            "medium_il6_pg_ml": {a: v.tolist() for a, v in medium.items()},
            "growth": {k: v.tolist() for k, v in growth.items()},
        },
        "figure": figure,
    }
