"""ImagePreprocessor: reference parity on the fixture images, and other formats behaving sensibly."""

import io
import warnings

import numpy as np
import pytest
import torch
from PIL import Image
from safetensors.torch import load_file

from bindspace.models.preprocess import ImagePreprocessor
from bindspace.models.preprocess.crop import center_crop_offset, resize_center_crop, resized_size
from bindspace.models.preprocess.image import CLIP_MEAN, CLIP_STD
from preprocess_samples import FIXTURE, image_bytes

FIXTURE_IMAGES = sorted((FIXTURE / "preprocess" / "images").glob("*"))
MEAN = torch.tensor(CLIP_MEAN).view(3, 1, 1)
STD = torch.tensor(CLIP_STD).view(3, 1, 1)


@pytest.fixture(scope="module")
def expected():
    return load_file(FIXTURE / "preprocess" / "expected.safetensors")


@pytest.fixture(scope="module")
def preprocess():
    return ImagePreprocessor()


def pixels(tensor: torch.Tensor) -> torch.Tensor:
    """Undo the CLIP normalization: values back in 0..255."""
    return (tensor * STD + MEAN) * 255


def test_fixture_has_six_images():
    assert [path.name for path in FIXTURE_IMAGES] == [
        "astronaut.jpg", "camera_gray.png", "chelsea_wide.png",
        "coffee_rgba.png", "tall_noise.jpg", "tiny_7x5.png",
    ]


@pytest.mark.parametrize("path", FIXTURE_IMAGES, ids=lambda path: path.name)
def test_matches_reference_preprocessing(path, expected, preprocess):
    for source in (path, str(path), path.read_bytes()):
        result = preprocess(source)
        assert result.shape == (3, 224, 224) and result.dtype == torch.float32
        assert (result - expected[f"image/{path.name}"]).abs().max() <= 1e-5


@pytest.mark.parametrize("path", FIXTURE_IMAGES, ids=lambda path: path.name)
def test_reference_embeddings(path, preprocess, reference_model, reference_fixture):
    target = load_file(reference_fixture / "preprocess" / "expected_embeddings.safetensors")
    with torch.no_grad():
        embedding = reference_model({"vision": preprocess(path)[None]})["vision"][0]
    assert torch.cosine_similarity(embedding, target[f"image/{path.name}"], dim=0) >= 0.999


@pytest.mark.parametrize("size", [(40, 997), (997, 40), (5, 7), (640, 480), (301, 300), (7, 200)])
def test_crop_geometry_is_torchvision_resize_then_center_crop(size):
    width, height = size
    image = Image.fromarray(np.random.default_rng(width).integers(0, 256, (height, width, 3), np.uint8))
    new_width, new_height = resized_size(width, height, 224)
    assert min(new_width, new_height) == 224
    assert max(new_width, new_height) == int(224 * max(size) / min(size))
    left, top = center_crop_offset(new_width, 224), center_crop_offset(new_height, 224)
    reference = image.resize((new_width, new_height), Image.Resampling.BICUBIC).crop(
        (left, top, left + 224, top + 224)
    )
    result = resize_center_crop(image, 224, Image.Resampling.BICUBIC)
    assert np.array_equal(np.asarray(result), np.asarray(reference))


def test_extreme_aspect_ratio_resizes_only_the_crop_window():
    # 2 x 12000: a full resize would be 224 x 1344000 pixels; the crop covers the strip's middle.
    strip = np.tile(np.linspace(0, 255, 12000).astype(np.uint8)[None, :, None], (2, 1, 3))
    result = pixels(ImagePreprocessor()(image_bytes(strip)))
    assert result.shape == (3, 224, 224)
    assert (result - 127.5).abs().max() < 2
    smooth = Image.fromarray(np.tile(np.linspace(0, 255, 3000).astype(np.uint8), (40, 1)))
    new_width, new_height = resized_size(3000, 40, 224)
    left = center_crop_offset(new_width, 224)
    full = smooth.resize((new_width, new_height), Image.Resampling.BICUBIC).crop((left, 0, left + 224, 224))
    windowed = resize_center_crop(smooth, 224, Image.Resampling.BICUBIC)
    assert np.abs(np.asarray(full, float) - np.asarray(windowed, float)).max() <= 1


