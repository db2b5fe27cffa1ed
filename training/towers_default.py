"""Building a towers model directory from the installed pretrained packages (no training data needed).

The image tower's ConSE head needs the text embeddings of the 1000 ImageNet class names under the
chosen prompts; they are computed here with the text tower and saved as the directory's own weights.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import torch

from bindspace.models.conse import class_text_embeddings
from bindspace.models.kinds import build_preprocessors
from bindspace.models.tower_model import TowerModel, TowerModelConfig, load_pretrained_backbones, save_tower_model
from bindspace.models.tower_presets import minilm_efficientnet_config
from bindspace.training.imagenet_clean_names import clean_imagenet_names

ENSEMBLE_PROMPTS = ("a photo of a {}.", "a blurry photo of a {}.", "a close-up photo of a {}.",
                    "a photo of the large {}.", "a photo of the small {}.", "a low resolution photo of a {}.",
                    "a good photo of a {}.")

TOWERS_BRIDGE: dict[str, Any] = {"variant": "lite1", "class_names": "kind",
                                 "prompts": ("a photo of a {}.",), "top_k": 50, "temperature": 2.0, "centring": 1.0}
"""The image tower (EfficientNet-Lite1) and the ConSE settings chosen on the real evaluation sets
(bench/results/bridge_variants.md): the best COCO-mini R@1 among the settings meeting every target,
with a single 240-pixel tower (the Lite0+Lite2 ensemble also meets them, at about 2.5 times the cost)."""


def bridged_towers(config: Mapping[str, Any]) -> TowerModel:
    """A towers model from a config as a model directory holds it (`class_prompts` included): every
    backbone loaded from its pinned package, the ConSE class embeddings computed with the text tower
    from the `class_names` style (torchvision's names when absent) under `class_prompts`, and any other
    tower (an `imagebind_encoder`) freshly initialised."""
    values = dict(config)
    prompts = values.pop("class_prompts")
    names = clean_imagenet_names(values.pop("class_names", "torchvision"))
    model = TowerModel(TowerModelConfig.from_dict(values)).eval()
    load_pretrained_backbones(model)
    text = build_preprocessors(**values["preprocessing"])["text"]
    with torch.inference_mode():
        embeddings = class_text_embeddings(
            lambda texts: model.encode("text", text.batch(texts)), names, prompts
        )
    model.towers["vision"].head.class_embeddings.copy_(embeddings)
    return model


def build_towers_model(
    directory: str | Path,
    *,
    variant: str = TOWERS_BRIDGE["variant"],
    class_names: str = "torchvision",
    top_k: int = 10,
    temperature: float = 1.0,
    centring: float = 0.0,
    prompts: Sequence[str] = ("a photo of a {}.",),
    **info: Any,
) -> Path:
    """Write an EfficientNet-Lite + ConSE / MiniLM towers model directory; `class_names` is a style of
    training/imagenet_clean_names.py; `info` goes into its config (name, description, quality)."""
    config = minilm_efficientnet_config(variant, top_k=top_k, temperature=temperature, centring=centring)
    model = bridged_towers({**config, "class_names": class_names, "class_prompts": list(prompts)})
    return save_tower_model(model, directory, class_names=class_names, class_prompts=list(prompts), **info)
