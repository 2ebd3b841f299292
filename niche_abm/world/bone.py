"""The bone: its volume fraction per site, resorption, formation and the surfaces cells act on.

Each site holds a bone volume fraction (0..1). A site is bone while its fraction
is at least ``bone.marrow_threshold``; below it the site is marrow. The
fraction at the start (the template) is what remodelling restores: osteoblasts
refill resorption cavities up to the bone that was there. Modelling osteoblasts,
started on quiescent surfaces, lay new bone beyond it (:meth:`Bone.build`).
Newly laid bone is osteoid until it mineralises: the bone keeps the hour each
site last received bone, or last held a forming osteoblast (:meth:`Bone.osteoid`).

Surfaces (8-neighbour):
- ``surface``: bone sites touching marrow, where osteoclasts and osteoblasts sit;
- ``next_to_bone``: marrow sites touching bone, where precursors meet the bone;
- ``near_cavity``: sites that are, or touch, a resorbed site not yet refilled;
- ``eroded_zone``: marrow sites next to an eroded bone surface (where reversal cells and osteoblasts
  colonise a resorbed surface; not the open marrow inside a deep cavity);
- ``eroded_surface``: bone-surface sites that are partly resorbed or touch a resorbed site (ES).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
from scipy import ndimage

from niche_abm.units import sites_to_mm2
from niche_abm.world import kernels

FORMATION_EPSILON = 1e-9
"""Smallest bone deficit (site volumes) still counted as a cavity to refill."""


MASKS = ("marrow", "surface", "next_to_bone", "near_cavity", "eroded_surface", "eroded_zone")
"""The site masks ([x, y] bool) a Bone keeps, in the order kernels.bone_masks returns them."""


class Bone:
    """Bone fraction per site and the surfaces derived from it (the masks named in MASKS).

    Args:
        fraction: bone volume fraction per site [x, y] at the start (copied).
        marrow_threshold: fraction below which a site is marrow.
    """

    marrow: np.ndarray
    surface: np.ndarray
    next_to_bone: np.ndarray
    near_cavity: np.ndarray
    eroded_surface: np.ndarray
    eroded_zone: np.ndarray

    def __init__(self, fraction: np.ndarray, marrow_threshold: float):
        self.fraction = np.array(fraction, dtype=float)
        self.template = self.fraction.copy()
        self.threshold = marrow_threshold
        self.resorbed = 0.0
        self.formed = 0.0
        self.laid_hour = np.full(self.fraction.shape, -np.inf)
        """The hour each site last received bone or held a forming osteoblast (−inf: never)."""
        self._changed_sites: list[np.ndarray] = []  # flat sites whose fraction changed since the masks were made
        self._listed: dict[str, tuple[np.ndarray, np.ndarray]] = {}  # per mask name: the mask and its flat sites
        self._laid_sites: list[np.ndarray] = []  # flat sites that received bone, or held a forming cell, this hour
        self.refresh()

    def refresh(self) -> None:
        """Recompute which sites are marrow, bone surface, next to bone, near a cavity, eroded surface, or in an
        eroded zone (the module docstring's surfaces) from the whole grid (one compiled pass,
        niche_abm.world.kernels.bone_masks): after the fraction was set by hand anywhere."""
        *masks, self._codes = kernels.bone_masks(self.fraction, self.template, self.threshold, FORMATION_EPSILON)
        self._set_masks(masks)
        self._changed_sites = []

    def follow_changes(self, hour: int) -> None:
        """End the model's `hour`: stamp it on the sites where bone was laid this hour, and bring the masks up to
        date after this hour's resorption and formation (:meth:`resorb`, :meth:`form`, :meth:`build`), the same
        as :meth:`refresh` gives.

        Only the sites near a site whose bone crossed the marrow threshold or the cavity margin are recomputed
        (niche_abm.world.kernels.update_bone_masks). Masks that change are new arrays: a holder of the old ones
        keeps what it read.
        """
        if self._laid_sites:
            self.laid_hour.ravel()[np.concatenate(self._laid_sites)] = hour
            self._laid_sites = []
        if not self._changed_sites:
            return
        sites = np.concatenate(self._changed_sites)
        self._changed_sites = []
        changed = kernels.changed_bone_codes(
            self.fraction, self.template, self.threshold, FORMATION_EPSILON, self._codes, sites
        )
        if not changed.size:
            return
        masks = tuple(getattr(self, name).copy() for name in MASKS)
        kernels.update_bone_masks(self._codes, changed, masks)
        self._set_masks(masks)

    def _set_masks(self, masks: Sequence[np.ndarray]) -> None:
        """Keep the six masks, in the order of MASKS."""
        for name, mask in zip(MASKS, masks, strict=True):
            setattr(self, name, mask)

    def sites_in(self, name: str) -> np.ndarray:
        """The flat sites of one of the masks (MASKS), in site order (read-only; kept until that mask changes)."""
        mask = getattr(self, name)
        listed = self._listed.get(name)
        if listed is None or listed[0] is not mask:
            sites = np.flatnonzero(mask)
            sites.flags.writeable = False
            listed = self._listed[name] = (mask, sites)
        return listed[1]

    def resorb(self, sites: np.ndarray, amount: np.ndarray) -> np.ndarray:
        """Each cell on a flat site removes up to `amount` site volumes of bone from its own site.

        Returns the bone each removed (site volumes). Two cells never share a site.
        """
        flat = self.fraction.ravel()
        removed = np.minimum(np.asarray(amount, dtype=float), flat[sites])
        flat[sites] -= removed
        self._changed_sites.append(np.asarray(sites, dtype=np.int64))
        self.resorbed += float(removed.sum())
        return removed

    def form(
        self,
        sites: np.ndarray,
        neighbours: np.ndarray,
        inside: np.ndarray,
        rate: float,
        open_at: Callable[[np.ndarray], np.ndarray],
    ) -> np.ndarray:
        """Each cell on a flat site adds `rate` site volumes to one resorbed site: its own, else a neighbour's.

        Args:
            sites: flat sites of the forming cells (n).
            neighbours, inside: their Moore neighbours (n x 8 flat) and which lie in the grid.
            rate: bone laid down per cell, site volumes/h.
            open_at: whether flat sites are marrow free of cells, which bone may fill.

        A candidate holds less bone than the template and is bone or open marrow;
        the most complete candidate is filled first, so cavities close from their
        walls. Returns which cells found a site to fill.
        """
        if not len(sites):
            return np.zeros(0, dtype=bool)
        flat, template = self.fraction.ravel(), self.template.ravel()
        candidates, valid = _own_site_first(sites, neighbours, inside)
        deficit = template[candidates] - flat[candidates]
        fillable = valid & (deficit > FORMATION_EPSILON) & (~self.marrow.ravel()[candidates] | open_at(candidates))
        return self._fill(candidates, fillable, flat[candidates], template[candidates], rate)

    def build(
        self,
        sites: np.ndarray,
        neighbours: np.ndarray,
        inside: np.ndarray,
        rate: float,
        open_at: Callable[[np.ndarray], np.ndarray],
    ) -> np.ndarray:
        """Modelling-based formation: each cell on a flat site adds `rate` site volumes of new bone beyond the
        template, into its own site until it is full, else into the neighbouring open marrow site holding the
        most bone (the new layer grows into the marrow from the surface).

        Args as :meth:`form`. Returns which cells found a site to fill.
        """
        if not len(sites):
            return np.zeros(0, dtype=bool)
        flat = self.fraction.ravel()
        candidates, valid = _own_site_first(sites, neighbours, inside)
        own = np.zeros_like(valid)
        own[:, 0] = True
        fillable = valid & (1.0 - flat[candidates] > FORMATION_EPSILON) & (own | open_at(candidates))
        return self._fill(candidates, fillable, flat[candidates] + own, np.ones(candidates.shape), rate)

    def _fill(
        self, candidates: np.ndarray, fillable: np.ndarray, priority: np.ndarray, ceiling: np.ndarray, rate: float
    ) -> np.ndarray:
        """Each cell adds `rate` site volumes to its fillable candidate of highest priority, up to that candidate's
        ceiling (site volumes; candidates x 9 like `candidates`); cells sharing a target add together. Returns which
        cells found one."""
        flat = self.fraction.ravel()
        choice = np.argmax(np.where(fillable, priority, -np.inf), axis=1)
        found = fillable.any(axis=1)
        active = np.flatnonzero(found)
        chosen = candidates[active, choice[active]]
        target, first, cells = np.unique(chosen, return_index=True, return_counts=True)
        top = ceiling[active, choice[active]][first]
        added = np.minimum(cells * rate, np.maximum(top - flat[target], 0.0))
        flat[target] += added
        self._laid_sites += [target, candidates[active, 0]]  # the bone laid, and the seam under the cell laying it
        self._changed_sites.append(target.astype(np.int64))
        self.formed += float(added.sum())
        return found

    # --- measures --------------------------------------------------------------------------------
    def osteoid(self, hour: int, maturation_h: float) -> np.ndarray:
        """Sites [x, y] carrying osteoid at the model's `hour`: bone laid there, or under the osteoblast laying it,
        within the last `maturation_h` hours (the mineralisation lag time; 0 counts no osteoid)."""
        return hour - self.laid_hour < maturation_h

    def bv_tv(self) -> float:
        """Bone volume / tissue volume, %."""
        return 100.0 * float(self.fraction.mean())

    def lesions(self, min_area_mm2: float) -> tuple[int, float]:
        """(count, total area mm²) of 8-connected regions that were bone at the start and are marrow now."""
        lost = (self.template >= self.threshold) & self.marrow
        labels, n = ndimage.label(lost, structure=np.ones((3, 3)))
        if n == 0:
            return 0, 0.0
        sizes = np.bincount(labels.ravel())[1:]
        big = sizes[sizes >= min_area_mm2 / sites_to_mm2(1)]
        return len(big), sites_to_mm2(float(big.sum()))


def _own_site_first(sites: np.ndarray, neighbours: np.ndarray, inside: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each forming cell's candidate sites (n x 9: its own, then its Moore neighbours) and which lie in the grid."""
    candidates = np.concatenate([sites[:, None], neighbours], axis=1)
    valid = np.concatenate([np.ones((len(sites), 1), dtype=bool), inside], axis=1)
    return candidates, valid
