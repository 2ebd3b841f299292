"""The niche as the cells see it: a narrow view of the world, never the model itself.

A phase function receives a :class:`Niche`: the lattice (where cells are), the
bone, the signals, the parameters, the drug effects in force this hour, the
model's seeded random generator and a few shared neighbourhood maps. Cells
never import the model, so the model depends on the cells and not the reverse.
"""

from __future__ import annotations

import functools

import numpy as np

from niche_abm.params import Parameters
from niche_abm.units import SITE_UM
from niche_abm.world import kernels
from niche_abm.world.bone import Bone
from niche_abm.world.lattice import MARROW, SURFACE, Lattice
from niche_abm.world.signals import Signals


class Niche:
    """Lattice, bone, signals, parameters, drug effects and random numbers: what a cell's rules may use.

    Attributes:
        effects: drug multiplier on each target this hour (niche_abm.drugs.base.TARGETS; 1 = no drug).
        contact_possible: False when a transwell keeps MM cells from touching stroma.
        near_vessel: marrow sites within mm.vessel_support_radius_um of an endothelial site.
        near_osteoclast: sites within mm.osteoclast_support_radius_um of an osteoclast (refreshed hourly, when
            the osteoclasts' listing, ``near_osteoclast_of``, is no longer the lattice's).
        mm_contact, adherent_mm_contact: sites touched by an MM cell / an adherent MM cell (written by
            the MM phase; none across a transwell).
        mobile: indexed by kind code, whether other cells can push or squeeze past cells of that kind.
        stroma_target: the sizes the endosteal (True) and reticular (False) PreOB pools renew toward
            (written by the stroma's seeding).
        counters: run totals the metrics read (osteoclasts formed, nuclei fused, osteoclast lifespans).
    """

    def __init__(self, params: Parameters, rng: np.random.Generator, lattice: Lattice, bone: Bone, signals: Signals):
        self.params = params
        self.rng = rng
        self.lattice = lattice
        self.bone = bone
        self.signals = signals
        self.effects: dict[str, float] = {}
        self.contact_possible = not params.culture.transwell
        self.near_vessel = np.zeros(lattice.shape, dtype=bool)
        self.near_osteoclast = np.zeros(lattice.shape, dtype=bool)
        self.near_osteoclast_of: np.ndarray | None = None
        self.mm_contact = np.zeros(lattice.shape, dtype=bool)
        self.adherent_mm_contact = np.zeros(lattice.shape, dtype=bool)
        self.mobile = np.zeros(128, dtype=bool)
        self.stroma_target: dict[bool, int] = {True: 0, False: 0}
        self.counters: dict = {"osteoclasts_formed": 0, "nuclei_fused": 0, "osteoclast_lifespans_h": []}
        self.claimed = np.zeros(lattice.size, dtype=bool)
        """Scratch for the kernels, one entry per site, all False between calls."""
        self.scratch = np.zeros(lattice.size, dtype=np.uint8)
        """Scratch for the kernels, one entry per site, all 0 between calls."""
        self.origin = np.full(lattice.size, -2, dtype=np.int64)
        """Scratch for :func:`niche_abm.world.kernels.crawl`, one entry per site, all −2 between calls."""

    # --- what is where -------------------------------------------------------------------------
    def open_marrow(self) -> np.ndarray:
        """Marrow sites with no cell in either layer (flat bool)."""
        lattice = self.lattice
        return (self.bone.marrow & (lattice.marrow_code == 0) & (lattice.surface_code == 0)).ravel()

    def open_at(self, sites: np.ndarray) -> np.ndarray:
        """Whether each flat site is marrow holding no cell in either layer (reads only those sites)."""
        lattice, sites = self.lattice, np.asarray(sites)
        flat = kernels.open_sites(
            sites.ravel(), self.bone.marrow.ravel(), lattice.marrow_code.ravel(), lattice.surface_code.ravel()
        )
        return flat.reshape(sites.shape)

    def is_open(self, site: int) -> bool:
        """Whether a flat site (−1 = none) is marrow holding no cell."""
        lattice = self.lattice
        return (
            site >= 0
            and self.bone.marrow.item(site)
            and lattice.marrow_code.item(site) == 0
            and lattice.surface_code.item(site) == 0
        )

    def count_near(self, code: int, sites: np.ndarray, layer: str = MARROW, radius: int = 1) -> np.ndarray:
        """Cells with this code within `radius` sites (Chebyshev) of each flat site, the site itself excluded."""
        lattice = self.lattice
        return kernels.count_near(sites, lattice.code[layer].ravel(), lattice.shape, code, radius)

    @property
    def passable(self) -> np.ndarray:
        """Indexed by marrow code, whether a moving cell may enter: empty (0) or a mobile cell to squeeze past."""
        passable = self.mobile.copy()
        passable[0] = True
        return passable

    def touching(self, code: int, sites: np.ndarray, layer: str = MARROW) -> np.ndarray:
        """Whether each flat site has a cell of this code in its Moore neighbourhood (the site itself excluded)."""
        return kernels.touches_code(sites, self.lattice.shape, self.lattice.code[layer].ravel(), code)

    def contacts_of(self, sites: np.ndarray, flagged: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Sites [x, y] with one of the given flat sites in their Moore neighbourhood (the site itself excluded),
        and those with one of the flagged ones (bool per site), in one pass."""
        touched, touched_by_flagged = kernels.contact_maps(sites, flagged, self.lattice.shape)
        return touched.reshape(self.lattice.shape), touched_by_flagged.reshape(self.lattice.shape)

    def mark_near(self, sites: np.ndarray, radius_um: float) -> np.ndarray:
        """Sites [x, y] within radius_um (Euclidean) of any of the flat sites: one disk stamped per site (compiled)."""
        x, y = self.lattice.xy(sites)
        x, y = x.astype(np.int64), y.astype(np.int64)
        return kernels.stamp(self.lattice.shape, x, y, _disk(radius_um / SITE_UM))

    # --- choosing where to go ------------------------------------------------------------------
    def choose_neighbour(
        self, sites: np.ndarray, allowed: np.ndarray, neighbours: np.ndarray, weights: np.ndarray | None = None
    ) -> np.ndarray:
        """For each cell, one of its 8 neighbours at random among the allowed ones (flat site, −1 if none).

        Args:
            sites: flat sites of the choosing cells (n).
            allowed: n x 8, which neighbours may be chosen.
            neighbours: n x 8 flat sites of those neighbours (Lattice.neighbours).
            weights: n x 8 relative weights (e.g. chemotaxis); uniform if None.
        """
        if len(sites) == 0:
            return np.zeros(0, dtype=np.intp)
        draws = self.rng.random(len(sites))
        return kernels.choose_neighbours(allowed, neighbours, _UNIFORM if weights is None else weights, draws)

    def open_neighbours(self, sites: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Moore neighbours of each flat site (n x 8) and which of them are open marrow."""
        neighbours, inside = self.lattice.neighbours(sites)
        return neighbours, inside & self.open_at(neighbours)

    def free_surface_neighbours(self, sites: np.ndarray, surface: np.ndarray | None = None):
        """Moore neighbours of each flat site (n x 8) and which are surface sites holding no surface cell.

        surface: the bone-surface sites allowed (bool [x, y]); default the whole bone surface.
        """
        neighbours, inside = self.lattice.neighbours(sites)
        allowed = self.bone.surface if surface is None else surface
        free = allowed.ravel()[neighbours] & (self.lattice.code[SURFACE].ravel()[neighbours] == 0)
        return neighbours, inside & free

    def first_claims(self, targets: np.ndarray) -> np.ndarray:
        """Which of several cells get the site each chose (−1 = none): one per site, in random order."""
        return kernels.first_claims(targets, self.rng.permutation(len(targets)), self.claimed)

    def nearest_open(self, origins: np.ndarray, radius_sites: float) -> np.ndarray:
        """For each flat site, the nearest open marrow site within radius_sites (ties at random), or −1."""
        lattice = self.lattice
        return self._nearest(origins, radius_sites, self.bone.marrow, lattice.marrow_code, lattice.surface_code)

    def nearest_free_surface(self, origins: np.ndarray, radius_sites: float) -> np.ndarray:
        """For each flat site, the nearest bone-surface site holding no surface cell within radius_sites (ties at
        random), or −1."""
        held = self.lattice.surface_code
        return self._nearest(origins, radius_sites, self.bone.surface, held, held)  # only the surface layer counts

    def _nearest(
        self,
        origins: np.ndarray,
        radius_sites: float,
        flag: np.ndarray,
        first_code: np.ndarray,
        second_code: np.ndarray,
    ) -> np.ndarray:
        """For each flat site, the nearest other site within radius_sites that is wanted (flag set, both codes 0;
        arrays [x, y]), ties at random (one draw per origin and site within reach), or −1 (compiled,
        :func:`niche_abm.world.kernels.nearest_wanted`)."""
        if len(origins) == 0:
            return np.zeros(0, dtype=np.intp)  # most hours no cell is looking; nothing to draw
        offsets, distance = _disk_offsets(radius_sites)
        if len(offsets) == 0:
            return np.full(len(origins), -1, dtype=np.intp)  # a radius under one site reaches no other site
        return kernels.nearest_wanted(
            np.asarray(origins, dtype=np.int64),
            self.lattice.shape,
            offsets,
            distance,
            self.rng.random((len(origins), len(offsets))),
            _TIE_SPACING,
            flag.ravel(),
            first_code.ravel(),
            second_code.ravel(),
        )

    def push_toward(self, origin: int, end: int) -> int:
        """Make room next to a site by shifting the cells between it and an open site one site outwards.

        Every cell on the straight lattice path from the origin to the open site
        `end` must be mobile (kind.mobile). Returns the site freed next to the
        origin, or −1 when the end is no longer open or a fixed cell (stroma,
        endothelium) stands in the way.
        """
        lattice = self.lattice
        if not self.is_open(end):
            return -1
        path = kernels.line_sites(origin, end, lattice.shape[1])
        movers = lattice.agents_at(MARROW, path[:-1])
        if any(cell is None or not self.mobile[cell.code] for cell in movers):
            return -1
        for cell, site in zip(reversed(movers), reversed(path[1:]), strict=True):
            lattice.move(cell, site)
        return int(path[0])


_UNIFORM = np.ones((1, 8))
"""Equal weights of the 8 neighbours (choose_neighbour without weights)."""

_TIE_SPACING = 0.01
"""Random jitter added to distances (in sites) to break ties; smaller than any gap between distinct distances."""


@functools.lru_cache(maxsize=32)
def _disk(radius_sites: float) -> np.ndarray:
    """Boolean footprint of the sites within radius_sites of the centre, itself included (read-only, kept per
    radius)."""
    r = int(np.ceil(radius_sites))
    dx, dy = np.meshgrid(np.arange(-r, r + 1), np.arange(-r, r + 1), indexing="ij")
    footprint = dx**2 + dy**2 <= radius_sites**2
    footprint.flags.writeable = False
    return footprint


@functools.lru_cache(maxsize=8)
def _disk_offsets(radius_sites: float) -> tuple[np.ndarray, np.ndarray]:
    """Offsets (n x 2) of the sites within radius_sites of a site, itself excluded, and their distances."""
    r = int(np.floor(radius_sites))
    dx, dy = np.meshgrid(np.arange(-r, r + 1), np.arange(-r, r + 1), indexing="ij")
    distance = np.hypot(dx, dy).ravel()
    keep = (distance > 0) & (distance <= radius_sites)
    return np.stack([dx.ravel()[keep], dy.ravel()[keep]], axis=1), distance[keep]
