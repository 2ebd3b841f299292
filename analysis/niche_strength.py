"""How strong must MM's two signals to the osteoclast lineage be for MM to resorb as patients do (T20) while a
CCR1 antagonist still cuts resorption as in vitro (T7)? A map of both strengths, and the rule that picks one.

Every fold through which MM drives osteoclasts is an estimate of size (the
papers give directions): the stroma's RANKL and OPG when an adherent MM cell
touches them (Giuliani 2001), and CCL3's four channels on the osteoclast lineage
(Abe 2002; Han 2001; Vallet 2007). At those estimates MM resorbed about ten
times healthy's bone (T20 fails; ``analysis.ccl3_channels``). This scales the
two groups by one exponent each, so that 0 switches a group off and 1 keeps the
table's estimates (:data:`ESTIMATES`; the table now holds the picked point):

- contact strength β: ``stroma.contact_rankl_fold`` and ``stroma.contact_opg_fold``
  each raised to the power β (4^β and 0.3^β; the RANKL/OPG ratio of a touched
  stromal cell moves 13.3^β-fold);
- CCL3 strength α: ``ocp.ccl3_recruitment_fold``, ``ocp.ccl3_fusion_fold`` and
  ``oc.ccl3_resorption_fold`` each raised to the power α, and ``ocp.chemotaxis``
  times α.

Each point (first a 5 x 5 grid of α and β in 0, 0.25, 0.5, 0.75 and 1; more
below) runs mm_niche as T20 and T7 do (100 x 100 sites, MM scaled to 1 mm², 60 days), untreated and with the
CCR1 antagonist MLN3897 from day 0, on seeds 101-108 (none a validation target
uses), beside healthy marrow. It prints, per point, MM's resorption over days
31-60 as a multiple of healthy's (T20's readout, with its paired bootstrap
interval) and the antagonist's cut of osteoclasts formed and of bone resorbed
over 60 days (T7's readouts), and draws docs/figures/niche_strength.png. Last, it
runs the parameter table as it stands on 16 more seeds (109-124), to show how far
the picked point's numbers hold on seeds the pick did not see.

The rule that picks a point, fixed before the first run: among the points whose
two cuts by the antagonist (point estimates) lie in T7's bands (formation
20-60%, resorption 40-90%), the one whose resorption ratio is nearest, on a log
scale, to 2.4x (the geometric middle of Auzina 2017's 1.8x without and 3.3x
with bone lesions); a tie goes to the larger α + β (nearer the table). If no
point qualifies, none is picked.

The first run (the 5 x 5 grid, 2026-12-03) picked α = 0.25, β = 0.25 (3.98x,
cuts 48% and 48%). That rule forgot T1: a stromal cell touched by MM then moves
its RANKL/OPG ratio only 13.3^0.25 = 1.9-fold, below the 2x T1 asks of a whole
co-culture (Giuliani 2001). It also showed the ratio climbing steeply between
α = 0 (2.5x at β = 1, no cut) and α = 0.25 (5.8x, 46%). So, before any of them
ran, the grid gained α = 0.05, 0.1, 0.15 and 0.2 at β = 0.5, 0.75 and 1, and the
rule two conditions: β at least 0.5 (13.3^0.5 = 3.6-fold per touched cell, a
margin over T1's 2x), and a picked point's ratio inside T20's band (1.2-4.9x);
otherwise none is picked. That run picked α = 0.2, β = 0.5 (4.8x, cuts 36% and
44%), and the table took it (the OPG fold 0.3^0.5 = 0.548 rounded to 0.55, the
app slider's step). The same day precursors came to squeeze into packed marrow
at the vessels (``ocp.entry_push_radius_um``), which raised MM's resorption; the
map, run again with the rule unchanged, picked α = 0.15, β = 0.5 (4.4x, cuts 31%
and 40%), and the table took that. Taking a point calibrates T20 and T7 against
their own data: both are then labelled calibrated, and the other in-vivo
targets (T5, T11, T12, T13, T18, T19 above all) stay the emergent checks. About
14 minutes on 2 cores::

    python -m analysis.niche_strength

and any one point (CCL3 α, contact β; e.g. the ABC-SMC posterior's median of
``run.py calibrate niche_strengths``) on the sixteen check seeds alone, about 4 minutes::

    python -m analysis.niche_strength --check 0.22 0.70
"""

from __future__ import annotations

import argparse
import itertools
import math

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np

from analysis.burden_course import FIGURES
from analysis.ccl3_channels import (
    BLOCKER,
    DEVELOPMENT_SEEDS,
    T7_RESORPTION_CUT,
    measure_run,
    print_readouts,
    readouts,
    readouts_text,
)
from analysis.seeded_arms import SeededJob, by_arm, run_arms
from niche_abm.calibration.spec import load_calibration
from niche_abm.calibration.strengths import tied_values
from niche_abm.io import png_metadata
from niche_abm.validation.t20_resorption_markers import RATIO_RANGE

