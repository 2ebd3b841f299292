"""Shared helpers: tiny hand-built niches to check one cell rule at a time.

A tiny niche is a NicheModel on a bone array drawn by hand, with no stroma,
no vessels and no MM seeded, and 10 µm field voxels so every site has its own
concentration. Cells are then placed one by one with ``place``; ``settle``
brings the model's derived arrays (bone state, osteoclast neighbourhood,
steady fields) up to date with what was placed.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from niche_abm import NicheModel, build_parameters

REPO_ROOT = Path(__file__).resolve().parent.parent

QUIET_WORLD = {
    "stroma.density": 0.0,
    "vessels.density_per_mm2": 0.0,
    "mm.initial_count": 0,
    "rankl.voxel_um": 10.0,
    "opg.voxel_um": 10.0,
    "ccl3.voxel_um": 10.0,
    "oc.rankl_withdrawal_death_rate": 0.0,
}


def tiny_model(bone: np.ndarray | None = None, shape=(20, 20), seed: int = 0, **overrides) -> NicheModel:
    """A NicheModel on a hand-built bone array (default: all marrow) with nothing in it.

    Args:
        bone: bone fraction per site [x, y]; its shape sets the grid.
        shape: grid shape when bone is not given.
        seed: model seed.
        overrides: parameter overrides by dotted name, e.g. ``**{"mm.death_rate_free": 0.0}``.
    """
    bone = np.zeros(shape) if bone is None else np.asarray(bone, dtype=float)
    params = build_parameters({"grid.width": bone.shape[0], "grid.height": bone.shape[1], **QUIET_WORLD, **overrides})
    return NicheModel(params, seed=seed, bone=bone)


def place(model: NicheModel, kind: type, *sites, **state) -> list:
    """Put one cell of a kind on each (x, y) site; returns the new agents."""
    return [model.add_cell(kind, model.grid[(int(x), int(y))], **state) for x, y in sites]


def settle(model: NicheModel) -> None:
    """Bring the derived arrays up to date after a hand edit: bone state, osteoclast reach, steady fields."""
    model._refresh_bone_state()
    for field in model.fields.values():
        field.set_geometry(model.marrow)
    model._update_near_osteoclast()
    model._signal(steady=True)


def alive(agent) -> bool:
    """Whether an agent is still in its model (not dead, fused, retired or differentiated)."""
    return agent in agent.model.agents
