"""DepthPreprocessor and ThermalPreprocessor: units, disparity, invalid pixels, normalization."""

import io

import numpy as np
import pytest
import torch
from PIL import Image

from bindspace.models.preprocess import DepthPreprocessor, ThermalPreprocessor
from bindspace.models.preprocess.depth import DEFAULT_BASELINE_M, DEFAULT_FOCAL_PX, DEFAULT_MAX_DISPARITY_PX
from preprocess_samples import image_bytes

BASELINE_FOCAL = DEFAULT_BASELINE_M * DEFAULT_FOCAL_PX


def npy_bytes(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array)
    return buffer.getvalue()


def expected_value(depth_m: float, baseline_focal: float = BASELINE_FOCAL) -> float:
    return min(baseline_focal / depth_m / DEFAULT_MAX_DISPARITY_PX, 1.0)


@pytest.fixture(scope="module")
def depth():
    return DepthPreprocessor()


def test_sixteen_bit_png_is_millimetres(depth):
    data = image_bytes(np.full((240, 320), 2000, np.uint16))
    result = depth(data)
    assert result.shape == (1, 224, 224) and result.dtype == torch.float32
    assert torch.allclose(result, torch.tensor(expected_value(2.0)), atol=1e-6)
    assert abs(expected_value(2.0) - 0.2594) < 1e-3


def test_float_npy_is_metres_and_agrees_with_millimetre_png(depth):
    metres = np.random.default_rng(0).uniform(0.6, 8.0, (120, 160)).astype(np.float32)
    from_npy = depth(npy_bytes(metres))
    from_png = depth(image_bytes(np.round(metres * 1000).astype(np.uint16)))
    assert (from_npy - from_png).abs().max() < 1e-3
    assert torch.equal(depth(npy_bytes(np.round(metres * 1000).astype(np.uint16))), from_png)


def test_disparity_is_inverse_depth_and_scales_with_baseline_and_focal():
    near_far = np.array([[1.0, 2.0, 4.0, 8.0]], np.float32)
    values = DepthPreprocessor().normalized_disparity(near_far)[0]
    assert np.allclose(values, [expected_value(d) for d in (1.0, 2.0, 4.0, 8.0)])
    assert np.allclose(values[:-1] / values[1:], 2.0)
    wider = DepthPreprocessor(baseline_m=2 * DEFAULT_BASELINE_M).normalized_disparity(near_far)[0]
    assert np.allclose(wider[1:], 2 * values[1:])
    longer = DepthPreprocessor(focal_px=DEFAULT_FOCAL_PX / 2).normalized_disparity(near_far)[0]
    assert np.allclose(longer, values / 2)


def test_near_depth_saturates_at_one(depth):
    assert depth(npy_bytes(np.full((50, 50), 0.1, np.float32))).max() == 1.0


def test_invalid_depth_becomes_zero_disparity(depth):
    metres = np.full((224, 224), 2.0, np.float32)
    metres[:, :56] = 0.0
    metres[:, 56:112] = np.nan
    metres[:, 112:168] = -1.0
    metres[0, 200] = np.inf
    result = depth(npy_bytes(metres))[0]  # 224 x 224: no resampling
    assert torch.all(result[:, :168] == 0)
    assert result[0, 200] == 0
    result[0, 200] = expected_value(2.0)
    assert torch.allclose(result[:, 168:], torch.tensor(expected_value(2.0)), atol=1e-6)


def test_eight_bit_is_relative_disparity(depth):
    result = depth(image_bytes(np.full((100, 100), 204, np.uint8)))
    assert torch.allclose(result, torch.tensor(0.8))
    colour = np.zeros((100, 100, 3), np.uint8)
    colour[..., 0] = 255
    assert torch.allclose(depth(image_bytes(colour)), torch.tensor(76 / 255), atol=2e-3)


def test_geometry_is_short_side_resize_and_center_crop(depth):
    # 320 x 480 (tall) with depth growing downwards: the crop keeps the middle rows.
    rows = np.linspace(1.0, 5.0, 480, dtype=np.float32)[:, None].repeat(320, axis=1)
    result = depth(npy_bytes(rows))[0]
    top, bottom = result[0].mean().item(), result[-1].mean().item()
    assert top > bottom
    # Resized to 224 x 336, rows 56..279 kept: output row r samples source row
    # (r + 56 + 0.5) * 480 / 336 - 0.5.
    for row, value in ((0, top), (223, bottom)):
        source_row = (row + 56.5) * 480 / 336 - 0.5
        assert value == pytest.approx(expected_value(1.0 + 4.0 * source_row / 479), rel=1e-3)


def test_channel_axis_of_one_is_accepted(depth):
    metres = np.full((64, 80, 1), 3.0, np.float32)
    assert torch.equal(depth(npy_bytes(metres)), depth(npy_bytes(metres[..., 0])))
    assert torch.equal(depth(npy_bytes(metres.transpose(2, 0, 1))), depth(npy_bytes(metres[..., 0])))


@pytest.fixture(scope="module")
def thermal():
    return ThermalPreprocessor()


def test_thermal_eight_bit_is_stretched_to_unit_range(thermal):
    ramp = np.tile(np.linspace(60, 180, 300).astype(np.uint8), (240, 1))
    result = thermal(image_bytes(ramp))
    assert result.shape == (1, 224, 224) and result.dtype == torch.float32
    assert result.min() == 0 and result.max() == 1
    assert torch.all(result[0, :, 1:] >= result[0, :, :-1])  # left-to-right ramp kept


def test_thermal_sixteen_bit_counts_use_their_own_range(thermal):
    counts = np.tile(np.linspace(29_000, 31_000, 256).astype(np.uint16), (256, 1))
    from_16 = thermal(image_bytes(counts))
    from_8 = thermal(image_bytes(np.tile(np.linspace(0, 255, 256).astype(np.uint8), (256, 1))))
    assert (from_16 - from_8).abs().max() < 0.02


def test_thermal_hot_pixels_do_not_flatten_contrast(thermal):
    scene = np.tile(np.linspace(100, 140, 224).astype(np.uint8), (224, 1))
    scene[10, 10] = 255
    scene[20, 20] = 0
    result = thermal(image_bytes(scene))[0]
    assert result[:, 100:124].mean() == pytest.approx(0.5, abs=0.05)


def test_thermal_palette_image_uses_luminance(thermal):
    gray = np.tile(np.linspace(0, 255, 200).astype(np.uint8), (150, 1))
    palette = Image.fromarray(gray).convert("RGB")
    assert (thermal(image_bytes(palette)) - thermal(image_bytes(gray))).abs().max() < 0.01


def test_thermal_uniform_image_is_zero(thermal):
    assert torch.count_nonzero(thermal(image_bytes(np.full((64, 64), 90, np.uint8)))) == 0