STRENGTHS = (0.0, 0.25, 0.5, 0.75, 1.0)
"""The exponents of the first grid, for each group (0 = off, 1 = the table's folds)."""
FINE_ALPHAS = (0.05, 0.1, 0.15, 0.2)
"""The CCL3 strengths added between 0 and 0.25 after the first run, at the contact strengths T1 allows."""
MIN_BETA = 0.5
"""The least contact strength a picked point may have (T1: 13.3^0.5 = 3.6-fold RANKL/OPG per touched cell)."""
ALPHAS = tuple(sorted((*STRENGTHS, *FINE_ALPHAS)))
POINTS = (
    *itertools.product(STRENGTHS, STRENGTHS),
    *itertools.product(FINE_ALPHAS, [beta for beta in STRENGTHS if beta >= MIN_BETA]),
)
"""(α, β): CCL3 strength, contact strength; the first grid, then the finer CCL3 strengths."""
TIES = load_calibration("niche_strengths").strengths
"""How each strength sets its parameters (the calibration file's [strength.contact] and [strength.ccl3] tables):
the table's first estimates at strength 1, the folds raised to the strength, the chemotaxis times it."""
ESTIMATES = {name: tie.base for ties in TIES.values() for name, tie in ties.items()}
"""The table's estimates before this map set them (strength 1): the folds and the chemotaxis it scales."""
T7_FORMATION_CUT = (0.2, 0.6)
"""T7's band for the antagonist's cut of osteoclasts formed."""
AIM = math.sqrt(1.8 * 3.3)
"""The resorption ratio aimed at: the geometric middle of serum β-CTX's 1.8x and 3.3x (Auzina 2017)."""
CHECK_SEEDS = tuple(range(109, 125))
"""Sixteen more seeds, none a validation target or the map uses, on which the table as picked is run once more."""
ARMS = (("healthy", None, ()), *[("mm_niche", point, drugs) for point in POINTS for drugs in ((), (BLOCKER,))])
"""(scenario, (α, β) or None, drugs) of each arm: healthy marrow, then each point untreated and blocked."""


def overrides(alpha: float, beta: float) -> dict[str, float]:
    """The estimated contact folds raised to β, the CCL3 folds to α, the chemotaxis times α (:data:`TIES`)."""
    return tied_values(TIES, {"contact": beta, "ccl3": alpha})


def measure(job: SeededJob) -> dict[str, float]:
    """One arm at one seed: T20's resorption and T7's totals (:func:`analysis.ccl3_channels.measure_run`)."""
    scenario, point, drugs = job.arm
    return measure_run(scenario, job.seed, drugs, overrides(*point) if point else None)


def summarise(runs_by_arm: list[list[dict[str, float]]]) -> list[dict]:
    """One row per point, in the order of POINTS: (α, β) and :func:`analysis.ccl3_channels.readouts`."""
    healthy = runs_by_arm[0]
    return [
        {"point": point, **readouts(healthy, runs_by_arm[1 + 2 * index], runs_by_arm[2 + 2 * index])}
        for index, point in enumerate(POINTS)
    ]


def check_table(point: tuple[float, float] | None = None, argv: list[str] | None = None) -> dict:
    """The parameter table as it stands (the picked point, its OPG fold rounded), or the strengths (α, β) given,
    on CHECK_SEEDS: T20's ratio and T7's cuts on seeds the pick did not see (argv: the engine options)."""
    arms = (("healthy", None, ()), ("mm_niche", point, ()), ("mm_niche", point, (BLOCKER,)))
    runs = run_arms(__doc__, arms, measure, seeds=lambda arm: CHECK_SEEDS, argv=argv)
    healthy, untreated, blocked = by_arm(runs, arms)
    return readouts(healthy, untreated, blocked)


def meets_t7(row: dict) -> bool:
    """Both of the antagonist's cuts (point estimates) inside T7's bands."""
    low, high = T7_FORMATION_CUT
    formation_ok = low <= row["formation_cut"][0] <= high
    low, high = T7_RESORPTION_CUT
    return formation_ok and low <= row["resorption_cut"][0] <= high


def pick(rows: list[dict]) -> dict | None:
    """The rule of the module's docstring: of the points with β ≥ 0.5 that meet T7, the one nearest 2.4x on a log
    scale (ties: larger α + β), if its ratio lies in T20's band."""
    candidates = [row for row in rows if meets_t7(row) and row["point"][1] >= MIN_BETA]
    if not candidates:
        return None
    best = min(candidates, key=lambda row: (abs(math.log(row["ratio"][0] / AIM)), -sum(row["point"])))
    return best if RATIO_RANGE[0] <= best["ratio"][0] <= RATIO_RANGE[1] else None


