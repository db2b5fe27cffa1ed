"""The analytic FLOP count the benchmarks report agrees with torch's own count of the matmuls run."""

import pytest
import torch
from torch.nn.attention import SDPBackend, sdpa_kernel
from torch.utils.flop_counter import FlopCounterMode

from bench.encoders import flops_per_item, item_flops, trunk_flops
from bindspace.models import PRESETS, build_model

TINY = PRESETS["tiny"]
BATCHES = {
    "vision": torch.randn(2, 3, 224, 224),
    "audio": torch.randn(2, 3, 1, 128, 204),
    "depth": torch.randn(2, 1, 224, 224),
    "thermal": torch.randn(2, 1, 224, 224),
    "imu": torch.randn(2, 6, 2000),
}


@pytest.fixture(scope="module")
def tiny_model():
    torch.manual_seed(0)
    return build_model(TINY)


def counted_flops(model, modality: str, batch: torch.Tensor) -> int:
    """Torch's count; attention runs unfused here because the counter does not see inside the fused kernel."""
    with torch.no_grad(), sdpa_kernel(SDPBackend.MATH), FlopCounterMode(display=False) as counter:
        model.encode(modality, batch)
    return counter.get_total_flops()


@pytest.mark.parametrize("modality", sorted(BATCHES))
def test_flops_match_torch_count(tiny_model, modality):
    batch = BATCHES[modality]
    assert item_flops(TINY, modality, batch) * len(batch) == counted_flops(tiny_model, modality, batch)


def test_text_flops_follow_the_length_the_encoder_runs(tiny_model):
    text = torch.zeros(3, 77, dtype=torch.long)
    text[:, 0] = 49406
    text[0, 5], text[1, 9], text[2, 3] = 49407, 49407, 49407  # the longest row ends at position 9
    expected = flops_per_item(TINY, "text", text_tokens=10) * 3
    assert item_flops(TINY, "text", text) * 3 == expected == counted_flops(tiny_model, "text", text)


def test_huge_vision_count():
    """ViT-H/14 at 224: 257 tokens x 32 blocks of width 1280, plus a two-frame stem and the head."""
    stem = 256 * 2 * (3 * 2 * 14 * 14) * 1280
    trunk = 32 * (24 * 257 * 1280**2 + 4 * 257 * 257 * 1280)
    assert flops_per_item(PRESETS["huge"], "vision") == stem + trunk + 2 * 1280 * 1024
    assert trunk_flops(257, 1280, 32) == trunk
