"""An OpenCLIP ViT converted into the ImageBind layout embeds images and texts exactly as OpenCLIP does."""

import open_clip
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from bindspace.models.openclip import UnsupportedOpenClipModel, config_from_open_clip, from_open_clip

TEXTS = [
    "a dog barking in the park",
    "",
    "Thermal image of a person at night & fog",
    "the sound of rain on a tin roof " * 12,
]
LOGIT_SCALE = 3.2  # exp(3.2) ~ 24.5, away from both the default 1/0.07 and the clip at 100


@pytest.fixture(scope="module")
def clip_model():
    torch.manual_seed(0)
    model = open_clip.create_model("ViT-B-32", pretrained=None)
    generator = torch.Generator().manual_seed(1)
    with torch.no_grad():
        # open_clip initializes LayerNorms to 1/0 and attention biases to 0: move them so that a
        # misplaced norm or bias changes the result.
        for name, parameter in model.named_parameters():
            if name.endswith("bias") or ".ln_" in name or name.startswith("ln_"):
                noise = torch.randn(parameter.shape, generator=generator)
                parameter.add_(0.1 * noise)
        model.logit_scale.fill_(LOGIT_SCALE)
    return model.eval()


@pytest.fixture(scope="module")
def converted(clip_model):
    return from_open_clip(clip_model)


@pytest.fixture(scope="module")
def images():
    return torch.randn(3, 3, 224, 224, generator=torch.Generator().manual_seed(2))


@pytest.fixture(scope="module")
def tokens():
    return open_clip.tokenize(TEXTS)


def _relative_error(actual, expected):
    return ((actual - expected).norm(dim=-1) / expected.norm(dim=-1)).max().item()


def test_config_is_derived_from_the_open_clip_model(converted):
    config = converted.config
    assert converted.modalities == config.modalities == ("vision", "text")
    assert (config.vision_embed_dim, config.vision_num_blocks, config.vision_num_heads) == (768, 12, 12)
    assert (config.text_embed_dim, config.text_num_blocks, config.text_num_heads) == (512, 12, 8)
    assert config.out_embed_dim == 512 and config.kernel_size == (2, 32, 32) and config.image_size == 224
    assert config.layer_norm_eps == 1e-5 and config.context_length == 77 and config.vocab_size == 49408


def test_image_embeddings_match(clip_model, converted, images):
    with torch.inference_mode():
        expected = clip_model.encode_image(images, normalize=True)
        actual = converted.encode("vision", images)
    # The vision output is unit-normalized, like ImageBind's; compare directions.
    torch.testing.assert_close(actual.norm(dim=-1), torch.ones(3))
    assert _relative_error(actual, expected) <= 1e-5


def test_text_embeddings_match(clip_model, converted, tokens):
    with torch.inference_mode():
        raw = clip_model.encode_text(tokens)
        actual = converted.encode("text", tokens)
    scale = torch.tensor(LOGIT_SCALE).exp()
    # ImageBind's text output is the unit direction times the learned scale exp(logit_scale).
    torch.testing.assert_close(actual.norm(dim=-1), scale.expand(len(TEXTS)), rtol=1e-6, atol=0)
    assert _relative_error(actual / scale, F.normalize(raw, dim=-1)) <= 1e-5
    # Each text alone gives its batch result (the causal cut to the longest text changes nothing).
    with torch.inference_mode():
        single = converted.encode("text", tokens[1:2])
    assert _relative_error(single, actual[1:2]) <= 1e-5


def test_video_of_repeated_frames_equals_the_image(converted, images):
    clip = images[:1].unsqueeze(2).expand(-1, -1, 2, -1, -1)  # (1, 3, 2, H, W)
    with torch.inference_mode():
        video = converted.encode("vision", clip.unsqueeze(1).expand(-1, 3, -1, -1, -1, -1))
        image = converted.encode("vision", images[:1])
    assert _relative_error(video, image) <= 1e-5


def test_local_checkpoint_path(clip_model, converted, images, tokens, tmp_path):
    path = tmp_path / "vit-b-32.pt"
    torch.save(clip_model.state_dict(), path)
    from_path = from_open_clip("ViT-B-32", pretrained=path)
    assert from_path.config == converted.config
    with torch.inference_mode():
        assert torch.equal(from_path.encode("vision", images), converted.encode("vision", images))
        assert torch.equal(from_path.encode("text", tokens), converted.encode("text", tokens))
    with pytest.raises(FileNotFoundError):
        from_open_clip("ViT-B-32", pretrained=tmp_path / "missing.pt")


@pytest.mark.parametrize(
    "architecture, message",
    [("xlm-roberta-base-ViT-B-32", "Hugging Face text tower"), ("convnext_base", "timm vision tower"),
     ("no-such-arch", "built-in")],
)
def test_hub_backed_architectures_are_refused_before_building(monkeypatch, architecture, message):
    """Towers that open_clip builds from hub configs are refused without any hub look-up."""
    import huggingface_hub

    def no_hub(*args, **kwargs):
        raise AssertionError("the Hugging Face hub was called")

    monkeypatch.setattr(huggingface_hub, "hf_hub_download", no_hub)
    monkeypatch.setattr(open_clip.pretrained, "hf_hub_download", no_hub, raising=False)
    with pytest.raises(UnsupportedOpenClipModel, match=message):
        from_open_clip(architecture)


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda m, mp: mp.setattr(m.visual, "ln_pre", nn.Identity()), "ln_pre"),
        (lambda m, mp: mp.setattr(m.visual.transformer.resblocks[3], "ls_1", nn.Linear(1, 1)), "layer scale"),
        (lambda m, mp: mp.setattr(m.visual, "pool_type", "avg"), "pool type"),
        (lambda m, mp: mp.setattr(m.visual, "attn_pool", nn.Identity()), "attentional pooling"),
        (lambda m, mp: mp.setattr(m, "text_pool_type", "last"), "text pool type"),
        (lambda m, mp: mp.setattr(m.transformer.resblocks[0].mlp, "gelu", nn.GELU(approximate="tanh")), "GELU"),
        (lambda m, mp: mp.setattr(m.ln_final, "eps", 1e-6), "eps"),
        (lambda m, mp: mp.setattr(m, "attn_mask", None), "causal"),
    ],
)
def test_unsupported_variants_are_rejected(clip_model, monkeypatch, change, message):
    change(clip_model, monkeypatch)
    with pytest.raises(UnsupportedOpenClipModel, match=message):
        config_from_open_clip(clip_model)


def test_non_clip_models_are_rejected():
    with pytest.raises(UnsupportedOpenClipModel, match="CLIP model"):
        from_open_clip(nn.Linear(2, 2))