def draw(rows: list[dict], chosen: dict | None) -> None:
    """Two maps over (α, β), one column per CCL3 strength tried (blank where a point was not run): MM's resorption
    as a multiple of healthy's, and the antagonist's cut of resorption, each point marked where it meets T20's band,
    T7's, or both; the picked point ringed."""
    column = {alpha: i for i, alpha in enumerate(ALPHAS)}
    line = {beta: j for j, beta in enumerate(STRENGTHS)}
    ratio = np.full((len(STRENGTHS), len(ALPHAS)), np.nan)
    resorption_cut = np.full_like(ratio, np.nan)
    for row in rows:
        alpha, beta = row["point"]
        ratio[line[beta], column[alpha]] = row["ratio"][0]
        resorption_cut[line[beta], column[alpha]] = 100 * row["resorption_cut"][0]
    figure, axes = plt.subplots(2, 1, figsize=(10, 9))
    panels = (
        (ratio, "MM's resorption, days 31-60, x healthy's (T20: β-CTX 1.8-3.3x, band 1.2-4.9x)", "magma_r", True),
        (
            resorption_cut,
            "resorbed bone cut by the CCR1 antagonist in 60 d, % (T7: about 70%, band 40-90%)",
            "viridis",
            False,
        ),
    )
    for ax, (values, title, colours, logarithmic) in zip(axes, panels, strict=True):
        shown = np.log10(values) if logarithmic else values
        image = ax.imshow(shown, origin="lower", cmap=colours, aspect="auto")
        bar = figure.colorbar(image, ax=ax, shrink=0.9)
        if logarithmic:
            ticks = [1, 2, 3, 5, 10, 20]
            bar.set_ticks(np.log10(ticks), labels=[f"{tick:g}x" for tick in ticks])
        for row in rows:
            alpha, beta = row["point"]
            in_t20 = RATIO_RANGE[0] <= row["ratio"][0] <= RATIO_RANGE[1]
            text = f"{row['ratio'][0]:.1f}x" if logarithmic else f"{100 * row['resorption_cut'][0]:.0f}%"
            marks = " ".join(name for name, met in (("T20", in_t20), ("T7", meets_t7(row))) if met)
            ax.annotate(
                f"{text}\n{marks}".strip(),
                (column[alpha], line[beta]),
                ha="center",
                va="center",
                fontsize=7,
                bbox={"boxstyle": "round,pad=0.15", "fc": "white", "alpha": 0.6, "lw": 0},
            )
        if chosen is not None:
            alpha, beta = chosen["point"]
            ax.scatter(column[alpha], line[beta], s=1100, facecolors="none", edgecolors="tab:cyan", linewidths=2)
        ax.axhline(line[MIN_BETA] - 0.5, color="grey", linestyle="--", linewidth=1)
        ax.set_xticks(range(len(ALPHAS)), [f"{alpha:g}" for alpha in ALPHAS])
        ax.set_yticks(range(len(STRENGTHS)), [f"{beta:g}" for beta in STRENGTHS])
        ax.set_xlabel("CCL3 strength α (its folds^α, chemotaxis x α; columns not evenly spaced)")
        ax.set_ylabel("contact strength β\n(RANKL 4^β, OPG 0.3^β)")
        ax.set_title(title, fontsize=9)
    figure.suptitle(
        "mm_niche on 1 mm², seeds 101-108, against healthy. Below the dashed line T1 (contact RANKL/OPG ≥ 2x) "
        "cannot\nhold; ringed: the point the rule picks (β ≥ 0.5, both T7 cuts in band, resorption nearest 2.4x "
        "and in T20's band)",
        fontsize=9,
    )
    figure.tight_layout()
    figure.savefig(FIGURES / "niche_strength.png", dpi=110, metadata=png_metadata())
    plt.close(figure)


def point_label(row: dict) -> str:
    """A row's (α, β), marked T7 where both of the blocker's cuts lie in T7's bands."""
    alpha, beta = row["point"]
    return f"{alpha:4.2f}  {beta:4.2f}{' T7' if meets_t7(row) else '   '}"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="the map of MM's contact and CCL3 strengths (module docstring)")
    parser.add_argument(
        "--check",
        nargs=2,
        type=float,
        metavar=("ALPHA", "BETA"),
        help="only run these strengths (CCL3 α, contact β) on the sixteen check seeds, as the table is run last",
    )
    args, engine_options = parser.parse_known_args(argv)  # the rest: the engine's (--workers, --engine, ...)
    if args.check:
        alpha, beta = args.check
        print(f"α = {alpha:g}, β = {beta:g} on seeds {CHECK_SEEDS[0]}-{CHECK_SEEDS[-1]}: ", end="")
        print(readouts_text(check_table((alpha, beta), engine_options)))
        return
    runs = run_arms(__doc__, ARMS, measure, seeds=lambda arm: DEVELOPMENT_SEEDS, argv=engine_options)
    rows = summarise(by_arm(runs, ARMS))
    print_readouts("   α     β   ", rows, point_label)
    chosen = pick(rows)
    if chosen is None:
        print("no point with β ≥ 0.5 meets T7's bands with a ratio in T20's band: none picked")
    else:
        alpha, beta = chosen["point"]
        print(f"picked: α = {alpha:g}, β = {beta:g}; its values:")
        for name, value in overrides(alpha, beta).items():
            print(f"  {name} = {value:.4g}")
    draw(rows, chosen)
    checked = readouts_text(check_table(argv=engine_options))
    print(f"the parameter table on seeds {CHECK_SEEDS[0]}-{CHECK_SEEDS[-1]}: {checked}")


if __name__ == "__main__":
    main()
