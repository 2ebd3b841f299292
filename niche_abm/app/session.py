"""The model one browser tab runs: a NicheModel built from keyword settings, with a bounded history.

Mesa's ModelController rebuilds the model on Reset as
``model.__class__(**model_parameters)``, so the app's model takes everything it
is built from as keyword arguments. Each tab builds its own (see
:mod:`niche_abm.app.page`); nothing is shared between tabs. The settings are
checked and loaded as a :class:`~niche_abm.experiment.RunDescription` of an
open-ended run (as long as any run may be, MAX_DAYS), the same description a batch
builds its models from; the app's model is a subclass, so it passes the loaded
scenario and regimens to NicheModel itself.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from typing import Any

from niche_abm.app.history import DEFAULT_LIMIT, DecimatedHistory
from niche_abm.app.raster import HeldScales
from niche_abm.experiment import RunDescription
from niche_abm.model import NicheModel
from niche_abm.scenario import MAX_DAYS


class AppModel(NicheModel):
    """A NicheModel built from a scenario, overrides, drugs and a seed, keeping at most ~history_limit daily rows
    and the overlays' colour scales over the run.

    Args:
        scenario: a scenario name (``mm_niche``, ``demos/myeloma_marrow``) or a path to a TOML file.
        seed: seed of every random number the model draws.
        overrides: parameter overrides by dotted name (``{"mm.initial_count": 300}``).
        drugs: regimens in the command-line syntax (``"lenalidomide=10uM@day20"``), on top of the scenario's.
        title: what the run is called on screen and in exported files (default: the scenario's name).
        history_limit: daily metric rows kept before thinning (:class:`DecimatedHistory`).
    """

    def __init__(
        self,
        scenario: str = "mm_niche",
        seed: int = 1,
        overrides: Mapping[str, Any] | None = None,
        drugs: Sequence[str] = (),
        title: str = "",
        history_limit: int = DEFAULT_LIMIT,
    ):
        self.lock = threading.RLock()
        """Held while the model steps, and by every view that reads it or a control that changes it: Mesa's
        ModelController steps in a thread of its own while the page renders, and a frame drawn in the middle of
        an hour would read half-moved cells (the lattice refuses such a listing)."""
        description = RunDescription(scenario, dict(overrides or {}), tuple(drugs), seed, days=MAX_DAYS)
        loaded = description.loaded()
        super().__init__(loaded, seed=description.seed, drugs=description.regimens)
        self.records = DecimatedHistory(history_limit, self.records)
        self.title = title or loaded.name
        self.built_from = {
            "scenario": scenario,
            "seed": seed,
            "overrides": dict(overrides or {}),
            "drugs": tuple(drugs),
            "title": title,
        }
        """The keyword arguments this model was built from (what Reset would rebuild)."""
        self.held_scales = HeldScales()
        """The colour scale of each overlay over this run (widening only)."""

    def step(self) -> None:
        """Advance the niche by one hour, holding the lock (:attr:`lock`)."""
        with self.lock:
            super().step()