def test_webp_and_jpeg_match_png_closely(preprocess):
    photo = np.asarray(Image.open(FIXTURE_IMAGES[0]).convert("RGB"))
    lossless = preprocess(image_bytes(photo, "PNG"))
    assert torch.equal(preprocess(image_bytes(photo, "WEBP", lossless=True)), lossless)
    lossy = preprocess(image_bytes(photo, "WEBP", quality=90))
    assert (pixels(lossy) - pixels(lossless)).abs().mean() < 3


def test_gif_uses_first_frame(preprocess):
    frames = [Image.new("RGB", (64, 48), color) for color in ((255, 0, 0), (0, 0, 255))]
    buffer = io.BytesIO()
    frames[0].save(buffer, "GIF", save_all=True, append_images=frames[1:], duration=100)
    result = pixels(preprocess(buffer.getvalue())).mean(dim=(1, 2))
    assert result[0] > 240 and result[2] < 15


def test_sixteen_bit_grayscale_png_uses_full_range(preprocess):
    ramp = np.tile(np.linspace(0, 65535, 256).astype(np.uint16), (256, 1))
    data = image_bytes(Image.fromarray(ramp))
    assert Image.open(io.BytesIO(data)).mode == "I;16"
    result = pixels(preprocess(data))
    eight_bit = pixels(preprocess(image_bytes(np.tile(np.arange(256, dtype=np.uint8), (256, 1)))))
    assert result.min() < 1 and result.max() > 254
    assert (result - eight_bit).abs().max() < 1.5
    assert torch.allclose(result[0], result[1]) and torch.allclose(result[1], result[2])


def test_exif_orientation_is_applied(preprocess):
    # Stored landscape with a red left half; orientation 6 means "rotate 90 degrees clockwise
    # to display", which puts the red half on top.
    stored = np.zeros((200, 400, 3), np.uint8)
    stored[:, :200, 0] = 255
    stored[:, 200:, 2] = 255
    exif = Image.Exif()
    exif[0x0112] = 6
    rotated = preprocess(image_bytes(stored, "JPEG", exif=exif, quality=95))
    plain = preprocess(image_bytes(stored, "JPEG", quality=95))
    top, bottom = pixels(rotated)[:, :20], pixels(rotated)[:, -20:]
    assert top[0].mean() > 200 and top[2].mean() < 50
    assert bottom[2].mean() > 200 and bottom[0].mean() < 50
    left = pixels(plain)[:, :, :20]
    assert left[0].mean() > 200  # without the tag the red half stays on the left


def test_alpha_dropped_by_default_and_composited_on_request():
    rgba = np.zeros((64, 64, 4), np.uint8)
    rgba[..., 1] = 200  # green stored under fully transparent pixels
    data = image_bytes(rgba)
    dropped = pixels(ImagePreprocessor()(data)).mean(dim=(1, 2))
    assert dropped[1] > 195 and dropped[0] < 5
    white = pixels(ImagePreprocessor(background=(255, 255, 255))(data)).mean(dim=(1, 2))
    assert (white > 250).all()


def test_grayscale_and_palette_become_three_equal_channels(preprocess):
    gray = np.random.default_rng(0).integers(0, 256, (100, 120), np.uint8)
    result = pixels(preprocess(image_bytes(gray)))
    assert torch.allclose(result[0], result[1], atol=1e-3) and torch.allclose(result[0], result[2], atol=1e-3)
    palette = Image.fromarray(gray).convert("P")
    assert preprocess(image_bytes(palette)).shape == (3, 224, 224)


def test_transform_accepts_decoded_pil_images(preprocess, expected):
    image = Image.open(FIXTURE_IMAGES[0])
    assert (preprocess.transform(image) - expected["image/astronaut.jpg"]).abs().max() <= 1e-5


def test_damaged_exif_keeps_the_pixels_without_warnings(preprocess):
    photo = np.full((60, 80, 3), 120, np.uint8)
    exif = b"Exif\x00\x00MM\x00\x2a\x00\x00\xff\xff\xff\xff" + b"\x13" * 40
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = preprocess(image_bytes(photo, "JPEG", exif=exif))
    assert torch.allclose(result, preprocess(image_bytes(photo, "JPEG")), atol=1e-6)
