"""Attention in the inference copy: the fused kernel in float32, and the same function as the model's."""

import pytest
import torch
from torch.profiler import ProfilerActivity, profile

from bindspace.engine.encoder import Encoder
from bindspace.engine.inference_model import PackedAttention, chunked_attention, cpu_has_amx, packed_matmuls_available
from bindspace.models.transformer import Attention

FUSED_CPU_KERNEL = "aten::_scaled_dot_product_flash_attention_for_cpu"
UNFUSED_KERNEL = "aten::_scaled_dot_product_attention_math"
ENCODER_FOR = {"vision": "vision", "video": "vision", "text": "text", "audio": "audio",
               "depth": "depth", "thermal": "thermal", "imu": "imu"}

needs_packing = pytest.mark.skipif(not packed_matmuls_available(), reason="torch built without oneDNN")


@pytest.fixture(scope="module")
def fixture_inputs(reference_fixture):
    from safetensors.torch import load_file

    return load_file(reference_fixture / "inputs.safetensors")


def kernel_calls(encoder: Encoder, modality: str, batch: torch.Tensor) -> dict[str, int]:
    with profile(activities=[ProfilerActivity.CPU]) as prof:
        encoder.encode(modality, batch)
    counts: dict[str, int] = {}
    for event in prof.events():
        counts[event.name] = counts.get(event.name, 0) + 1
    return counts


@pytest.mark.parametrize("precision", ["float32", "bfloat16"])
def test_attention_kernel_per_precision(reference_model, fixture_inputs, precision):
    """Fused flash attention, except bf16 on CPUs without AMX (batched matmuls, never torch's math path)."""
    encoder = Encoder(reference_model, precision=precision)
    fused = precision == "float32" or cpu_has_amx() or not packed_matmuls_available()
    for name, batch in fixture_inputs.items():
        modality = ENCODER_FOR[name]
        calls = kernel_calls(encoder, modality, batch)
        blocks = len(encoder.model.modality_trunks[modality].blocks)
        assert calls.get(FUSED_CPU_KERNEL, 0) == (blocks if fused else 0), (name, precision)
        assert calls.get(UNFUSED_KERNEL, 0) == 0, (name, precision)
        if not fused:
            assert calls.get("aten::_softmax", 0) >= blocks, name


def test_attention_inputs_are_batch_first(reference_model, fixture_inputs):
    """q/k/v reach the kernel as (batch, heads, tokens, head_dim) views of one batch-first projection."""
    seen = []
    attention = torch.nn.functional.scaled_dot_product_attention

    def spy(q, k, v, **kwargs):
        seen.append((q.shape, q.stride()))
        return attention(q, k, v, **kwargs)

    encoder = Encoder(reference_model, precision="float32")
    torch.nn.functional.scaled_dot_product_attention = spy
    try:
        encoder.encode("vision", fixture_inputs["vision"])
    finally:
        torch.nn.functional.scaled_dot_product_attention = attention
    batch = fixture_inputs["vision"].shape[0]
    config = reference_model.config
    tokens = (config.image_size // config.kernel_size[1]) ** 2 + 1
    heads, dim = config.vision_num_heads, config.vision_embed_dim
    assert len(seen) == config.vision_num_blocks
    assert all(shape == (batch, heads, tokens, dim // heads) for shape, _ in seen)
    # Token-major storage: moving one token along steps over the packed 3D-wide q/k/v row.
    assert all(stride[2] == 3 * dim and stride[3] == 1 for _, stride in seen)


@needs_packing
@pytest.mark.parametrize("bias_kv", [False, True])
@pytest.mark.parametrize("masked", [False, True])
@pytest.mark.parametrize("unfused", [False, True])
def test_packed_attention_computes_the_models_attention(bias_kv, masked, unfused):
    torch.manual_seed(0)
    attention = Attention(64, 4, add_bias_kv=bias_kv).eval()
    torch.nn.init.normal_(attention.in_proj_bias, std=0.1)
    x = torch.randn(3, 10, 64)
    mask = torch.full((10, 10), float("-inf")).triu(1) if masked else None
    with torch.inference_mode():
        expected = attention(x, mask)
        actual = PackedAttention(attention, torch.float32, unfused=unfused)(x, mask)
    torch.testing.assert_close(actual, expected, rtol=1e-5, atol=1e-5)


def test_chunked_attention_matches_one_block(monkeypatch):
    import bindspace.engine.inference_model as inference_model

    torch.manual_seed(0)
    q, k, v = (torch.randn(5, 2, 7, 8) for _ in range(3))
    mask = torch.randn(7, 7)
    whole = chunked_attention(q, k, v, mask)
    monkeypatch.setattr(inference_model, "ATTENTION_CHUNK_BYTES", 1)  # one batch item at a time
    torch.testing.assert_close(chunked_attention(q, k, v, mask), whole)
    expected = torch.softmax(q @ k.transpose(-1, -2) + mask, dim=-1) @ v
    torch.testing.assert_close(whole, expected)
