"""The towers family's pretrained towers against their reference implementations, and strict, pinned loading."""

from __future__ import annotations

import dataclasses
import json

import pytest
import torch
from safetensors.torch import load_file, save_file

from bindspace.models import load_model
from bindspace.models.checkpoint import CheckpointError
from bindspace.models.efficientnet import VARIANTS
from bindspace.models.kinds import build_preprocessors
from bindspace.models.pretrained_files import PretrainedFileError, package_file, verified_path
from bindspace.models.tower_model import (
    TowerModel, TowerModelConfig, load_pretrained_backbone, load_strictly, save_tower_model,
)
from bindspace.models.tower_presets import PINNED_FILES, minilm_efficientnet_config

SENTENCE_PAIRS = [
    ("A man is riding a horse along the beach.", "Someone rides a horse by the sea."),
    ("Two dogs are playing in the snow.", "The stock market fell sharply today."),
    ("A plate of pasta with tomato sauce.", "Spaghetti served with a red sauce."),
    ("", "An empty string and a real sentence."),
    ("Ünïcödé façade, naïve café — 東京 🎉", "unicode facade naive cafe tokyo"),
    ("word " * 400, "a very long text that is truncated at 256 tokens"),
    ("The quick brown fox jumps over the lazy dog.", "A fast fox leaps above a sleepy dog."),
    ("How do I reset my password?", "Steps to recover account access"),
]


@pytest.fixture(scope="module")
def config() -> dict:
    return minilm_efficientnet_config("lite0")


@pytest.fixture(scope="module")
def towers(config: dict) -> TowerModel:
    model = TowerModel(TowerModelConfig.from_dict(config)).eval()
    for modality, tower in model.towers.items():
        load_pretrained_backbone(tower, config["towers"][modality])
    return model


@pytest.mark.parametrize("variant", ["lite0", "lite1", "lite2"])
def test_efficientnet_lite_equals_the_reference_implementation(variant: str) -> None:
    from efficientnet_lite_pytorch import EfficientNet

    config = minilm_efficientnet_config(variant)
    tower = TowerModel(TowerModelConfig.from_dict(config)).eval().towers["vision"]
    load_pretrained_backbone(tower, config["towers"]["vision"])
    reference = EfficientNet.from_pretrained(
        f"efficientnet-{variant}", weights_path=str(package_file(PINNED_FILES[f"efficientnet-{variant}"]))
    ).eval()
    size = VARIANTS[variant][2]
    assert config["preprocessing"]["image"]["size"] == size
    x = torch.randn(3, 3, size, size, generator=torch.Generator().manual_seed(0))
    with torch.inference_mode():
        ours, theirs = tower.backbone(x), reference(x)
    torch.testing.assert_close(ours, theirs, rtol=1e-5, atol=1e-5)


def test_an_ensemble_tower_averages_its_members_reference_log_probabilities() -> None:
    from efficientnet_lite_pytorch import EfficientNet

    config = minilm_efficientnet_config("lite0+lite2")
    assert config["preprocessing"]["image"]["size"] == VARIANTS["lite2"][2]
    tower = TowerModel(TowerModelConfig.from_dict(config)).eval().towers["vision"]
    load_pretrained_backbone(tower, config["towers"]["vision"])
    # The reference pads for one fixed image size; ours pads for the input, as TensorFlow's "SAME" does.
    references = [EfficientNet.from_pretrained(f"efficientnet-{v}", weights_path=str(
        package_file(PINNED_FILES[f"efficientnet-{v}"])), image_size=260).eval() for v in ("lite0", "lite2")]
    x = torch.randn(2, 3, 260, 260, generator=torch.Generator().manual_seed(1))
    with torch.inference_mode():
        ours = tower.backbone(x)
        theirs = torch.stack([r(x).log_softmax(dim=-1) for r in references]).mean(dim=0)
    torch.testing.assert_close(ours, theirs, rtol=1e-5, atol=1e-5)


def test_an_ensemble_with_a_missing_weights_file_or_an_unknown_member_is_refused() -> None:
    config = minilm_efficientnet_config("lite0+lite2")
    spec = config["towers"]["vision"]
    tower = TowerModel(TowerModelConfig.from_dict(config), ["vision"]).towers["vision"]
    with pytest.raises(CheckpointError, match="2 members but 1 weights files"):
        load_pretrained_backbone(tower, {**spec, "weights": spec["weights"][:1]})
    with pytest.raises(ValueError, match="lite9"):
        minilm_efficientnet_config("lite0+lite9")


