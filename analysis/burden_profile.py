"""Where are the precursors as MM fills the marrow? Cells and signals by distance from the bone.

T18 fails: as mm_advanced fills the marrow, the bone resorbed per month falls
(:mod:`analysis.burden_course`), and fewer precursors touch the bone although
the marrow holds as many. This draws why, band by band of distance from the
nearest bone: on T18's grid (100 x 100 sites, the scenario's MM scaled to 1 mm²),
seeds 1-8, at the middle of each 30-day window (days 15, 45, 75 and 105), for
the marrow sites in each band:

- the share held by MM cells;
- osteoclast precursors and vessel (endothelial) sites per 1,000 marrow sites;
- CCL3 (pM, the precursors' chemoattractant) and RANK occupancy (what drives
  their fusion), as the cells there read them;
- the band's share of all marrow sites.

Healthy marrow on the same seeds at day 105 is drawn beside it. Means with 95%
t-intervals over seeds, printed and drawn in docs/figures/burden_profile.png.
It reports; it checks nothing. About 30 s on 2 cores::

    python -m analysis.burden_profile
"""

from __future__ import annotations

import itertools
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
from scipy import ndimage

from analysis.seeded_arms import SeededJob, by_arm, run_arms
from niche_abm.cells.endothelium import EndothelialCell
from niche_abm.cells.myeloma import MyelomaCell
from niche_abm.cells.precursor import OsteoclastPrecursor
from niche_abm.experiment import RunDescription
from niche_abm.io import png_metadata
from niche_abm.units import SITE_UM
from niche_abm.validation.common import GRID, area_scaled_counts, fmt, interval

ARMS = ("mm_advanced", "healthy")
"""The scenarios drawn; the first is followed through the days, the second shown on the last."""
DAYS = (15, 45, 75, 105)
"""The middle of each of burden_course's 30-day windows."""
BANDS_UM = (0.0, 20.0, 40.0, 60.0, 100.0, 200.0, 400.0, np.inf)
"""Edges of the bands of distance from the nearest bone site, µm (a marrow site touching bone lies at 10-14 µm)."""
FIGURES = Path(__file__).resolve().parent.parent / "docs" / "figures"
READOUTS = (
    "MM share of marrow",
    "precursors per 1,000 sites",
    "vessel sites per 1,000 sites",
    "CCL3, pM",
    "RANK occupancy",
    "share of the marrow",
)


def band_labels() -> list[str]:
    """The bands as a person reads them, µm."""
    edges = [f"{edge:g}" for edge in BANDS_UM]
    return [f"{low}-{high}" if high != "inf" else f">{low}" for low, high in itertools.pairwise(edges)]


def profile(model) -> dict[str, list[float]]:
    """Each readout per band of distance from bone, now (NaN for a band with no marrow)."""
    marrow = model.bone.marrow
    distance_um = ndimage.distance_transform_edt(marrow) * SITE_UM
    code = model.lattice.marrow_code
    sites = np.arange(marrow.size)
    ccl3 = model.signals.at("ccl3", sites).reshape(marrow.shape)
    occupancy = model.signals.at("rank_occupancy", sites).reshape(marrow.shape)
    out: dict[str, list[float]] = {readout: [] for readout in READOUTS}
    for low, high in itertools.pairwise(BANDS_UM):
        band = marrow & (distance_um > low) & (distance_um <= high)
        n = int(band.sum())
        if n == 0:
            for readout in READOUTS:
                out[readout].append(0.0 if readout == "share of the marrow" else np.nan)
            continue
        out["MM share of marrow"].append(float((code[band] == MyelomaCell.code).mean()))
        out["precursors per 1,000 sites"].append(1e3 * float((code[band] == OsteoclastPrecursor.code).mean()))
        out["vessel sites per 1,000 sites"].append(1e3 * float((code[band] == EndothelialCell.code).mean()))
        out["CCL3, pM"].append(float(ccl3[band].mean()))
        out["RANK occupancy"].append(float(occupancy[band].mean()))
        out["share of the marrow"].append(n / float(marrow.sum()))
    return out


