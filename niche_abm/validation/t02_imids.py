"""T2: lenalidomide and pomalidomide blunt the MM-induced changes in PreOB-MM co-culture (Bolzoni 2013)."""

from __future__ import annotations

import numpy as np

from niche_abm.validation.common import (
    COCULTURE_SEEDS,
    arm_values,
    bar_figure,
    coculture_table,
    excludes_zero_below,
    fmt,
    interval,
)

ID = "T2"
CLAIM = (
    "lenalidomide and pomalidomide blunt the MM-induced RANKL rise and normalise RANKL/OPG in PreOB-MM co-culture, "
    "cut CCL3 from MM cells, lower CD49d on MM cells and reduce the pro-osteoclastogenic activity of the medium"
)
SOURCE = "Bolzoni et al. 2013 Exp Hematol 41:387; GEO GSE37302"
MECHANISM = (
    "IMiDs act through four declared effects: they lower CD49d on MM cells (mm_cd49d), cut MM CCL3 secretion "
    "(mm_ccl3_secretion), blunt the stromal response to MM contact (stroma_contact_response) and inhibit precursor "
    "fusion (osteoclast_formation); the well's medium carries these into the four readouts"
)
READOUT = "direct"
READOUT_NOTE = (
    "each readout is a declared target of the drug: CD49d and CCL3 are lowered by the effect itself, RANKL/OPG by "
    "the blunted contact response (plus fewer adherent MM cells), conditioned-medium osteoclastogenesis by the fusion "
    "inhibition carried over in the medium (plus its lower RANKL/OPG and CCL3). POM ≥ LEN follows from the declared "
    "potencies (POM's EC50 20x lower) at the chosen in-vitro doses"
)
PUBLISHED = "ratio, CCL3, CD49d and conditioned-medium osteoclastogenesis all lower with LEN and POM; POM ≥ LEN"
TOLERANCE = (
    "each measure: 95% interval of (drug − untreated contact) below zero, for LEN 10 µM and POM 1 µM; "
    "POM's mean relative reduction ≥ LEN's for every measure"
)
SEEDS = COCULTURE_SEEDS

CONTACT = "PreOB + MM, contact"
DRUG_ARMS = {"LEN 10 µM": "PreOB + MM, contact + LEN 10 µM", "POM 1 µM": "PreOB + MM, contact + POM 1 µM"}
MEASURES = {
    "rankl_opg_ratio": "RANKL/OPG",
    "ccl3_pg_ml": "CCL3, pg/mL",
    "mm_cd49d": "MM CD49d (rel.)",
    "osteoclasts_per_1000_precursors": "OC / 1000 precursors",
}


def evaluate(seeds: tuple[int, ...] = SEEDS) -> dict:
    table = coculture_table(tuple(seeds))
    checks, reductions, parts = {}, {}, []
    for column, label in MEASURES.items():
        control = np.array(arm_values(table, CONTACT, column))
        for drug, arm in DRUG_ARMS.items():
            treated = np.array(arm_values(table, arm, column))
            checks[f"{drug}: {column} lower"] = excludes_zero_below(treated - control)
            reductions[(drug, column)] = 1 - treated / control
        parts.append(
            f"{label} −{interval(reductions[('LEN 10 µM', column)])[0]:.0%} LEN / "
            f"−{interval(reductions[('POM 1 µM', column)])[0]:.0%} POM"
        )
        checks[f"POM ≥ LEN: {column}"] = (
            interval(reductions[("POM 1 µM", column)])[0] >= interval(reductions[("LEN 10 µM", column)])[0]
        )
    figure = bar_figure(
        "t02_imids.png",
        [
            (
                label,
                {"untreated": arm_values(table, CONTACT, c)}
                | {d: arm_values(table, a, c) for d, a in DRUG_ARMS.items()},
            )
            for c, label in MEASURES.items()
        ],
        "T2 contact co-culture, 48 h: untreated vs LEN 10 µM vs POM 1 µM (95% CI)",
    )
    failed = [k for k, ok in checks.items() if not ok]
    return {
        "status": "PASS" if not failed else "FAIL",
        "measured": "; ".join(parts)
        + f" (vs untreated contact, n={len(seeds)} seeds)"
        + (f"; failed: {', '.join(failed)}" if failed else ""),
        "published": PUBLISHED,
        "details": {
            "checks": checks,
            "relative_reduction": {f"{d} {c}": fmt(v) for (d, c), v in reductions.items()},
        },
        "figure": figure,
    }