def test_minilm_cosines_equal_sentence_transformers(config: dict, towers: TowerModel) -> None:
    from sentence_transformers import SentenceTransformer

    texts = [text for pair in SENTENCE_PAIRS for text in pair]
    preprocess = build_preprocessors(**config["preprocessing"])["text"]
    with torch.inference_mode():
        ours = towers.encode("text", preprocess.batch(texts))
    reference = SentenceTransformer(str(package_file(PINNED_FILES["all-minilm-l6-v2"]).parent), device="cpu")
    theirs = reference.encode(texts, convert_to_tensor=True, normalize_embeddings=True)
    ours_cos = (ours[0::2] * ours[1::2]).sum(dim=1)
    theirs_cos = (theirs[0::2] * theirs[1::2]).sum(dim=1)
    assert (ours_cos - theirs_cos).abs().max() <= 1e-4
    assert (ours @ ours.T - theirs @ theirs.T).abs().max() <= 1e-4


def test_a_large_batch_runs_in_length_groups_and_equals_texts_embedded_alone(config: dict, towers: TowerModel) -> None:
    from bindspace.models.bert import LENGTH_GROUP

    texts = [" ".join(["word"] * (1 + (7 * i) % 40)) + f" number {i}" for i in range(3 * LENGTH_GROUP + 5)]
    ids = build_preprocessors(**config["preprocessing"])["text"].batch(texts)
    with torch.inference_mode():
        batched = towers.encode("text", ids)
        alone = torch.cat([towers.encode("text", ids[i:i + 1]) for i in range(len(texts))])
    torch.testing.assert_close(batched, alone, atol=1e-5, rtol=0)


def test_a_file_with_another_sha256_is_refused_naming_both_hashes() -> None:
    pinned = dataclasses.replace(PINNED_FILES["all-minilm-l6-v2-tokenizer"], sha256="0" * 64)
    with pytest.raises(PretrainedFileError) as error:
        verified_path(pinned)
    assert "0" * 64 in str(error.value)
    assert PINNED_FILES["all-minilm-l6-v2-tokenizer"].sha256 in str(error.value)


def test_another_package_version_is_refused() -> None:
    pinned = dataclasses.replace(PINNED_FILES["efficientnet-lite0"], version="9.9.9")
    with pytest.raises(PretrainedFileError, match="9.9.9"):
        verified_path(pinned)


def test_strict_loading_names_missing_unexpected_and_misshapen_keys() -> None:
    module = torch.nn.Linear(4, 2)
    with pytest.raises(CheckpointError, match=r"missing keys \['bias'\].*unexpected keys \['extra'\]"):
        load_strictly(module, {"weight": torch.zeros(2, 4), "extra": torch.zeros(1)}, "test file")
    with pytest.raises(CheckpointError, match=r"differently shaped keys \['weight'\]"):
        load_strictly(module, {"weight": torch.zeros(3, 4), "bias": torch.zeros(2)}, "test file")


def test_a_towers_model_directory_loads_through_load_model(tmp_path, towers: TowerModel) -> None:
    save_tower_model(towers, tmp_path, name="towers-test")
    loaded = load_model(tmp_path)
    assert isinstance(loaded, TowerModel) and loaded.modalities == ("vision", "text")
    assert set(load_file(tmp_path / "model.safetensors")) == {"towers.vision.head.class_embeddings"}
    images = torch.randn(2, 3, 224, 224)
    with torch.inference_mode():
        torch.testing.assert_close(loaded.encode("vision", images), towers.encode("vision", images))


def test_a_towers_model_directory_with_an_unexpected_weight_is_refused(tmp_path, towers: TowerModel) -> None:
    save_tower_model(towers, tmp_path)
    state = load_file(tmp_path / "model.safetensors")
    state["towers.vision.head.surprise"] = torch.zeros(1)
    save_file(state, tmp_path / "model.safetensors")
    with pytest.raises(CheckpointError, match="surprise"):
        load_model(tmp_path)


def test_an_unknown_model_family_is_a_clear_error(tmp_path) -> None:
    (tmp_path / "config.json").write_text(json.dumps({"family": "mystery"}))
    with pytest.raises(ValueError, match="mystery"):
        load_model(tmp_path)


def test_a_built_ensemble_model_records_its_class_names_and_loads_with_its_members(tmp_path) -> None:
    from bindspace.training.towers_default import build_towers_model

    build_towers_model(tmp_path, variant="lite0+lite2", class_names="renamed", top_k=5, name="ensemble-test")
    config = json.loads((tmp_path / "config.json").read_text())
    assert config["class_names"] == "renamed" and config["towers"]["vision"]["variant"] == "lite0+lite2"
    loaded = load_model(tmp_path)
    assert [type(m).__name__ for m in loaded.towers["vision"].backbone.members] == ["EfficientNetLite"] * 2
    with torch.inference_mode():
        images = loaded.encode("vision", torch.randn(2, 3, 260, 260))
        plane = loaded.encode("text", build_preprocessors(**config["preprocessing"])["text"].batch(
            ["a photo of a carpenter's plane."]))
    assert images.shape == (2, 384)
    # The class embedding of ImageNet's "plane" (index 726) is made from its spelled-out name.
    assert torch.nn.functional.cosine_similarity(loaded.towers["vision"].head.class_embeddings[726], plane[0], dim=0) > 0.999
