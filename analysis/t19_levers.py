"""Where MM's excess eroded surface (T19) and resorption (T20) come from: each MM channel switched off, on other seeds.

T19 fails: with MM, the model's eroded surface (ES/BS, days 31-60) is several
times the biopsies' 12%. An eroded surface stays eroded until osteoblasts cover
it with osteoid, so two things set it: how many osteoclasts erode, and how long
a cavity waits to be refilled. T20 fails too: MM's resorption is about ten times
healthy's, against two to three times in serum β-CTX. This runs mm_niche as T19 does (100 x 100 sites,
its MM scaled to 1 mm², 60 days) on seeds 101-108, with one channel through
which MM acts switched off per arm, plus healthy marrow (mm_niche without its MM
cells) as the reference, and prints per arm the mean [95% t-interval] over days 31-60 of
ES/BS, OS/BS, Oc.S/BS and Ob.S/BS, the bone resorbed per year (% of the day-0
bone, as T20 reads it) and the BV/TV points lost in 60 days; it draws them in
docs/figures/t19_levers.png. The arms:

- the contact folds at 1 (``stroma.contact_rankl_fold``, ``stroma.contact_opg_fold``):
  MM cells touching stroma no longer move RANKL or OPG;
- CCL3 no longer acts on the osteoclast lineage: its recruitment, fusion and
  resorption folds at 1 and ``ocp.chemotaxis`` 0, while it still holds back
  osteoblast differentiation;
- each of its two channels that a CCR1 antagonist leaves (T7's mechanism) alone:
  no chemotaxis up the CCL3 gradient (``ocp.chemotaxis`` 0), and no CCL3 raise
  of precursor recruitment (``ocp.ccl3_recruitment_fold`` 1);
- CCL3 no longer holds back osteoblast differentiation
  (``stroma.ccl3_differentiation_ic50_pm`` 1e5 pM, far above any marrow level),
  while it still acts on the osteoclast lineage;
- no MM CCL3 at all (``mm.ccl3_secretion`` 0), and neither CCL3 nor the contact
  folds;
- no MM DKK1 (``mm.dkk1_secretion`` 0);
- contact no longer blocks osteoblast differentiation
  (``stroma.mm_contact_differentiation_block`` 0).

Each arm removes something other targets rest on, so none is a candidate for the
model; the arms say which mechanism carries the excess. It reports; it checks
nothing. About a minute and a half on 2 cores::

    python -m analysis.t19_levers
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np

from analysis.burden_course import FIGURES
from analysis.seeded_arms import SeededJob, by_arm, run_arms
from niche_abm.calibration.readouts import turnover
from niche_abm.io import png_metadata
from niche_abm.validation.common import fmt, interval, simulate, tissue_area_mm2, window_mean
from niche_abm.validation.t19_eroded_surface import MM_RANGE, NORMAL_BELOW
from niche_abm.validation.t20_resorption_markers import RATIO_RANGE

DEVELOPMENT_SEEDS = tuple(range(101, 109))
"""Seeds no validation target uses."""
CCL3_OFF_THE_LINEAGE = (
    ("ocp.ccl3_recruitment_fold", 1.0),
    ("ocp.ccl3_fusion_fold", 1.0),
    ("oc.ccl3_resorption_fold", 1.0),
    ("ocp.chemotaxis", 0.0),
)
ARMS = (
    ("healthy marrow", "healthy", ()),
    ("mm_niche as it stands", "mm_niche", ()),
    ("contact folds 1", "mm_niche", (("stroma.contact_rankl_fold", 1.0), ("stroma.contact_opg_fold", 1.0))),
    ("CCL3 spares the osteoclast lineage", "mm_niche", CCL3_OFF_THE_LINEAGE),
    ("no chemotaxis up CCL3", "mm_niche", (("ocp.chemotaxis", 0.0),)),
    ("no CCL3 raise of recruitment", "mm_niche", (("ocp.ccl3_recruitment_fold", 1.0),)),
    ("CCL3 spares osteoblasts", "mm_niche", (("stroma.ccl3_differentiation_ic50_pm", 1e5),)),
    ("no MM CCL3", "mm_niche", (("mm.ccl3_secretion", 0.0),)),
    (
        "no MM CCL3, contact folds 1",
        "mm_niche",
        (("mm.ccl3_secretion", 0.0), ("stroma.contact_rankl_fold", 1.0), ("stroma.contact_opg_fold", 1.0)),
    ),
    ("no MM DKK1", "mm_niche", (("mm.dkk1_secretion", 0.0),)),
    ("no contact block of osteoblasts", "mm_niche", (("stroma.mm_contact_differentiation_block", 0.0),)),
)
"""(label, scenario, parameter overrides) of each arm."""
SURFACES = (("es_bs", "ES/BS"), ("os_bs", "OS/BS"), ("oc_s_bs", "Oc.S/BS"), ("ob_s_bs", "Ob.S/BS"))
"""The daily surface metrics read, with their ASBMR names."""
FIRST_DAY, LAST_DAY = 31, 60
"""T19's and T20's window."""


def measure(job: SeededJob) -> dict[str, float]:
    """One arm at one seed: the surfaces' means over T19's window (% of BS), the bone resorbed in it per year (% of
    the day-0 bone) and the BV/TV points lost."""
    _, scenario, overrides = job.arm
    series = simulate(scenario, job.seed, overrides=dict(overrides)).series
    readouts = {key: window_mean(series, key, FIRST_DAY, LAST_DAY) for key, _ in SURFACES}
    readouts["resorption"] = turnover(series, FIRST_DAY, LAST_DAY, tissue_area_mm2())
    readouts["bv_lost"] = float(series["bv_tv"].iloc[0] - series["bv_tv"].iloc[-1])
    return readouts


def draw(runs_by_arm: list[list[dict[str, float]]]) -> None:
    """One panel per readout: each arm's mean and 95% interval over seeds, T19's bounds on the ES panel and T20's
    on the resorption panel (there as a multiple of the healthy arm's mean)."""
    panels = (*SURFACES, ("resorption", "resorption"), ("bv_lost", "BV/TV lost in 60 d"))
    healthy_resorption = np.mean([run["resorption"] for run in runs_by_arm[0]])
    figure, axes = plt.subplots(1, len(panels), figsize=(3.2 * len(panels), 4.6), sharey=True)
    rows = np.arange(len(ARMS))[::-1]
    for ax, (key, name) in zip(axes, panels, strict=True):
        scale = healthy_resorption if key == "resorption" else 1.0
        stats = np.array([interval([run[key] / scale for run in runs]) for runs in runs_by_arm])
        ax.barh(rows, stats[:, 0], color="0.6")
        ax.errorbar(
            stats[:, 0],
            rows,
            xerr=[stats[:, 0] - stats[:, 1], stats[:, 2] - stats[:, 0]],
            fmt="none",
            ecolor="k",
            capsize=2,
        )
        ax.set_xlabel(f"{name}, {dict(bv_lost='points', resorption='x healthy').get(key, '%')}")
        if key == "resorption":
            ax.axvspan(*RATIO_RANGE, color="tab:green", alpha=0.15, label="T20's MM band")
            ax.legend(fontsize=7, loc="upper right")
        if key == "es_bs":
            ax.axvspan(*MM_RANGE, color="tab:green", alpha=0.15, label="T19's MM band")
            ax.axvline(NORMAL_BELOW, color="tab:blue", ls="--", label="normal below")
            ax.legend(fontsize=7, loc="upper right")
    axes[0].set_yticks(rows, [label for label, _, _ in ARMS], fontsize=8)
    figure.suptitle(
        f"Where MM's eroded surface and resorption come from: days {FIRST_DAY}-{LAST_DAY}, 1 mm², seeds 101-108"
    )
    figure.tight_layout()
    figure.savefig(FIGURES / "t19_levers.png", dpi=110, metadata=png_metadata())
    plt.close(figure)


def main() -> None:
    runs_by_arm = by_arm(run_arms(__doc__, ARMS, measure, seeds=lambda arm: DEVELOPMENT_SEEDS), ARMS)
    for (label, _, _), runs in zip(ARMS, runs_by_arm, strict=True):
        print(label)
        for key, name in SURFACES:
            print(f"  {name}: {fmt([run[key] for run in runs], '%')}")
        print(f"  resorption: {fmt([run['resorption'] for run in runs], '%/yr of the day-0 bone')}")
        print(f"  BV/TV lost in 60 days: {fmt([run['bv_lost'] for run in runs], 'points')}")
    draw(runs_by_arm)


if __name__ == "__main__":
    main()
