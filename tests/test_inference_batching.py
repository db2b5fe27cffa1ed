"""Inference-copy rewrites keep the model's outputs: micro-batches and the folded image stem."""

import pytest
import torch

import bindspace.engine.encoder as inference
from bindspace.engine.encoder import Encoder, micro_batch_size, token_rows
from bindspace.engine.inference_model import FoldedImageStem

ENCODER_FOR = {"vision": "vision", "video": "vision", "text": "text", "audio": "audio",
               "depth": "depth", "thermal": "thermal", "imu": "imu"}


@pytest.fixture(scope="module")
def fixture_inputs(reference_fixture):
    from safetensors.torch import load_file

    return load_file(reference_fixture / "inputs.safetensors")


def test_token_rows_match_the_trunk(reference_model, fixture_inputs):
    seen = {}

    def record(module, args, output):
        seen["rows"] = output.shape[0] * output.shape[1]

    for name, batch in fixture_inputs.items():
        modality = ENCODER_FOR[name]
        handle = reference_model.modality_trunks[modality].register_forward_hook(record)
        try:
            with torch.inference_mode():
                reference_model.encode(modality, batch)
        finally:
            handle.remove()
        assert token_rows(reference_model.config, modality, batch) * len(batch) == seen["rows"], name


def test_micro_batches_are_equal_and_small_enough(reference_model, monkeypatch):
    monkeypatch.setattr(inference, "MAX_TOKEN_ROWS", 1000)
    images = torch.zeros(32, 3, 224, 224)  # 257 rows each
    assert micro_batch_size(reference_model.config, "vision", images) == 3  # 11 parts of <= 3
    assert micro_batch_size(reference_model.config, "vision", images[:3]) == 3
    monkeypatch.setattr(inference, "MAX_TOKEN_ROWS", 10**6)
    assert micro_batch_size(reference_model.config, "vision", images) == 32


def test_micro_batched_outputs_equal_whole_batch_outputs(reference_model, fixture_inputs, monkeypatch):
    encoder = Encoder(reference_model, precision="float32")
    whole = {name: encoder.encode(ENCODER_FOR[name], batch) for name, batch in fixture_inputs.items()}
    monkeypatch.setattr(inference, "MAX_TOKEN_ROWS", 1)  # one item per forward pass
    for name, batch in fixture_inputs.items():
        torch.testing.assert_close(encoder.encode(ENCODER_FOR[name], batch), whole[name], rtol=1e-5, atol=1e-6)


def test_images_use_the_folded_stem_and_video_the_full_one(reference_model, fixture_inputs):
    encoder = Encoder(reference_model, precision="float32")
    stem = encoder.model.modality_preprocessors["vision"].rgbt_stem.proj[0]
    assert isinstance(stem, FoldedImageStem)
    conv = reference_model.modality_preprocessors["vision"].rgbt_stem.proj[1]
    torch.testing.assert_close(stem.folded_weight, conv.weight.sum(dim=2))
    calls = []
    handle = stem.conv.register_forward_hook(lambda module, args, output: calls.append(args[0].shape))
    try:
        encoder.encode("vision", fixture_inputs["vision"])
        assert calls == []
        encoder.encode("vision", fixture_inputs["video"])
        assert len(calls) == 1 and len(calls[0]) == 5
    finally:
        handle.remove()
    # The caller's model keeps its own stem.
    assert not isinstance(reference_model.modality_preprocessors["vision"].rgbt_stem.proj[0], FoldedImageStem)


@pytest.mark.parametrize("bad", [[1, 2, 3], torch.zeros(0, 3, 224, 224), torch.zeros(3, 224, 224)])
def test_bad_batches_get_the_models_input_error(reference_model, bad):
    from bindspace.models import InputError

    encoder = Encoder(reference_model, precision="float32")
    with pytest.raises(InputError):
        encoder.encode("vision", bad)
