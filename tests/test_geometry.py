"""Trabecular bone (procedural and imported) and marrow sinusoids."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pytest
from scipy import ndimage

from niche_abm.cells.endothelium import place_sinusoids
from niche_abm.params import ParameterError, build_parameters
from niche_abm.units import SITE_UM
from niche_abm.world.trabecular import generate_trabecular_bone, load_bone_mask

DEFAULTS = build_parameters()
SHAPE = (DEFAULTS.grid.width, DEFAULTS.grid.height)
BV_TV = DEFAULTS.bone.bv_tv
THICKNESS_UM = DEFAULTS.bone.trabecular_thickness_um
SEEDS = [0, 1, 2, 3, 4]


def _bone(seed: int, shape: tuple[int, int] = SHAPE) -> np.ndarray:
    return generate_trabecular_bone(shape, BV_TV, THICKNESS_UM, np.random.default_rng(seed))


# --- imported bone ---------------------------------------------------------------------


def _asymmetric_bone(shape: tuple[int, int] = (30, 20)) -> np.ndarray:
    """Bone low in x and y, a half-mineralised patch high in x and y: any flip or transpose shows."""
    bone = np.zeros(shape)
    bone[:5, :3] = 1.0
    bone[18:25, 14:] = 0.5
    return bone


def test_npy_bone_mask_round_trips(tmp_path):
    bone = _asymmetric_bone()
    path = tmp_path / "section.npy"
    np.save(path, bone)
    np.testing.assert_array_equal(load_bone_mask(path, bone.shape), bone)


def test_png_bone_mask_round_trips_with_bright_bone_and_top_row_highest_y(tmp_path):
    """An image shows [x, y] as rows from the highest y down: imsave(data[:, ::-1].T); 8-bit grey levels."""
    bone = _asymmetric_bone()
    path = tmp_path / "section.png"
    plt.imsave(path, bone[:, ::-1].T, cmap="gray", vmin=0.0, vmax=1.0)
    loaded = load_bone_mask(path, bone.shape)
    np.testing.assert_allclose(loaded, bone, atol=1 / 255)


def test_png_top_row_is_the_highest_y(tmp_path):
    width, height = 30, 20
    image = np.zeros((height, width))
    image[0, :] = 1.0  # the top row of the picture is bright
    path = tmp_path / "top.png"
    plt.imsave(path, image, cmap="gray", vmin=0.0, vmax=1.0)
    loaded = load_bone_mask(path, (width, height))
    np.testing.assert_allclose(loaded[:, height - 1], 1.0)
    np.testing.assert_allclose(loaded[:, : height - 1], 0.0)


def _raises_on_mask_file(path, shape, *fragments: str) -> None:
    with pytest.raises(ParameterError) as error:
        load_bone_mask(path, shape)
    assert error.value.key == "bone.mask_file"
    assert "bone.mask_file" in str(error.value)
    for fragment in fragments:
        assert fragment in str(error.value)


def test_bone_mask_of_the_wrong_shape_is_refused(tmp_path):
    path = tmp_path / "section.npy"
    np.save(path, np.zeros((30, 20)))
    _raises_on_mask_file(path, (40, 20), "30 x 20", "40 x 20", "grid.width")


def test_png_of_the_wrong_shape_is_refused(tmp_path):
    path = tmp_path / "section.png"
    plt.imsave(path, np.zeros((20, 30)), cmap="gray")
    _raises_on_mask_file(path, (20, 30), "30 x 20")


def test_missing_bone_mask_is_refused(tmp_path):
    _raises_on_mask_file(tmp_path / "nowhere.npy", (30, 20), "does not exist")


@pytest.mark.parametrize("bad", [1.5, -0.1, np.nan])
def test_bone_mask_values_outside_0_to_1_are_refused(tmp_path, bad):
    bone = _asymmetric_bone()
    bone[0, 0] = bad
    path = tmp_path / "section.npy"
    np.save(path, bone)
    _raises_on_mask_file(path, bone.shape, "0..1")


def test_bone_mask_with_three_dimensions_is_refused(tmp_path):
    path = tmp_path / "stack.npy"
    np.save(path, np.zeros((30, 20, 2)))
    _raises_on_mask_file(path, (30, 20), "2-D")


def test_bone_mask_of_an_unknown_format_is_refused(tmp_path):
    path = tmp_path / "section.tif"
    path.write_bytes(b"II*\x00")
    _raises_on_mask_file(path, (30, 20), ".png or .npy")


def test_unreadable_bone_mask_is_refused(tmp_path):
    path = tmp_path / "section.png"
    path.write_bytes(b"not an image")
    _raises_on_mask_file(path, (30, 20), "cannot read")


# --- sinusoids ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def marrow_and_vessels():
    marrow = _bone(0) < DEFAULTS.bone.marrow_threshold
    vessels = place_sinusoids(
        marrow, DEFAULTS.vessels.density_per_mm2, DEFAULTS.vessels.diameter_um, np.random.default_rng(0)
    )
    return marrow, vessels


def test_sinusoids_lie_in_marrow_clear_of_bone(marrow_and_vessels):
    marrow, vessels = marrow_and_vessels
    assert not (vessels & ~marrow).any()
    around = ndimage.binary_dilation(vessels, structure=np.ones((3, 3)))
    assert not (around & ~marrow).any(), "a vessel site touches bone"


def test_sinusoids_are_separate_squares_of_the_set_diameter(marrow_and_vessels):
    _, vessels = marrow_and_vessels
    side = int(round(DEFAULTS.vessels.diameter_um / SITE_UM))
    labels, n = ndimage.label(vessels, structure=np.ones((3, 3)))
    sizes = ndimage.sum_labels(vessels, labels, index=np.arange(1, n + 1))
    np.testing.assert_array_equal(sizes, side * side)
    for box in ndimage.find_objects(labels):
        assert vessels[box].shape == (side, side)


def test_sinusoid_count_is_density_times_marrow_area(marrow_and_vessels):
    """15 /mm² x 3.12 mm² of marrow = 46.8 -> 47 cross-sections."""
    marrow, vessels = marrow_and_vessels
    side = int(round(DEFAULTS.vessels.diameter_um / SITE_UM))
    marrow_mm2 = marrow.sum() * (SITE_UM * 1e-3) ** 2
    _, n = ndimage.label(vessels, structure=np.ones((3, 3)))
    assert n == round(DEFAULTS.vessels.density_per_mm2 * marrow_mm2)
    assert vessels.sum() == n * side * side


def test_no_sinusoids_at_zero_density(marrow_and_vessels):
    marrow, _ = marrow_and_vessels
    assert not place_sinusoids(marrow, 0.0, 20.0, np.random.default_rng(0)).any()


def test_sinusoids_stop_when_the_marrow_is_full():
    """A small marrow pocket cannot hold what the density asks: as many as fit, none overlapping."""
    marrow = np.zeros((40, 40), dtype=bool)
    marrow[10:20, 10:20] = True  # 0.01 mm²: 2000 /mm² asks for 20; the 8 x 8 clear core holds at most 4 of 3 x 3
    vessels = place_sinusoids(marrow, 2000.0, 30.0, np.random.default_rng(1))
    _, n = ndimage.label(vessels, structure=np.ones((3, 3)))
    assert 1 <= n <= 4
    assert not (ndimage.binary_dilation(vessels, structure=np.ones((3, 3))) & ~marrow).any()
