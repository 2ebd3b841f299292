"""T5 on more seeds than its eight: is its pass the luck of the seeds it draws?

T5 pools its readout (osteoclasts per mm of bone surface within 100 µm of MM
clusters against farther away, mm_niche, snapshots at days 30-60) over the
validation's in-vivo seeds 1-8 and passes at 2x. This runs the same readout on
seeds 1-40 at 100 x 100 sites (1 mm², as T5) and seeds 1-16 at 200 x 200 (4 mm²,
the scenario's own size), MM cells and foci scaled to the area as the validation
scales them, and prints for each size the ratio pooled over all its seeds with a
95% bootstrap interval over seeds (``scipy.stats.bootstrap``, seeds resampled,
BCa, 9999 resamples), then the ratio of each block of eight seeds, T5's own count.
About 2 minutes on 2 cores::

    python -m analysis.t5_seeds
"""

from __future__ import annotations

import numpy as np
from scipy import stats

from analysis.seeded_arms import SeededJob, run_arms
from niche_abm.validation.t05_oc_near_mm import near_far_ratio, seed_counts

SEEDS = {(100, 100): tuple(range(1, 41)), (200, 200): tuple(range(1, 17))}
"""The seeds run on each grid (width, height in sites)."""
BLOCK = 8
"""Seeds per block: T5's own count."""
KEYS = ("oc_near", "bs_near", "oc_far", "bs_far")


def measure(job: SeededJob) -> tuple[tuple[int, int], dict[str, float]]:
    """T5's near/far counts of one seed on one grid (job.arm)."""
    return job.arm, seed_counts(job.seed, grid=job.arm)


def pooled_ratio(oc_near, bs_near, oc_far, bs_far, axis=-1):
    """Near/far osteoclast density of counts summed over seeds (arrays with seeds along `axis`)."""
    return (np.sum(oc_near, axis) / np.sum(bs_near, axis)) / (np.sum(oc_far, axis) / np.sum(bs_far, axis))


def main() -> None:
    results = run_arms(__doc__, tuple(SEEDS), measure, seeds=lambda grid: SEEDS[grid])
    for grid, seeds in SEEDS.items():
        counts = [c for arm, c in results if arm == grid]
        data = tuple(np.array([c[k] for c in counts]) for k in KEYS)
        interval = stats.bootstrap(
            data, pooled_ratio, paired=True, vectorized=True, n_resamples=9999, method="BCa", random_state=0
        ).confidence_interval
        near, far, ratio = near_far_ratio(counts)
        print(
            f"{grid[0]} x {grid[1]}, seeds {seeds[0]}-{seeds[-1]}: near {near:.3g} /mm, far {far:.3g} /mm, "
            f"ratio {ratio:.3g}x (95% CI {interval.low:.3g}-{interval.high:.3g})"
        )
        blocks = [counts[i : i + BLOCK] for i in range(0, len(counts), BLOCK)]
        ratios = [near_far_ratio(block)[2] for block in blocks]
        labels = [f"{seeds[i]}-{seeds[min(i + BLOCK, len(seeds)) - 1]}" for i in range(0, len(seeds), BLOCK)]
        print("  by block of 8 seeds: " + ", ".join(f"{s} {r:.2f}x" for s, r in zip(labels, ratios, strict=True)))


if __name__ == "__main__":
    main()
