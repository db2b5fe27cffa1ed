"""The encoders reproduce the ImageBind reference outputs, and the huge layout matches the checkpoint's."""

import ast
import json

import pytest
import torch
from safetensors.torch import load_file

from bindspace.models import MODALITIES, PRESETS, ModelConfig, build_model, get_config, load_model

# Fixture input name -> encoder that embeds it.
ENCODER_FOR = {"vision": "vision", "video": "vision", "text": "text", "audio": "audio",
               "depth": "depth", "thermal": "thermal", "imu": "imu"}


@pytest.fixture(scope="module")
def fixture_inputs(reference_fixture):
    return load_file(reference_fixture / "inputs.safetensors")


@pytest.fixture(scope="module")
def fixture_outputs(reference_fixture):
    return load_file(reference_fixture / "outputs.safetensors")


def test_fixture_covers_every_input(fixture_inputs, fixture_outputs):
    assert set(fixture_inputs) == set(fixture_outputs) == set(ENCODER_FOR)


@pytest.mark.parametrize("name", sorted(ENCODER_FOR))
def test_output_matches_reference(reference_model, fixture_inputs, fixture_outputs, name):
    expected = fixture_outputs[name]
    with torch.inference_mode():
        actual = reference_model.encode(ENCODER_FOR[name], fixture_inputs[name])
    assert actual.shape == expected.shape and actual.dtype == torch.float32
    tolerance = 1e-4 * expected.norm(dim=-1, keepdim=True)
    assert ((actual - expected).abs() <= tolerance).all(), (actual - expected).abs().max()


def test_outputs_match_reference_tightly(reference_model, fixture_inputs, fixture_outputs):
    """Float32 reordering noise is ~1e-7 of the norm; approximations (e.g. tanh GELU, ~7e-5) are not."""
    with torch.inference_mode():
        for name, encoder in ENCODER_FOR.items():
            expected = fixture_outputs[name]
            actual = reference_model.encode(encoder, fixture_inputs[name])
            assert (actual - expected).abs().max() <= 1e-5 * expected.norm(dim=-1).max(), name


def test_forward_returns_every_requested_modality(reference_model, fixture_inputs, fixture_outputs):
    inputs = {m: fixture_inputs[m] for m in MODALITIES}
    with torch.inference_mode():
        outputs = reference_model(inputs)
    assert set(outputs) == set(MODALITIES)
    for modality, out in outputs.items():
        expected = fixture_outputs[modality]
        assert (out - expected).abs().max() <= 1e-4 * expected.norm(dim=-1).max()


def test_batch_items_are_independent(reference_model, fixture_inputs, fixture_outputs):
    with torch.inference_mode():
        single = reference_model.encode("text", fixture_inputs["text"][2:3])
        clip_stack = reference_model.encode("audio", fixture_inputs["audio"][1:2])
    torch.testing.assert_close(single, fixture_outputs["text"][2:3], rtol=0, atol=5e-3)
    torch.testing.assert_close(clip_stack, fixture_outputs["audio"][1:2], rtol=0, atol=2e-3)


def test_single_audio_clip_and_clip_average(reference_model, fixture_inputs, fixture_outputs):
    audio = fixture_inputs["audio"]
    with torch.inference_mode():
        clips = [reference_model.encode("audio", audio[:, i]) for i in range(audio.shape[1])]
    for clip in clips:
        torch.testing.assert_close(clip.norm(dim=-1), torch.full((2,), 20.0))
    torch.testing.assert_close(torch.stack(clips, 1).mean(1), fixture_outputs["audio"], rtol=0, atol=2e-3)


def test_other_image_size_interpolates_positions(reference_model, fixture_inputs):
    images = fixture_inputs["vision"]
    with torch.inference_mode():
        same = reference_model.encode("vision", images)
        resized = torch.nn.functional.interpolate(images, size=(252, 252), mode="bilinear")
        larger = reference_model.encode("vision", resized)
    assert larger.shape == same.shape
    torch.testing.assert_close(larger.norm(dim=-1), torch.ones(2))
    # A resized view of the same images stays close to the original embedding.
    assert (larger * same).sum(-1).min() > 0.5


def test_config_from_reference_dict(reference_fixture):
    values = json.loads((reference_fixture / "config.json").read_text())
    config = ModelConfig.from_dict(values)
    assert config == PRESETS["tiny"]
    assert get_config(values) == get_config("tiny") == config
    assert config.kernel_size == (2, 14, 14) and config.layer_norm_eps == 1e-6


def test_config_rejects_unknown_keys_and_bad_values():
    with pytest.raises(ValueError, match="vision_width"):
        ModelConfig.from_dict({"vision_width": 10})
    with pytest.raises(ValueError, match="not divisible"):
        ModelConfig(vision_embed_dim=100, vision_num_heads=16)
    with pytest.raises(ValueError, match="modalities"):
        ModelConfig(modalities=("vision", "smell"))
    with pytest.raises(ValueError, match="kernel_size"):
        ModelConfig.from_dict({"kernel_size": 14})
    with pytest.raises(ValueError, match="modalities"):
        ModelConfig.from_dict({"modalities": "vision"})
    with pytest.raises(ValueError, match="unknown model preset"):
        get_config("gigantic")


