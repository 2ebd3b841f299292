"""T21: APRIL is higher in myeloma than in health (Moreaux 2004)."""

from __future__ import annotations

import numpy as np

from niche_abm.validation.common import (
    IN_VIVO_SEEDS,
    bar_figure,
    excludes_zero_above,
    fmt,
    second_half_mean,
    simulate,
)

ID = "T21"
CLAIM = "APRIL and BAFF are higher in myeloma than in health: serum levels about 5-fold those of healthy donors"
SOURCE = "Moreaux et al. 2004 Blood 103:3148"
MECHANISM = (
    "Osteoclasts secrete APRIL (oc.april_secretion) and nothing else in the model makes it; MM's contact shift of "
    "RANKL/OPG and its CCL3 bring more osteoclasts, so marrow APRIL follows the osteoclasts MM brings"
)
READOUT = "emergent"
READOUT_NOTE = (
    "APRIL's secretion, diffusion and decay scale the healthy and the MM arms alike: they set its level, not the "
    "MM/healthy ratio, which follows from how many osteoclasts MM's rules bring (as T11's osteoclast surface). "
    "Criterion fixed before the first run (commit of this file): the source measured serum, which also carries "
    "APRIL from myeloid cells and from MM cells themselves, neither placed in the model, so only the direction is "
    "checked and the fold is reported against the published 5-fold"
)
PUBLISHED = "serum APRIL and BAFF about 5-fold higher in MM patients than in healthy donors"
TOLERANCE = (
    "mean marrow APRIL over days 31-60 (100x100, 60 d, same seeds; mm_advanced seeded with 750 MM cells), pg/mL; "
    "pass if mm_niche − healthy and mm_advanced − healthy, paired by seed, each have a 95% interval above zero; "
    "the ratio of the means to healthy's is reported, not checked"
)
SEEDS = IN_VIVO_SEEDS
PUBLISHED_FOLD = 5.0


def evaluate(seeds: tuple[int, ...] = SEEDS) -> dict:
    values = {
        name: np.array([second_half_mean(simulate(name, s).series, "april_mean") for s in seeds])
        for name in ("healthy", "mm_niche", "mm_advanced")
    }
    differences = {name: values[name] - values["healthy"] for name in ("mm_niche", "mm_advanced")}
    checks = {f"{name} above healthy": excludes_zero_above(d) for name, d in differences.items()}
    folds = {name: float(values[name].mean() / values["healthy"].mean()) for name in differences}
    figure = bar_figure(
        "t21_april.png",
        [("marrow APRIL, pg/mL (days 31-60)", {k: list(v) for k, v in values.items()})],
        f"T21 marrow APRIL (95% CI); published: about {PUBLISHED_FOLD:g}x health in serum",
    )
    return {
        "status": "PASS" if all(checks.values()) else "FAIL",
        "measured": (
            "; ".join(f"{k} {fmt(v, 'pg/mL')}" for k, v in values.items())
            + "; above healthy (same seed) "
            + ", ".join(f"{k} {fmt(d, 'pg/mL')}" for k, d in differences.items())
            + "; ratio of the means to healthy's "
            + ", ".join(f"{k} {fold:.2g}x" for k, fold in folds.items())
        ),
        "published": PUBLISHED,
        "details": {
            "checks": checks,
            "april_pg_ml": {k: v.tolist() for k, v in values.items()},
            "fold_of_healthy": folds,
        },
        "figure": figure,
    }
