"""Converted OpenCLIP architectures embed exactly as open_clip's own model: QuickGELU towers, trained
resolutions other than 224 (positional grid and image preprocessing to match) and plain GELU ViTs."""

import dataclasses

import numpy as np
import open_clip
import pytest
import torch
import torch.nn.functional as F
from PIL import Image

from bindspace.engine.encoder import Encoder
from bindspace.engine.inference_model import PackedMlp, packed_matmuls_available
from bindspace.models import PRESETS, build_model, load_model, save_model
from bindspace.models.kinds import preprocess_options
from bindspace.models.openclip import from_open_clip
from bindspace.models.preprocess import ImagePreprocessor
from bindspace.models.transformer import Mlp

TEXTS = ["a photo of a cat", "", "the sound of rain on a tin roof " * 12]
MIN_COSINE = 0.99999


def _perturbed_clip(architecture: str) -> torch.nn.Module:
    """open_clip's random model, with norms and biases moved off 1/0 so a misplaced one shows."""
    torch.manual_seed(0)
    clip = open_clip.create_model(architecture, pretrained=None)
    generator = torch.Generator().manual_seed(1)
    with torch.no_grad():
        for name, parameter in clip.named_parameters():
            if name.endswith("bias") or ".ln_" in name or name.startswith("ln_"):
                parameter.add_(0.1 * torch.randn(parameter.shape, generator=generator))
    return clip.eval()


@pytest.mark.parametrize(
    "architecture, image_size, activation, batch",
    # One 336-pixel image through ViT-L/14 already costs most of this test's time on a CPU.
    [("ViT-B-32-quickgelu", 224, "quick_gelu", 2), ("ViT-B-16", 224, "gelu", 2), ("ViT-L-14-336", 336, "gelu", 1)],
)
def test_converted_model_matches_open_clip(architecture, image_size, activation, batch):
    clip = _perturbed_clip(architecture)
    converted = from_open_clip(clip)
    assert converted.config.image_size == image_size
    assert converted.config.vision_text_activation == activation
    images = torch.randn(batch, 3, image_size, image_size, generator=torch.Generator().manual_seed(2))
    tokens = open_clip.tokenize(TEXTS)
    with torch.inference_mode():
        expected_images = clip.encode_image(images, normalize=True)
        expected_texts = clip.encode_text(tokens, normalize=True)
        actual_images = converted.encode("vision", images)
        actual_texts = F.normalize(converted.encode("text", tokens), dim=-1)
    assert F.cosine_similarity(actual_images, expected_images).min().item() >= MIN_COSINE
    assert F.cosine_similarity(actual_texts, expected_texts).min().item() >= MIN_COSINE


def test_wide_mlp_and_240_pixel_towers_match_open_clip():
    """ViT-g/bigG-style MLPs wider than 4 x width, at 240 pixels as ViT-B-16-plus-240 (scaled down)."""
    from open_clip.model import CLIP

    torch.manual_seed(5)
    clip = CLIP(
        embed_dim=64,
        vision_cfg={"image_size": 240, "patch_size": 16, "width": 96, "layers": 2, "head_width": 32, "mlp_ratio": 5.0},
        text_cfg={"context_length": 77, "vocab_size": 49408, "width": 64, "heads": 4, "layers": 2, "mlp_ratio": 4.5},
    ).eval()
    converted = from_open_clip(clip)
    assert (converted.config.vision_mlp_dim, converted.config.text_mlp_dim, converted.config.image_size) == (480, 288, 240)
    images = torch.randn(2, 3, 240, 240, generator=torch.Generator().manual_seed(6))
    tokens = open_clip.tokenize(TEXTS)
    with torch.inference_mode():
        image_cos = F.cosine_similarity(converted.encode("vision", images), clip.encode_image(images))
        text_cos = F.cosine_similarity(converted.encode("text", tokens), clip.encode_text(tokens))
    assert image_cos.min().item() >= MIN_COSINE and text_cos.min().item() >= MIN_COSINE