def test_config_round_trips_through_dict():
    config = ModelConfig(modalities=("vision", "text"), layer_norm_eps=1e-5)
    assert ModelConfig.from_dict(json.loads(json.dumps(config.to_dict()))) == config


def _huge_keys(reference_fixture):
    entries = []
    for line in (reference_fixture / "huge_keys.tsv").read_text().splitlines():
        if line.startswith("#") or not line.strip():
            continue
        key, shape, kind = line.split("\t")
        entries.append((key, tuple(ast.literal_eval(shape)), kind))
    return entries


def test_huge_layout_matches_checkpoint_keys(reference_fixture):
    expected = _huge_keys(reference_fixture)
    assert len(expected) == 1311
    model = build_model("huge", device="meta")
    params = {name for name, _ in model.named_parameters()}
    actual = [
        (key, tuple(t.shape), "param" if key in params else "buffer")
        for key, t in model.state_dict().items()
    ]
    assert sorted(actual) == sorted(expected)
    assert all(t.is_meta for t in model.state_dict().values())


def test_subset_of_modalities_has_only_their_keys():
    model = build_model("huge", modalities=["audio", "vision"], device="meta")
    assert model.modalities == ("vision", "audio")
    assert model.config.modalities == ("vision", "audio")
    assert {key.split(".")[1] for key in model.state_dict()} == {"vision", "audio"}


def test_bad_inputs_raise_input_error(reference_model):
    from bindspace.models import InputError

    cases = [
        ("vision", torch.zeros(1, 3, 224, 200)),
        ("vision", torch.zeros(1, 3, 2, 224, 224)),
        ("vision", torch.zeros(1, 2, 3, 3, 224, 224)),
        ("vision", torch.zeros(1, 0, 3, 2, 224, 224)),
        ("text", torch.zeros(0, 77, dtype=torch.long)),
        ("text", torch.zeros(1, 76, dtype=torch.long)),
        ("text", torch.full((1, 77), 49408)),
        ("text", torch.zeros(1, 77)),
        ("audio", torch.zeros(1, 1, 128, 200)),
        ("depth", torch.zeros(1, 3, 224, 224)),
        ("imu", torch.zeros(1, 6, 1000)),
        ("imu", torch.zeros(0, 6, 2000)),
        ("smell", torch.zeros(1)),
    ]
    for modality, value in cases:
        with pytest.raises(InputError):
            reference_model.encode(modality, value)


def test_drop_path_only_in_training():
    model = build_model(PRESETS["tiny"], modalities=["imu"])
    x = torch.randn(2, 6, 2000)
    with torch.no_grad():
        first, second = model.encode("imu", x), model.encode("imu", x)
        torch.testing.assert_close(first, second, rtol=0, atol=0)
        model.train()
        torch.manual_seed(0)
        trained = [model.encode("imu", x) for _ in range(3)]
    assert any(not torch.equal(t, first) for t in trained)


def test_load_model_on_fixture_weights_is_eval(reference_model):
    assert not reference_model.training
    assert reference_model.modalities == MODALITIES


def test_text_scale_is_clipped_at_100(fixture_inputs):
    model = build_model(PRESETS["tiny"], modalities=["text"])
    with torch.no_grad():
        model.modality_postprocessors["text"][1].log_logit_scale.fill_(torch.tensor(200.0).log())
        out = model.encode("text", fixture_inputs["text"])
    torch.testing.assert_close(out.norm(dim=-1), torch.full((4,), 100.0))


@pytest.mark.parametrize("precision, tolerance", [("float32", 1e-5), ("bfloat16", 2e-2), ("float16", 5e-3)])
def test_encoder_precisions(reference_model, fixture_inputs, fixture_outputs, precision, tolerance):
    from bindspace.engine.encoder import Encoder

    encoder = Encoder(reference_model, precision=precision)
    for name in ("vision", "text", "audio"):
        out = encoder.encode(ENCODER_FOR[name], fixture_inputs[name])
        expected = fixture_outputs[name]
        assert out.dtype == torch.float32 and not out.requires_grad
        error = (out - expected).norm(dim=-1).max() / expected.norm(dim=-1).max()
        assert error <= tolerance, name
        # Reduced precision really runs in reduced precision.
        assert (error > 1e-4) == (precision != "float32"), name
        unit = encoder.normalized(ENCODER_FOR[name], fixture_inputs[name])
        torch.testing.assert_close(unit.norm(dim=-1), torch.ones(len(unit)))


def test_encoder_rejects_unknown_precision(reference_model):
    from bindspace.engine.encoder import Encoder

    with pytest.raises(ValueError, match="precision"):
        Encoder(reference_model, precision="int8")