def measure(job: SeededJob) -> list[dict[str, list[float]]]:
    """The profile of one run (scenario job.arm, on T18's grid) at each of DAYS, at hour 12."""
    scenario = job.arm
    settings = {"grid.width": GRID[0], "grid.height": GRID[1], **area_scaled_counts(scenario, GRID)}
    model = RunDescription(scenario, settings, seed=job.seed, days=DAYS[-1] + 1).build()
    profiles = []
    for day in DAYS:
        while model.hour < day * 24 + 12:
            model.step()
        profiles.append(profile(model))
    return profiles


def summary(runs: list[list[dict]], day_index: int, readout: str) -> np.ndarray:
    """(band x seed) values of a readout on one of DAYS."""
    return np.array([run[day_index][readout] for run in runs]).T


def seeds_with_marrow(row: np.ndarray) -> np.ndarray | None:
    """A band's values over the seeds whose marrow reached it (None if fewer than two did, too few for an
    interval)."""
    finite = row[np.isfinite(row)]
    return finite if finite.size > 1 else None


def draw(runs_by_arm: dict[str, list], path: Path) -> None:
    """Each readout against distance from bone: one line a day for the first arm, the second arm's last day
    dashed; means and 95% t-intervals over seeds; saved as a PNG."""
    labels = band_labels()
    x = np.arange(len(labels))
    fig, axes = plt.subplots(2, 3, figsize=(13.5, 7.6), layout="constrained")
    colours = plt.cm.viridis(np.linspace(0.0, 0.85, len(DAYS)))
    first, second = ARMS
    lines = [(first, index, f"{first}, day {day}", colours[index], "-") for index, day in enumerate(DAYS)]
    lines.append((second, len(DAYS) - 1, f"{second}, day {DAYS[-1]}", "grey", "--"))
    for ax, readout in zip(axes.ravel(), READOUTS, strict=True):
        for arm, day_index, label, colour, style in lines:
            values = summary(runs_by_arm[arm], day_index, readout)
            bands = [seeds_with_marrow(row) for row in values]
            mean, low, high = np.array([interval(b) if b is not None else (np.nan,) * 3 for b in bands]).T
            ax.plot(x, mean, marker="o", color=colour, linestyle=style, label=label)
            ax.fill_between(x, low, high, color=colour, alpha=0.12)
        ax.set_title(readout, fontsize=10)
        ax.set_xticks(x, labels, rotation=30, fontsize=8)
        ax.set_xlabel("distance from the nearest bone, µm")
    fig.legend(*axes[0, 0].get_legend_handles_labels(), loc="outside lower center", ncol=5, fontsize=8, frameon=False)
    fig.suptitle(
        f"Cells and signals by distance from bone as MM fills the marrow (1 mm², mean and 95% interval over "
        f"{len(runs_by_arm[first])} seeds)",
        fontsize=11,
    )
    fig.savefig(path, dpi=110, metadata=png_metadata())
    plt.close(fig)
    print(f"wrote {path}")


def main() -> None:
    runs_by_arm = dict(zip(ARMS, by_arm(run_arms(__doc__, ARMS, measure), ARMS), strict=True))
    labels = band_labels()
    for arm in ARMS:
        days = range(len(DAYS)) if arm == ARMS[0] else [len(DAYS) - 1]
        for day_index in days:
            print(f"{arm}, day {DAYS[day_index]} (bands of distance from bone, µm: {', '.join(labels)})")
            for readout in READOUTS:
                values = summary(runs_by_arm[arm], day_index, readout)
                bands = [seeds_with_marrow(row) for row in values]
                cells = "  ".join(fmt(b, digits=3).split(" (n=")[0] if b is not None else "-" for b in bands)
                print(f"  {readout:<30} {cells}")
    draw(runs_by_arm, FIGURES / "burden_profile.png")


if __name__ == "__main__":
    main()