def test_quickgelu_survives_save_and_load(tmp_path):

    clip = _perturbed_clip("ViT-B-32-quickgelu")
    converted = from_open_clip(clip)
    loaded = load_model(save_model(converted, tmp_path / "model"))
    assert loaded.config == converted.config
    images = torch.randn(1, 3, 224, 224, generator=torch.Generator().manual_seed(3))
    with torch.inference_mode():
        torch.testing.assert_close(loaded.encode("vision", images), converted.encode("vision", images), rtol=1e-5, atol=1e-6)


def test_image_preprocessing_follows_the_model_resolution_and_normalization():
    """A 336-pixel model gets open_clip's own 336-pixel preprocessing, normalization included."""
    clip = open_clip.create_model("ViT-L-14-336", pretrained=None)
    # Another normalization than CLIP's, as some pretrained tags use: it must carry over too.
    mean, std = (0.5, 0.5, 0.5), (0.5, 0.5, 0.5)
    open_clip.model.set_model_preprocess_cfg(clip, {**open_clip.get_model_preprocess_cfg(clip), "mean": mean, "std": std})
    config = from_open_clip(clip).config
    assert (config.image_size, config.image_mean, config.image_std) == (336, mean, std)

    preprocessor = ImagePreprocessor(**preprocess_options(config)["image"])
    reference = open_clip.image_transform(336, is_train=False, mean=mean, std=std)
    pixels = np.random.default_rng(4).integers(0, 256, (300, 500, 3), dtype=np.uint8)
    image = Image.fromarray(pixels)
    actual = preprocessor.transform(image)
    assert actual.shape == (3, 336, 336)
    torch.testing.assert_close(actual, reference(image), atol=2e-5, rtol=0)


def test_serving_encoder_keeps_quickgelu():
    """The serving copy of a QuickGELU model (packed MLPs on oneDNN CPUs) computes QuickGELU, not GELU."""

    torch.manual_seed(7)
    config = dataclasses.replace(PRESETS["tiny"], vision_text_activation="quick_gelu", modalities=("vision", "text"))
    model = build_model(config)
    with torch.no_grad():  # larger MLP pre-activations, where GELU and QuickGELU differ more
        for name, parameter in model.named_parameters():
            if ".mlp.fc" in name and name.endswith("weight"):
                parameter.mul_(10)
    gelu_model = build_model(dataclasses.replace(config, vision_text_activation="gelu"))
    gelu_model.load_state_dict(model.state_dict())
    encoder = Encoder(model, precision="float32")
    if packed_matmuls_available():
        mlp = encoder.model.modality_trunks["vision"].blocks[0].mlp
        assert isinstance(mlp, PackedMlp) and mlp.quick_gelu and not mlp.fc1.gelu
    images = torch.randn(2, 3, 224, 224, generator=torch.Generator().manual_seed(8))
    tokens = open_clip.tokenize(TEXTS[:2])
    with torch.inference_mode():
        for modality, batch in (("vision", images), ("text", tokens)):
            expected = model.encode(modality, batch)
            assert F.cosine_similarity(encoder.encode(modality, batch), expected).min().item() >= 0.999999
            # The check can fail: GELU in its place moves the vectors 100x further.
            assert F.cosine_similarity(gelu_model.encode(modality, batch), expected).min().item() < 0.99999


@pytest.mark.skipif(not packed_matmuls_available(), reason="packed oneDNN matmuls need a CPU build with oneDNN")
def test_packed_bfloat16_mlp_applies_quickgelu():

    torch.manual_seed(9)
    quick, gelu = Mlp(64, 256, "quick_gelu"), Mlp(64, 256, "gelu")
    gelu.load_state_dict(quick.state_dict())
    x = torch.randn(4, 10, 64) * 3
    with torch.inference_mode():
        packed = PackedMlp(quick, torch.bfloat16)(x.to(torch.bfloat16)).float()
        expected, other = quick(x), gelu(x)
    cosine = F.cosine_similarity(packed.flatten(0, 1), expected.flatten(0, 1)).min().item()
    assert cosine >= 0.999
    assert cosine > F.cosine_similarity(other.flatten(0, 1), expected.flatten(0, 1)).min().item()
