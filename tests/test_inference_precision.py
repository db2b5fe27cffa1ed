"""Encoder precisions: outputs stay within the documented cosine of float32, and "auto" picks validly."""

import pytest
import torch
import torch.nn.functional as F

from bindspace.models import MODALITIES
from bindspace.engine.inference_model import PackedAttention, PackedMlp, packed_matmuls_available
from bindspace.engine.encoder import (
    AUTO_MIN_COSINE,
    AUTO_REDUCED_MODALITIES,
    PRECISIONS,
    Encoder,
    cpu_has_native_bf16,
    fast_reduced_dtype,
    resolve_precisions,
)

# Fixture input name -> encoder modality.
ENCODER_FOR = {"vision": "vision", "video": "vision", "text": "text", "audio": "audio",
               "depth": "depth", "thermal": "thermal", "imu": "imu"}
# float16 keeps 10 mantissa bits against bfloat16's 7, so it must do at least as well.
MIN_COSINE = {"bfloat16": AUTO_MIN_COSINE, "float16": AUTO_MIN_COSINE, "auto": AUTO_MIN_COSINE}


@pytest.fixture(scope="module")
def fixture_inputs(reference_fixture):
    from safetensors.torch import load_file

    return load_file(reference_fixture / "inputs.safetensors")


@pytest.fixture(scope="module")
def float32_outputs(reference_model, fixture_inputs):
    encoder = Encoder(reference_model, precision="float32")
    return {name: encoder.encode(ENCODER_FOR[name], batch) for name, batch in fixture_inputs.items()}


@pytest.mark.parametrize("precision", ["bfloat16", "float16", "auto"])
def test_reduced_precision_stays_close_to_float32(reference_model, fixture_inputs, float32_outputs, precision):
    encoder = Encoder(reference_model, precision=precision)
    for name, batch in fixture_inputs.items():
        out = encoder.encode(ENCODER_FOR[name], batch)
        assert out.dtype == torch.float32 and out.shape == float32_outputs[name].shape
        cosine = F.cosine_similarity(out, float32_outputs[name], dim=-1)
        assert cosine.min() >= MIN_COSINE[precision], (name, cosine.min().item())
        if encoder.precisions[ENCODER_FOR[name]] != torch.float32:
            # It really ran in reduced precision: the outputs are not float32's bit for bit.
            assert not torch.equal(out, float32_outputs[name]), name


def test_float32_matches_the_model(reference_model, fixture_inputs):
    """Float32 differs from the model only by rounding (the folded image stem sums two kernels first)."""
    encoder = Encoder(reference_model, precision="float32")
    with torch.inference_mode():
        for name, batch in fixture_inputs.items():
            expected = reference_model.encode(ENCODER_FOR[name], batch)
            actual = encoder.encode(ENCODER_FOR[name], batch)
            assert (actual - expected).abs().max() <= 1e-6 * expected.norm(dim=-1).max(), name


def test_reduced_precision_converts_matmul_weights_once_and_leaves_the_model_alone(reference_model):
    before = {k: v.clone() for k, v in reference_model.state_dict().items()}
    encoder = Encoder(reference_model, precision="bfloat16")
    block = encoder.model.modality_trunks["vision"].blocks[0]
    original = reference_model.modality_trunks["vision"].blocks[0]
    if packed_matmuls_available():
        assert isinstance(block.attn, PackedAttention) and isinstance(block.mlp, PackedMlp)
        for linear in (block.attn.in_proj, block.attn.out_proj, block.mlp.fc1, block.mlp.fc2):
            assert linear.weight.is_mkldnn and linear.weight.dtype == torch.bfloat16
    else:
        assert block.attn.in_proj_weight.dtype == torch.bfloat16
        assert block.mlp.fc1.weight.dtype == torch.bfloat16
    assert encoder.model.modality_heads["vision"][2].weight.dtype == torch.bfloat16
    # LayerNorms and embeddings stay float32 and are shared, not copied.
    assert block.norm_1.weight.dtype == torch.float32 and block.norm_1.weight is original.norm_1.weight
    assert encoder.model.modality_preprocessors["text"].token_embedding.weight is \
        reference_model.modality_preprocessors["text"].token_embedding.weight
    assert original.attn.in_proj_weight.dtype == torch.float32
    after = reference_model.state_dict()
    assert all(torch.equal(before[k], after[k]) and before[k].dtype == after[k].dtype for k in before)


def test_explicit_precisions_apply_to_every_modality(reference_model):
    for name, dtype in PRECISIONS.items():
        if dtype is None:
            continue
        assert Encoder(reference_model, precision=name).precisions == {m: dtype for m in reference_model.modalities}


def test_auto_picks_a_valid_precision_per_modality():
    resolved = resolve_precisions("auto", "cpu", MODALITIES)
    assert set(resolved) == set(MODALITIES)
    fast = fast_reduced_dtype("cpu")
    assert fast in (None, torch.bfloat16)
    for modality, dtype in resolved.items():
        expected = fast if fast is not None and modality in AUTO_REDUCED_MODALITIES else torch.float32
        assert dtype == expected, modality


def test_auto_is_float32_without_native_bf16(monkeypatch):
    import bindspace.engine.encoder as inference

    monkeypatch.setattr(inference, "cpu_has_native_bf16", lambda: False)
    assert set(resolve_precisions("auto", "cpu", MODALITIES).values()) == {torch.float32}


def test_auto_keeps_float32_for_modalities_that_lose_accuracy(monkeypatch):
    import bindspace.engine.encoder as inference

    monkeypatch.setattr(inference, "cpu_has_native_bf16", lambda: True)
    monkeypatch.setattr(inference, "AUTO_REDUCED_MODALITIES", frozenset({"vision"}))
    resolved = resolve_precisions("auto", "cpu", ("vision", "text"))
    assert resolved == {"vision": torch.bfloat16, "text": torch.float32}


@pytest.mark.parametrize("flags, expected", [
    ("fpu sse avx2 avx512f avx512_bf16", True),
    ("fpu sse avx2 amx_bf16 amx_tile", True),
    ("fpu sse avx2 avx512f avx512bw", False),
])
def test_native_bf16_is_read_from_cpu_flags(tmp_path, monkeypatch, flags, expected):
    import bindspace.engine.encoder as inference

    monkeypatch.setattr(inference, "_torch_reports_native_bf16", lambda: None)
    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text(f"processor\t: 0\nflags\t\t: {flags}\n\nprocessor\t: 1\nflags\t\t: {flags}\n")
    mkldnn_bf16 = torch.backends.mkldnn.is_available() and torch.ops.mkldnn._is_mkldnn_bf16_supported()
    assert cpu_has_native_bf16(cpuinfo) == (expected and mkldnn_bf16)


def test_native_bf16_is_false_without_cpuinfo(tmp_path, monkeypatch):
    import bindspace.engine.encoder as inference

    monkeypatch.setattr(inference, "_torch_reports_native_bf16", lambda: None)
    assert cpu_has_native_bf16(tmp_path / "missing") is False


def test_unknown_precision_is_refused(reference_model):
    with pytest.raises(ValueError, match="precision 'int8'"):
        Encoder(reference_model, precision="int8")
