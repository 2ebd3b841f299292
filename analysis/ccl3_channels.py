"""Which of CCL3's four channels on the osteoclast lineage could MM keep, and still resorb as patients do (T20)
while a CCR1 antagonist still cuts resorption as in vitro (T7)?

T20 fails: MM's resorption is about ten times healthy's in the model, two to
three times in serum β-CTX. t19_levers showed that switching off all of CCL3's
channels on the osteoclast lineage brings it into T20's band, and that no one
channel does. This maps every combination of the four (16, each channel on at
its table value or off):

- chemotaxis: precursors climb the CCL3 gradient (``ocp.chemotaxis``, off = 0);
- recruitment: CCL3 raises the precursors' release from vessels
  (``ocp.ccl3_recruitment_fold``, off = 1);
- fusion: CCL3 speeds a precursor's fusion (``ocp.ccl3_fusion_fold``, off = 1);
- activation: CCL3 raises an osteoclast's resorption (``oc.ccl3_resorption_fold``, off = 1).

Each combination runs mm_niche as T20 and T7 do (100 x 100 sites, MM scaled to
1 mm², 60 days), untreated and with the CCR1 antagonist MLN3897 from day 0, on
seeds 101-108 (none a validation target uses), beside healthy marrow. Per
combination it prints MM's resorption over days 31-60 as a multiple of healthy's
(T20's readout, with its paired bootstrap interval) and the antagonist's cut of
osteoclasts formed and of bone resorbed over 60 days (T7's readouts), and draws
docs/figures/ccl3_channels.png: each combination placed by the two, with T20's
band and T7's. The blocker cuts the CCL3 every channel senses, and the CCL3 that
holds back osteoblast differentiation, so with every channel off it acts on
osteoblasts alone. It reports; it changes no parameter. About six minutes on
2 cores::

    python -m analysis.ccl3_channels
"""

from __future__ import annotations

import itertools
from collections.abc import Callable

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np

from analysis.burden_course import FIGURES
from analysis.seeded_arms import SeededJob, by_arm, run_arms
from niche_abm.calibration.readouts import turnover
from niche_abm.io import png_metadata
from niche_abm.validation.common import DAYS, at_day, ratio_of_means, simulate, tissue_area_mm2
from niche_abm.validation.t20_resorption_markers import FIRST_DAY, LAST_DAY, RATIO_RANGE

DEVELOPMENT_SEEDS = tuple(range(101, 109))
"""Seeds no validation target uses."""
CHANNELS = (
    ("chemotaxis", "ocp.chemotaxis", 0.0),
    ("recruitment", "ocp.ccl3_recruitment_fold", 1.0),
    ("fusion", "ocp.ccl3_fusion_fold", 1.0),
    ("activation", "oc.ccl3_resorption_fold", 1.0),
)
"""(name, parameter, value that switches the channel off) of each CCL3 channel on the osteoclast lineage."""
COMBINATIONS = tuple(itertools.product((True, False), repeat=len(CHANNELS)))
"""Which channels are on, for every combination (all on first, as the model stands)."""
BLOCKER = "mln3897"
"""T7's CCR1 antagonist, at its default regimen from day 0."""
T7_RESORPTION_CUT = (0.4, 0.9)
"""T7's band for the antagonist's cut of resorbed bone (Vallet 2007: about 70%)."""
ARMS = (("healthy", None, ()), *[("mm_niche", on, drugs) for on in COMBINATIONS for drugs in ((), (BLOCKER,))])
"""(scenario, channels on or None, drugs) of each arm: healthy marrow, then each combination untreated and blocked."""


def overrides(on: tuple[bool, ...]) -> dict[str, float]:
    """The parameter values that switch off the channels not on."""
    return {parameter: off for (_, parameter, off), kept in zip(CHANNELS, on, strict=True) if not kept}


def label(on: tuple[bool, ...]) -> str:
    """The channels on, by initial (C, R, F, A), or 'none'."""
    return "".join(name[0].upper() for (name, _, _), kept in zip(CHANNELS, on, strict=True) if kept) or "none"


def measure(job: SeededJob) -> dict[str, float]:
    """One arm at one seed (:func:`measure_run`)."""
    scenario, on, drugs = job.arm
    return measure_run(scenario, job.seed, drugs, overrides(on) if on else None)


def measure_run(scenario: str, seed: int, drugs: tuple[str, ...], changes: dict | None) -> dict[str, float]:
    """A scenario run as T20 and T7 run it: bone resorbed over days 31-60 per year (% of the day-0 bone), and T7's
    totals over 60 days (osteoclasts formed, bone resorbed, mm²)."""
    run = simulate(scenario, seed, drugs=drugs, overrides=changes)
    return {
        "resorption": turnover(run.series, FIRST_DAY, LAST_DAY, tissue_area_mm2()),
        "formed": float(run.counters["osteoclasts_formed"]),
        "resorbed": at_day(run.series, "resorbed_mm2", DAYS),
    }


