"""Vectorised neighbourhood arithmetic on site arrays: counts, dilations, disks.

Box sums add shifted slices, separably; sites beyond the grid's edge count as empty.
"""

from __future__ import annotations

import functools

import numpy as np

from niche_abm.world import kernels


def box_sum(values: np.ndarray, radius: int) -> np.ndarray:
    """Sum of a boolean mask over the (2·radius+1)² square around each site, the site included.

    Separable: a sum of shifted slices along x, then along y (2·(2·radius+1) array
    additions), in the narrowest unsigned integer type that holds the largest sum
    (uint8 up to radius 7), which keeps the additions memory-light.
    """
    width, height = values.shape
    dtype = np.uint8 if (2 * radius + 1) ** 2 < 256 else np.uint32
    padded = np.zeros((width + 2 * radius, height + 2 * radius), dtype=dtype)
    padded[radius : radius + width, radius : radius + height] = values
    rows = padded[:width, :].copy()
    for dx in range(1, 2 * radius + 1):
        rows += padded[dx : dx + width, :]
    total = rows[:, :height].copy()
    for dy in range(1, 2 * radius + 1):
        total += rows[:, dy : dy + height]
    return total


def dilate(mask: np.ndarray, radius: int = 1) -> np.ndarray:
    """Sites within `radius` sites (Chebyshev) of a True site, the True sites included."""
    return box_sum(mask, radius) > 0


@functools.lru_cache(maxsize=32)
def disk(radius_sites: float) -> np.ndarray:
    """Boolean disk footprint of the given radius, in sites (read-only: one array per radius, kept)."""
    r = int(np.ceil(radius_sites))
    dx, dy = np.meshgrid(np.arange(-r, r + 1), np.arange(-r, r + 1), indexing="ij")
    footprint = dx**2 + dy**2 <= radius_sites**2
    footprint.flags.writeable = False
    return footprint


def stamp_disks(shape: tuple[int, int], xy: np.ndarray, radius_sites: float) -> np.ndarray:
    """Sites within radius_sites (Euclidean) of any of the points xy (n x 2): one stamp per point (compiled)."""
    xy = np.asarray(xy, dtype=np.int64).reshape(-1, 2)
    return kernels.stamp((int(shape[0]), int(shape[1])), xy[:, 0].copy(), xy[:, 1].copy(), disk(radius_sites))
