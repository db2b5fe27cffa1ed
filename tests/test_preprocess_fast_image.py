"""The fast image preprocessing (JPEG draft decoding, reduce before resize, uint8) against an exact float resize."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from PIL import Image

from bindspace.models.preprocess.crop import center_crop_offset, resized_size

from bindspace.models import load_model
from bindspace.models.kinds import build_preprocessors
from bindspace.models.preprocess.fast_image import FastImagePreprocessor

SIZE = 224
DEFAULT_MODEL_DIR = Path(__file__).resolve().parents[1] / "models" / "weights" / "default"


def exact_float_preprocess(path, size: int = SIZE) -> torch.Tensor:
    """The same geometry and filter in float32: full decode, each channel resized as a float image
    (antialiased bicubic of the whole image, no draft, no reduction), centre crop, [-1, 1]."""
    image = Image.open(path).convert("RGB")
    width, height = image.size
    new_width, new_height = resized_size(width, height, size)
    left, top = center_crop_offset(new_width, size), center_crop_offset(new_height, size)
    channels = []
    for channel in image.split():
        resized = Image.fromarray(np.asarray(channel, dtype=np.float32), "F").resize(
            (new_width, new_height), Image.Resampling.BICUBIC)
        channels.append(np.asarray(resized, dtype=np.float32)[top:top + size, left:left + size])
    return torch.from_numpy(np.stack(channels) / 127.5 - 1)


@pytest.fixture(scope="module")
def towers_model():
    return load_model(DEFAULT_MODEL_DIR, modalities=["vision"])


def test_fast_preprocessing_stays_within_cosine_0999_of_an_exact_float_resize(shared_dir, towers_model) -> None:
    data = shared_dir / "data"
    paths = (sorted((data / "coco_mini").rglob("*.jpg"))[:12] + sorted((data / "esc50_samples" / "images").glob("*.jpg"))
             + sorted((data / "imagebind_assets").glob("*.jpg")))
    fast = FastImagePreprocessor(size=SIZE)
    with torch.inference_mode():
        ours = towers_model.encode("vision", torch.stack([fast(p) for p in paths]))
        exact = towers_model.encode("vision", torch.stack([exact_float_preprocess(p) for p in paths]))
    cosines = F.cosine_similarity(ours, exact, dim=-1)
    assert cosines.min() >= 0.999, cosines


def test_draft_decoding_never_goes_below_the_target_size() -> None:
    buffer = io.BytesIO()
    Image.fromarray(np.random.default_rng(0).integers(0, 255, (1000, 1800, 3), dtype=np.uint8)).save(buffer, "JPEG")
    out = FastImagePreprocessor(size=SIZE)(buffer.getvalue())
    assert out.shape == (3, SIZE, SIZE) and out.dtype == torch.float32
    assert -1.0 <= float(out.min()) and float(out.max()) <= 1.0


def test_the_model_config_chooses_the_fast_preprocessor() -> None:
    preprocessors = build_preprocessors(image={"preprocessor": "fast", "size": 260, "mean": [0.5] * 3, "std": [0.5] * 3})
    assert isinstance(preprocessors["image"], FastImagePreprocessor) and preprocessors["image"].size == 260
    with pytest.raises(ValueError, match="unknown image preprocessor 'slow'"):
        build_preprocessors(image={"preprocessor": "slow"})
