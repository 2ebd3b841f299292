"""Trabecular bone and marrow sinusoids: procedural generation and image import.

Arrays are indexed [x, y] like Mesa's grid, x in [0, width), y in [0, height).
The bone layer holds the bone volume fraction of each site (0..1).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from scipy import ndimage
from scipy.spatial import Delaunay

from niche_abm.params import ParameterError
from niche_abm.units import SITE_UM


def generate_trabecular_bone(
    shape: tuple[int, int], bv_tv: float, thickness_um: float, rng: np.random.Generator
) -> np.ndarray:
    """A network of plates and rods with the given BV/TV and mean thickness, bone fraction per site.

    Struts join the nodes of a jittered lattice along Delaunay edges (an
    irregular network like a 2-D section of trabecular bone), each strut a
    capsule whose thickness varies ±30% around thickness_um. Edges are taken in
    random order until their length inside the window reaches BV/TV x area /
    thickness, so the section holds the right amount of strut. A final
    uniform offset of the strut surfaces brings BV/TV to the target exactly. Edges are
    anti-aliased so boundary sites hold partial bone.
    """
    width, height = shape
    half_thickness = 0.5 * thickness_um / SITE_UM
    # A jittered lattice of nodes, reaching one spacing beyond the window so
    # struts cross its edges; Delaunay gives ~3 edges per node of length ~spacing.
    spacing = 1.5 * (2 * half_thickness) / bv_tv
    gx = np.arange(-spacing, width + 2 * spacing, spacing)
    gy = np.arange(-spacing, height + 2 * spacing, spacing)
    lattice = np.stack(np.meshgrid(gx, gy, indexing="ij"), axis=-1).reshape(-1, 2)
    nodes = lattice + rng.uniform(-0.35, 0.35, size=lattice.shape) * spacing
    edges = _delaunay_edges(nodes)
    a, b = nodes[edges[:, 0]], nodes[edges[:, 1]]
    samples = a[:, None, :] + np.linspace(0.0, 1.0, 64)[None, :, None] * (b - a)[:, None, :]
    inside = ((samples >= 0) & (samples < [width, height])).all(axis=-1).mean(axis=1)
    length_in_window = inside * np.linalg.norm(b - a, axis=1)
    order = rng.permutation(len(edges))
    target_length = bv_tv * width * height / (2 * half_thickness)
    chosen = np.zeros(len(edges), dtype=bool)
    chosen[order[np.cumsum(length_in_window[order]) <= target_length]] = True
    radii = half_thickness * rng.uniform(0.7, 1.3, size=int(chosen.sum()))
    x, y = np.meshgrid(np.arange(width) + 0.5, np.arange(height) + 0.5, indexing="ij")
    signed = np.full(shape, np.inf)
    for edge, radius in zip(edges[chosen], radii, strict=True):
        a, b = nodes[edge[0]], nodes[edge[1]]
        signed = np.minimum(signed, _segment_distance(x, y, a, b) - radius)
    offset = np.quantile(signed, bv_tv)
    return np.clip(offset - signed + 0.5, 0.0, 1.0)


def _delaunay_edges(nodes: np.ndarray) -> np.ndarray:
    tri = Delaunay(nodes).simplices
    pairs = np.concatenate([tri[:, [0, 1]], tri[:, [1, 2]], tri[:, [0, 2]]])
    return np.unique(np.sort(pairs, axis=1), axis=0)


def _segment_distance(x: np.ndarray, y: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Distance of every point (x, y) to the segment a-b, in sites."""
    ab = b - a
    t = np.clip(((x - a[0]) * ab[0] + (y - a[1]) * ab[1]) / max(float(ab @ ab), 1e-12), 0.0, 1.0)
    return np.hypot(x - (a[0] + t * ab[0]), y - (a[1] + t * ab[1]))


def load_bone_mask(path: Path, shape: tuple[int, int]) -> np.ndarray:
    """Bone fraction per site from a PNG (bright = bone) or an NPY array (values 0..1).

    A PNG is read as an image, top row = highest y, and converted to grey
    levels 0..1; an NPY array is taken as [x, y]. Its shape must match the grid.
    """
    key = "bone.mask_file"
    if not path.is_file():
        raise ParameterError(key, f"file {str(path)!r} does not exist")
    suffix = path.suffix.lower()
    try:
        if suffix == ".npy":
            data = np.load(path, allow_pickle=False).astype(float)
        elif suffix == ".png":
            import matplotlib.image

            image = matplotlib.image.imread(path)
            grey = image[..., :3].mean(axis=-1) if image.ndim == 3 else image
            data = np.asarray(grey, dtype=float)[::-1, :].T
        else:
            raise ParameterError(key, f"got {path.name!r}; expected a .png or .npy file")
    except (OSError, ValueError, SyntaxError) as error:
        if isinstance(error, ParameterError):
            raise
        raise ParameterError(key, f"cannot read {str(path)!r}: {error}") from None
    if data.ndim != 2:
        raise ParameterError(key, f"{path.name} has {data.ndim} dimensions; expected a 2-D image")
    if data.shape != tuple(shape):
        raise ParameterError(
            key,
            f"{path.name} is {data.shape[0]} x {data.shape[1]} sites but the grid is {shape[0]} x "
            f"{shape[1]}; set grid.width and grid.height to match",
        )
    if not np.all(np.isfinite(data)) or data.min() < 0 or data.max() > 1:
        raise ParameterError(key, f"{path.name} holds values outside 0..1")
    return data


def place_sinusoids(
    marrow: np.ndarray, density_per_mm2: float, diameter_um: float, rng: np.random.Generator
) -> np.ndarray:
    """Boolean mask of endothelial sites: square sinusoid cross-sections in the marrow.

    Each cross-section is diameter_um wide, lies wholly in marrow at least one
    site from bone, and does not touch another; their number is density_per_mm2
    times the marrow area.
    """
    side = max(1, int(round(diameter_um / SITE_UM)))
    marrow_mm2 = marrow.sum() * (SITE_UM * 1e-3) ** 2
    wanted = int(round(density_per_mm2 * marrow_mm2))
    clear = ndimage.binary_erosion(marrow, structure=np.ones((3, 3)), border_value=0)
    fits = ndimage.minimum_filter(clear.astype(np.uint8), size=side, origin=-(side // 2)) > 0
    vessels = np.zeros_like(marrow, dtype=bool)
    for flat in rng.permutation(np.flatnonzero(fits)):
        if wanted == 0:
            break
        x, y = np.unravel_index(flat, marrow.shape)
        box = (slice(max(x - 1, 0), x + side + 1), slice(max(y - 1, 0), y + side + 1))
        if vessels[box].any() or not fits[x, y]:
            continue
        vessels[x : x + side, y : y + side] = True
        wanted -= 1
    return vessels
