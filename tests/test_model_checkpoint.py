"""Checkpoint reading, strict key checks, partial loading and the model-directory format."""

import json

import pytest
import torch
from safetensors.torch import save_file

from bindspace.models import (
    CheckpointError,
    PRESETS,
    build_model,
    load_checkpoint,
    load_imagebind_huge,
    load_model,
    save_model,
)
from bindspace.models.factory import read_model_config

TINY = PRESETS["tiny"]


@pytest.fixture(scope="module")
def tiny_model():
    torch.manual_seed(0)
    return build_model(TINY)


@pytest.fixture(scope="module")
def sample_inputs():
    generator = torch.Generator().manual_seed(1)
    text = torch.zeros(2, 77, dtype=torch.long)
    text[:, 0] = 49406
    text[0, 1:4] = torch.tensor([320, 1929, 49407])
    text[1, 1:3] = torch.tensor([530, 49407])
    return {
        "vision": torch.randn(2, 3, 224, 224, generator=generator),
        "text": text,
        "audio": torch.randn(2, 1, 128, 204, generator=generator),
        "depth": torch.randn(2, 1, 224, 224, generator=generator),
        "thermal": torch.randn(2, 1, 224, 224, generator=generator),
        "imu": torch.randn(2, 6, 2000, generator=generator),
    }


def _state(model):
    return {k: v.detach().clone().contiguous() for k, v in model.state_dict().items()}


def _write(state, path):
    if path.suffix == ".safetensors":
        save_file(state, path)
    else:
        torch.save(state, path)
    return path


def _assert_same_outputs(a, b, inputs):
    with torch.inference_mode():
        for modality in set(a.modalities) & set(b.modalities):
            torch.testing.assert_close(a.encode(modality, inputs[modality]), b.encode(modality, inputs[modality]),
                                       rtol=0, atol=0)


@pytest.mark.parametrize("suffix", [".pth", ".safetensors"])
def test_round_trip_into_meta_model(tiny_model, sample_inputs, tmp_path, suffix):
    path = _write(_state(tiny_model), tmp_path / f"weights{suffix}")
    model = build_model(TINY, device="meta")
    load_checkpoint(model, path)
    for key, value in model.state_dict().items():
        assert not value.is_meta and value.device.type == "cpu"
        assert torch.equal(value, tiny_model.state_dict()[key]), key
    assert isinstance(model.modality_postprocessors["text"][1].log_logit_scale, torch.nn.Parameter)
    assert not isinstance(model.modality_postprocessors["audio"][1].log_logit_scale, torch.nn.Parameter)
    _assert_same_outputs(model, tiny_model, sample_inputs)


@pytest.mark.parametrize("suffix", [".pth", ".safetensors"])
def test_loaded_weights_are_private_to_the_model(tiny_model, tmp_path, suffix):
    """Weights are memory-mapped copy-on-write: training the model never writes into the file."""
    path = _write(_state(tiny_model), tmp_path / f"weights{suffix}")
    before = path.read_bytes()
    model = load_model(path, config=TINY)
    with torch.no_grad():
        for parameter in model.parameters():
            parameter.add_(1.0)
    assert path.read_bytes() == before


def test_strict_error_lists_missing_and_unexpected_keys(tiny_model, tmp_path):
    state = _state(tiny_model)
    del state["modality_heads.vision.2.weight"]
    state["modality_heads.vision.9.weight"] = torch.zeros(1)
    path = _write(state, tmp_path / "broken.safetensors")
    with pytest.raises(CheckpointError) as error:
        load_checkpoint(build_model(TINY, device="meta"), path)
    message = str(error.value)
    assert "1 missing keys: modality_heads.vision.2.weight" in message
    assert "1 unexpected keys: modality_heads.vision.9.weight" in message


def test_long_key_lists_are_truncated(tiny_model, tmp_path):
    state = {k: v for k, v in _state(tiny_model).items() if not k.startswith("modality_trunks.audio.")}
    path = _write(state, tmp_path / "partial.pth")
    with pytest.raises(CheckpointError, match=r"28 missing keys: .*, \.\.\. and 18 more"):
        load_checkpoint(build_model(TINY, device="meta"), path)


def test_shape_mismatch_is_an_error_even_when_not_strict(tiny_model, tmp_path):
    state = _state(tiny_model)
    state["modality_heads.audio.2.weight"] = torch.zeros(10, 64)
    path = _write(state, tmp_path / "shape.pth")
    with pytest.raises(CheckpointError, match=r"modality_heads.audio.2.weight \(checkpoint \(10, 64\), model \(48, 64\)\)"):
        load_checkpoint(build_model(TINY), path, strict=False)


def test_not_strict_reports_keys_and_keeps_initial_values(tiny_model, tmp_path):
    state = _state(tiny_model)
    del state["modality_heads.depth.2.weight"]
    state["extra"] = torch.zeros(3)
    model = build_model(TINY)
    initial = model.modality_heads["depth"][2].weight.clone()
    loaded = load_checkpoint(model, _write(state, tmp_path / "loose.pth"), strict=False)
    assert loaded.missing == ["modality_heads.depth.2.weight"] and loaded.unexpected == ["extra"]
    assert torch.equal(model.modality_heads["depth"][2].weight, initial)
    assert torch.equal(model.modality_heads["depth"][0].weight, tiny_model.modality_heads["depth"][0].weight)