def cut(treated: list[dict[str, float]], control: list[dict[str, float]], key: str) -> tuple[float, float, float]:
    """T7's reduction, 1 − mean treated / mean untreated, with its 95% paired bootstrap interval (low, high)."""
    ratio, low, high = ratio_of_means([run[key] for run in treated], [run[key] for run in control])
    return 1.0 - ratio, 1.0 - high, 1.0 - low


def readouts(healthy: list[dict], untreated: list[dict], blocked: list[dict]) -> dict:
    """T20's ratio of MM's resorption to healthy's (estimate, low, high) and T7's two cuts by the blocker (each with
    its interval), from one arm's runs untreated and blocked beside healthy runs on the same seeds."""
    return {
        "ratio": ratio_of_means([run["resorption"] for run in untreated], [run["resorption"] for run in healthy]),
        "formation_cut": cut(blocked, untreated, "formed"),
        "resorption_cut": cut(blocked, untreated, "resorbed"),
    }


def summarise(runs_by_arm: list[list[dict[str, float]]]) -> list[dict]:
    """One row per combination: its label, channels and :func:`readouts`."""
    healthy = runs_by_arm[0]
    return [
        {"label": label(on), "on": on, **readouts(healthy, runs_by_arm[1 + 2 * index], runs_by_arm[2 + 2 * index])}
        for index, on in enumerate(COMBINATIONS)
    ]


def readouts_text(row: dict) -> str:
    """A summarised row's T20 ratio and T7 cuts, each with its 95% interval, as the printed tables give them."""
    estimate, low, high = row["ratio"]
    formation, resorption = row["formation_cut"], row["resorption_cut"]
    return (
        f"{estimate:5.2f} [{low:.2f}, {high:.2f}] | "
        f"{formation[0]:+.0%} [{formation[1]:+.0%}, {formation[2]:+.0%}], "
        f"{resorption[0]:+.0%} [{resorption[1]:+.0%}, {resorption[2]:+.0%}]"
    )


def print_readouts(heading: str, rows: list[dict], label_of: Callable[[dict], str]) -> None:
    """The printed table: each row's label (`label_of`, under `heading`), then its :func:`readouts_text`."""
    low, high = RATIO_RANGE
    print(f"{heading} | resorption x healthy's [95%] (T20: {low:g}-{high:g}) | MLN3897 cuts formed, resorbed (T7)")
    for row in rows:
        print(f"{label_of(row)} | {readouts_text(row)}")


def draw(rows: list[dict]) -> None:
    """Each combination at (T20's ratio with its interval, T7's resorption cut), over both targets' bands."""
    figure, ax = plt.subplots(figsize=(7.5, 5.2))
    ax.axvspan(*RATIO_RANGE, color="tab:green", alpha=0.15, label="T20's band (β-CTX 1.8-3.3x, widened 1.5x)")
    ax.axhspan(*(100 * np.array(T7_RESORPTION_CUT)), color="tab:blue", alpha=0.1, label="T7's band (Vallet 2007)")
    for row in rows:
        estimate, low, high = row["ratio"]
        y, y_low, y_high = 100 * np.array(row["resorption_cut"])
        colour = plt.cm.viridis(sum(row["on"]) / len(CHANNELS))
        ax.errorbar(
            estimate,
            y,
            xerr=[[estimate - low], [high - estimate]],
            yerr=[[y - y_low], [y_high - y]],
            fmt="o",
            color=colour,
            capsize=2,
            elinewidth=0.8,
        )
        ax.annotate(row["label"], (estimate, y), textcoords="offset points", xytext=(3, 3), fontsize=7)
    ax.set_xscale("log")
    ticks = [1, 1.5, 2, 3, 5, 10, 20]
    ax.set_xticks(ticks, [f"{tick:g}" for tick in ticks])
    ax.minorticks_off()
    ax.set_xlabel("MM's resorption, days 31-60, x healthy's (95% paired bootstrap)")
    ax.set_ylabel("resorbed bone cut by the CCR1 antagonist in 60 d, % (95%)")
    ax.set_title(
        "CCL3's channels on the osteoclast lineage, on (C chemotaxis, R recruitment, F fusion, A activation)\n"
        "mm_niche on 1 mm², seeds 101-108; colour: how many are on",
        fontsize=9,
    )
    ax.legend(fontsize=8, loc="lower right")
    figure.tight_layout()
    figure.savefig(FIGURES / "ccl3_channels.png", dpi=110, metadata=png_metadata())
    plt.close(figure)


def main() -> None:
    runs = run_arms(__doc__, ARMS, measure, seeds=lambda arm: DEVELOPMENT_SEEDS)
    rows = summarise(by_arm(runs, ARMS))
    print_readouts("channels on", rows, lambda row: f"{row['label']:>11}")
    draw(rows)


if __name__ == "__main__":
    main()
