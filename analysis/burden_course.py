"""Does resorption keep up as the tumour fills the marrow? Osteoclasts and precursors on bone over 120 days.

T12 checks that bone disease grows with the MM cells a run starts with (0 to
300 on 1 mm², 60 days). This follows runs longer, as MM grows from a few per
cent of the marrow to most of it: healthy, mm_niche and mm_advanced on T12's
grid (100 x 100 sites, the scenarios' MM scaled to 1 mm²), and mm_advanced
again without CCL3 chemotaxis (ocp.chemotaxis = 0), to see what the gradient
the precursors climb does once MM is everywhere. 120 days, the validation's 8
in-vivo seeds; per 30-day window the MM share of the marrow, the bone resorbed
in the window, the osteoclasts formed in it, the mean osteoclast count and the
mean numbers of precursors in the marrow and touching the bone surface (counted
each day at hour 12), as means with 95% t-intervals over seeds, printed and drawn in
docs/figures/burden_course.png. Three more readouts split the resorbed area
into how much surface there is and how hard it is worked:

- the bone surface, mm (bone sites facing marrow, mean over the window's days);
- the erosion depth, µm: the resorbed area over that surface's length (µm² per
  µm), so resorbed = surface x depth;
- the precursors' enrichment at bone: the share of precursors touching the bone
  surface over the share of marrow sites that touch it (1 = no more at the bone
  than a precursor anywhere in the marrow would be).

It reports; it checks nothing. About 1.5 minutes on 2 cores::

    python -m analysis.burden_course
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from analysis.seeded_arms import SeededJob, by_arm, run_arms
from niche_abm.cells.osteoclast import Osteoclast
from niche_abm.cells.precursor import OsteoclastPrecursor
from niche_abm.experiment import RunDescription
from niche_abm.io import png_metadata
from niche_abm.metrics import sites_to_mm2
from niche_abm.units import SITE_UM
from niche_abm.validation.common import GRID, area_scaled_counts, fmt, interval
from niche_abm.world import kernels

ARMS = (
    ("healthy", ()),
    ("mm_niche", ()),
    ("mm_advanced", ()),
    ("mm_advanced", (("ocp.chemotaxis", 0.0),)),
)
"""(scenario, parameter overrides) of each arm."""
DAYS = 120
WINDOW_DAYS = 30
FIGURES = Path(__file__).resolve().parent.parent / "docs" / "figures"


def measure(job: SeededJob) -> dict[str, list[float]]:
    """Each window's readouts of one run of an arm (job.arm) with a seed."""
    scenario, overrides = job.arm
    settings = {"grid.width": GRID[0], "grid.height": GRID[1], **area_scaled_counts(scenario, GRID), **dict(overrides)}
    model = RunDescription(scenario, settings, seed=job.seed, days=DAYS).build()
    lattice, bone = model.lattice, model.bone
    readouts: dict[str, list[float]] = {
        "MM share of marrow, %": [],
        "resorbed, 0.001 mm²": [],
        "osteoclasts formed": [],
        "osteoclasts": [],
        "precursors": [],
        "precursors on bone": [],
        "bone surface, mm": [],
        "erosion depth, µm": [],
        "precursor enrichment at bone, x": [],
    }

    def touching(sites: np.ndarray) -> np.ndarray:
        return kernels.touches_surface(sites, lattice.shape, bone.surface.ravel(), lattice.surface_code.ravel())

    for _ in range(DAYS // WINDOW_DAYS):
        resorbed, formed = bone.resorbed, model.niche.counters["osteoclasts_formed"]
        osteoclasts, on_bone, precursors, surface, marrow_touching = [], [], [], [], []
        for _ in range(WINDOW_DAYS):
            for hour in range(24):
                model.step()
                if hour == 12:
                    sites = lattice.sites_of(OsteoclastPrecursor)
                    on_bone.append(int(touching(sites).sum()))
                    precursors.append(len(sites))
                    osteoclasts.append(len(lattice.sites_of(Osteoclast)))
                    surface.append(int(bone.surface.sum()))
                    marrow_touching.append(float(touching(np.flatnonzero(bone.marrow)).mean()))
        resorbed_sites = bone.resorbed - resorbed
        readouts["MM share of marrow, %"].append(100.0 * model.records[-1]["mm_fraction"])
        readouts["resorbed, 0.001 mm²"].append(1e3 * sites_to_mm2(resorbed_sites))
        readouts["osteoclasts formed"].append(model.niche.counters["osteoclasts_formed"] - formed)
        readouts["osteoclasts"].append(float(np.mean(osteoclasts)))
        readouts["precursors"].append(float(np.mean(precursors)))
        readouts["precursors on bone"].append(float(np.mean(on_bone)))
        readouts["bone surface, mm"].append(float(np.mean(surface)) * SITE_UM * 1e-3)
        readouts["erosion depth, µm"].append(resorbed_sites * SITE_UM / float(np.mean(surface)))
        share_on_bone = float(np.sum(on_bone)) / max(float(np.sum(precursors)), 1.0)
        readouts["precursor enrichment at bone, x"].append(share_on_bone / float(np.mean(marrow_touching)))
    return readouts


def label(arm: tuple) -> str:
    """An arm as a person reads it: its scenario and its overrides."""
    scenario, overrides = arm
    return scenario + "".join(f", {name} = {value:.4g}" for name, value in overrides)


def print_arm(arm: tuple, runs: list[dict[str, list[float]]]) -> None:
    """An arm's label, then each readout per window as mean [95% interval] over its runs (one per seed)."""
    print(label(arm))
    for readout in runs[0]:
        by_window = np.array([run[readout] for run in runs])
        cells = "  ".join(fmt(by_window[:, w], digits=3).split(" (n=")[0] for w in range(by_window.shape[1]))
        print(f"  {readout:<32} {cells}")


def draw_course(arms: tuple, runs_by_arm: list[list[dict[str, list[float]]]], path: Path, title: str) -> None:
    """Each readout per 30-day window, mean and 95% t-interval over seeds, one line per arm; saved as a PNG."""
    readouts = list(runs_by_arm[0][0])
    columns = 4
    rows = -(-len(readouts) // columns)
    fig, axes = plt.subplots(rows, columns, figsize=(3.6 * columns, 3.6 * rows + 0.8), layout="constrained")
    axes = axes.ravel()
    for ax in axes[len(readouts) :]:
        ax.set_visible(False)
    mid_days = WINDOW_DAYS * (np.arange(DAYS // WINDOW_DAYS) + 0.5)
    for ax, readout in zip(axes, readouts, strict=False):
        for arm, runs in zip(arms, runs_by_arm, strict=True):
            by_window = np.array([run[readout] for run in runs])
            mean, low, high = np.array([interval(by_window[:, w]) for w in range(by_window.shape[1])]).T
            (line,) = ax.plot(mid_days, mean, marker="o", label=label(arm))
            ax.fill_between(mid_days, low, high, color=line.get_color(), alpha=0.15)
        ax.set_title(readout, fontsize=10)
        ax.set_xlabel("day (middle of the 30-day window)")
        ax.set_xticks(mid_days)
    fig.legend(*axes[0].get_legend_handles_labels(), loc="outside lower center", ncol=2, fontsize=8, frameon=False)
    fig.suptitle(f"{title} (mean and 95% interval over {len(runs_by_arm[0])} seeds)", fontsize=11)
    fig.savefig(path, dpi=110, metadata=png_metadata())
    plt.close(fig)
    print(f"wrote {path}")


def main() -> None:
    runs_by_arm = by_arm(run_arms(__doc__, ARMS, measure), ARMS)
    seeds = len(runs_by_arm[0])
    for arm, runs in zip(ARMS, runs_by_arm, strict=True):
        print_arm(arm, runs)
    windows = "  ".join(f"days {w * WINDOW_DAYS + 1}-{(w + 1) * WINDOW_DAYS}" for w in range(DAYS // WINDOW_DAYS))
    print(f"(columns: {windows}; mean [95% interval] over {seeds} seeds)")
    draw_course(ARMS, runs_by_arm, FIGURES / "burden_course.png", "Resorption as the tumour fills the marrow")


if __name__ == "__main__":
    main()