def test_meta_model_cannot_keep_unloaded_tensors(tiny_model, tmp_path):
    state = _state(tiny_model)
    del state["modality_heads.depth.2.weight"]
    with pytest.raises(CheckpointError, match="without values.*modality_heads.depth.2.weight"):
        load_checkpoint(build_model(TINY, device="meta"), _write(state, tmp_path / "loose.pth"), strict=False)


def test_only_requested_modalities_are_loaded(tiny_model, sample_inputs, tmp_path):
    path = _write(_state(tiny_model), tmp_path / "weights.safetensors")
    model = build_model(TINY, modalities=["text", "imu"], device="meta")
    loaded = load_checkpoint(model, path)
    assert {key.split(".")[1] for key in loaded.skipped} == {"vision", "audio", "depth", "thermal"}
    assert {key.split(".")[1] for key in model.state_dict()} == {"text", "imu"}
    _assert_same_outputs(model, tiny_model, sample_inputs)

    by_name = load_model(path, config=TINY, modalities=("audio",))
    assert by_name.modalities == ("audio",)
    _assert_same_outputs(by_name, tiny_model, sample_inputs)


def test_model_directory_round_trip(tiny_model, sample_inputs, tmp_path):
    directory = save_model(tiny_model, tmp_path / "tiny-model", name="tiny", description="test model")
    assert sorted(p.name for p in directory.iterdir()) == ["config.json", "model.safetensors"]
    config, info = read_model_config(directory)
    assert config == TINY and info == {"name": "tiny", "description": "test model"}
    loaded = load_model(directory)
    assert loaded.config == TINY and not loaded.training
    _assert_same_outputs(loaded, tiny_model, sample_inputs)

    partial = build_model(TINY, modalities=["vision", "text"])
    partial.load_state_dict({k: v for k, v in tiny_model.state_dict().items() if k in partial.state_dict()})
    save_model(partial, directory)  # overwrite the directory the model above is mapped from
    assert json.loads((directory / "config.json").read_text())["modalities"] == ["vision", "text"]
    reloaded = load_model(directory)
    assert reloaded.modalities == ("vision", "text")
    _assert_same_outputs(reloaded, tiny_model, sample_inputs)
    _assert_same_outputs(loaded, tiny_model, sample_inputs)
    with pytest.raises(ValueError, match="not in this config"):
        load_model(directory, modalities=["audio"])


def test_load_model_argument_errors(tiny_model, tmp_path):
    path = _write(_state(tiny_model), tmp_path / "weights.pth")
    with pytest.raises(ValueError, match="pass config="):
        load_model(path)
    directory = save_model(tiny_model, tmp_path / "dir")
    with pytest.raises(ValueError, match="its own config.json"):
        load_model(directory, config="tiny")
    with pytest.raises(FileNotFoundError):
        load_model(tmp_path / "nothing.pth", config="tiny")
    (tmp_path / "weights.npz").write_bytes(b"x")
    with pytest.raises(CheckpointError, match="unknown format"):
        load_model(tmp_path / "weights.npz", config="tiny")
    (tmp_path / "garbage.safetensors").write_bytes(b"not a checkpoint")
    with pytest.raises(CheckpointError, match="cannot read"):
        load_model(tmp_path / "garbage.safetensors", config="tiny")
    torch.save({"state_dict": _state(tiny_model)}, tmp_path / "nested.pth")
    with pytest.raises(CheckpointError, match="not a flat state dict"):
        load_model(tmp_path / "nested.pth", config="tiny")


def test_half_precision_checkpoint_loads_as_float32(tiny_model, sample_inputs, tmp_path):
    state = {k: v.half() if v.is_floating_point() else v for k, v in _state(tiny_model).items()}
    model = load_model(_write(state, tmp_path / "half.safetensors"), config=TINY)
    assert all(p.dtype == torch.float32 for p in model.parameters())
    with torch.inference_mode():
        a = model.encode("vision", sample_inputs["vision"])
        b = tiny_model.encode("vision", sample_inputs["vision"])
    assert (a - b).abs().max() < 1e-2


def test_huge_checkpoint_for_one_modality(tmp_path):
    """The huge layout loads from a `.pth` through `load_imagebind_huge` (IMU encoder only, ~80 MB)."""
    torch.manual_seed(0)
    source = build_model("huge", modalities=["imu"])
    path = _write(_state(source), tmp_path / "imagebind_huge_imu.pth")
    model = load_imagebind_huge(path, modalities=["imu"])
    x = torch.randn(1, 6, 2000)
    with torch.inference_mode():
        torch.testing.assert_close(model.encode("imu", x), source.encode("imu", x), rtol=0, atol=0)
    with pytest.raises(CheckpointError, match="missing keys"):
        load_imagebind_huge(path, modalities=["imu", "depth"])
