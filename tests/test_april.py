"""APRIL: the osteoclasts' soluble support of MM cells (Abe et al. 2006; Yaccoby et al. 2008; Moreaux et al. 2004).

The field is one declaration plus its parameter rows; osteoclasts secrete it; MM cells die less where they sense
it. Its secretion was set by design so that a lone osteoclast on a flat bone surface holds APRIL at the half-
maximal concentration 100 µm away (docs/parameters.md): the first test re-derives that figure from the table.
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import alive, flat, live_forever, place, settle, tiny_model

from niche_abm.cells import MyelomaCell, Osteoclast
from niche_abm.cells.myeloma import april_support
from niche_abm.cells.osteoclast import KIND as OSTEOCLAST
from niche_abm.cycle import arrows
from niche_abm.metrics import COLUMNS
from niche_abm.params import build_parameters
from niche_abm.rules import probability
from niche_abm.units import SITE_UM
from niche_abm.world.fields import DiffusionField
from niche_abm.world.signals import BY_NAME, FACTORS

DEFAULTS = build_parameters()


def test_april_is_one_declared_signal_that_osteoclasts_secrete_and_runs_report():
    assert BY_NAME["april"].mass_kda == 48.0
    assert "april" in FACTORS and "april_mean" in COLUMNS
    assert set(OSTEOCLAST.secretes) == {"april"}


def test_a_lone_osteoclast_on_flat_bone_holds_april_half_maximal_about_100_um_away():
    """The steady state of the table's APRIL field around one osteoclast secreting into the marrow beside a flat
    bone surface (bone fills half of a 2 x 2 mm window): half-maximal (mm.april_ec50_pm) 100 µm from it, within
    the 20 µm voxel it falls in, and falling with distance."""
    p = DEFAULTS
    voxel_sites = int(p.april.voxel_um // SITE_UM)
    field = DiffusionField(
        "april", (200, 200), voxel_sites, p.april.diffusion_mm2_per_h, p.april.decay_per_h, "no_flux"
    )
    marrow = np.ones((200, 200), dtype=bool)
    marrow[:100, :] = False
    field.set_geometry(marrow)
    secretion = np.zeros(field.shape)
    wall, middle = 100 // voxel_sites, 100 // voxel_sites
    secretion[wall, middle] = p.oc.april_secretion
    field.solve_steady(secretion)
    into_marrow = field.concentration[wall:, middle]
    steps = int(100.0 // p.april.voxel_um)
    assert into_marrow[steps] == pytest.approx(p.mm.april_ec50_pm, rel=0.1)
    assert np.all(np.diff(into_marrow[:20]) < 0)
    assert field.diffusion_length_um == pytest.approx(170.0, rel=0.05)


def test_april_support_follows_its_hill_function():
    ec50, share = DEFAULTS.mm.april_ec50_pm, DEFAULTS.mm.april_survival
    factor = april_support(np.array([0.0, ec50, 1e9 * ec50]), DEFAULTS)
    assert factor == pytest.approx([1.0, 1.0 - share / 2, 1.0 - share])


def test_cutting_the_osteoclast_arrows_stops_april():
    by_name = {arrow.name: dict(arrow.cut) for arrow in arrows()}
    assert by_name["april"] == {"oc.april_secretion": 0.0}
    assert by_name["osteoclast_support"]["oc.april_secretion"] == 0.0
    assert by_name["osteoclast_support"]["mm.osteoclast_support_death_factor"] == 1.0


def test_mm_cells_beyond_contact_reach_of_osteoclasts_die_less_than_far_ones():
    """Four osteoclasts (each on a one-site bone spicule) at one end of a 1.2 x 0.4 mm window; free MM cells 70-120
    µm from them (beyond the 50 µm contact reach) against cells 700+ µm away, 24 h at 0.05 /h. The near cells'
    deaths match the rule read at the APRIL they sense; the far ones sense a tenth as much."""
    death = 0.05
    oc_sites = [(10, 10), (10, 30), (30, 10), (30, 30)]
    bone = np.zeros((120, 40))
    for site in oc_sites:
        bone[site] = 1.0
    still = {
        "mm.migration_rate": 0.0,
        "mm.division_rate_free": 0.0,
        "mm.division_rate_adherent": 0.0,
        "mm.death_rate_free": death,
    }
    model = tiny_model(bone, **still)
    live_forever(*place(model, Osteoclast, *oc_sites, nuclei=1))
    near_sites = sorted(
        {
            (x, y)
            for x in range(0, 42)
            for y in range(0, 40)
            if 7 <= min(np.hypot(x - a, y - b) for a, b in oc_sites) <= 12
        }
    )
    far_sites = [(x, y) for x in range(100, 120) for y in range(0, 40, 2)]
    near = place(model, MyelomaCell, *near_sites, cd49d=1.0)
    far = place(model, MyelomaCell, *far_sites, cd49d=1.0)
    settle(model)
    assert not any(model.niche.near_osteoclast[s] for s in near_sites), "beyond contact reach"
    sensed_near = model.signals.at("april", np.array([flat(model, *s) for s in near_sites]))
    sensed_far = model.signals.at("april", np.array([flat(model, *s) for s in far_sites]))
    assert sensed_far.mean() < 0.1 * sensed_near.mean()
    expected = probability(death * april_support(sensed_near, model.params) * 24).sum()
    for _ in range(24):
        model.step()
    near_dead = sum(not alive(c) for c in near)
    far_dead = sum(not alive(c) for c in far)
    assert near_dead / len(near) < far_dead / len(far)
    assert abs(near_dead - expected) <= 4 * np.sqrt(expected)
