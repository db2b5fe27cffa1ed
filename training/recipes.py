"""Training recipes as data: the model configuration, the corpus and the stages that produce a model.

`DEFAULT_RECIPE` is what `bindspace train-default` runs to produce the bundled default model: the
pretrained image and text towers (EfficientNet-Lite bridged into all-MiniLM-L6-v2's space by ConSE,
`training/towers_default.py`), then audio, depth, thermal and IMU encoders each bound to the frozen
image tower on (image, X) pairs of the procedural corpus only, never against text.
"""

import dataclasses
from dataclasses import dataclass
from typing import Any

from bindspace.models.tower_presets import encoder_tower, minilm_efficientnet_config
from bindspace.training.stage import StageConfig, binding_stage
from bindspace.training.towers_default import TOWERS_BRIDGE

BOUND_KINDS = ("audio", "depth", "thermal", "imu")

BOUND_ENCODER_SIZES: dict[str, dict[str, Any]] = {
    "audio": {"audio_embed_dim": 128, "audio_num_blocks": 3, "audio_num_heads": 2, "audio_drop_path": 0.0,
              "audio_kernel_size": 16, "audio_stride": 16},
    "depth": {"depth_embed_dim": 128, "depth_num_blocks": 3, "depth_num_heads": 2, "depth_kernel_size": 32},
    "thermal": {"thermal_embed_dim": 128, "thermal_num_blocks": 3, "thermal_num_heads": 2, "thermal_kernel_size": 32},
    "imu": {"imu_embed_dim": 128, "imu_num_blocks": 3, "imu_num_heads": 2, "imu_drop_path": 0.0, "imu_kernel_size": 40},
}
"""ImageBind's encoder layout at a size trainable in minutes on two CPU cores: narrower, shallower, with
coarser patches (depth and thermal 32 px, audio 16x16 without overlap, IMU windows of 40 samples), so
that each encoder sees about 50-85 tokens instead of 200-260."""


def default_model_config() -> dict[str, Any]:
    """The default model as a model directory's config: the bridged image and text towers and the four
    bound encoders (fresh until trained)."""
    bridge = dict(TOWERS_BRIDGE)
    prompts = list(bridge.pop("prompts"))
    class_names = bridge.pop("class_names")
    config = minilm_efficientnet_config(**bridge)
    config["towers"].update({kind: encoder_tower(kind, sizes) for kind, sizes in BOUND_ENCODER_SIZES.items()})
    return {**config, "class_names": class_names, "class_prompts": prompts}


@dataclass(frozen=True)
class Recipe:
    """A model configuration, the corpus it trains on, the stages in order, and how it is stored."""

    name: str
    model: dict[str, Any]
    corpus: dict[str, Any]
    """`bindspace.training.corpus.write_corpus` arguments of the six-modality corpus every stage trains on."""
    stages: tuple[StageConfig, ...]
    description: str = ""
    weights_dtype: str = "float16"
    """How `model.safetensors` stores the weights (loaded back into float32)."""
    seed: int = 0

    def to_dict(self) -> dict[str, Any]:
        values = dataclasses.asdict(self)
        values["stages"] = [stage.to_dict() for stage in self.stages]
        return values

    def stage(self, name: str) -> StageConfig:
        for stage in self.stages:
            if stage.name == name:
                return stage
        raise KeyError(f"recipe {self.name!r} has no stage {name!r}; it has {[s.name for s in self.stages]}")


BINDING_BUDGET = {"steps": 300, "batch_size": 96, "lr": 1e-3, "warmup_steps": 30}

DEFAULT_RECIPE = Recipe(
    name="default",
    model=default_model_config(),
    corpus={"seed": 0, "samples_per_concept_per_split": {"train": 60, "val": 10}, "difficulty": "default"},
    stages=tuple(binding_stage(kind, **BINDING_BUDGET) for kind in BOUND_KINDS),
    description=(
        "bindspace default model: EfficientNet-Lite (ImageNet-1k) bridged into all-MiniLM-L6-v2's sentence "
        "space by ConSE for images and video, MiniLM for text, and audio, depth, thermal and IMU encoders "
        "bound to the image tower on the procedural corpus. See models/MODEL_CARD.md."
    ),
)


def text_paired_stage(binding: StageConfig) -> StageConfig:
    """The comparison stage for a binding stage: the same kind and budget, trained against frozen
    caption embeddings instead of image embeddings."""
    kind = binding.pair[1]
    return dataclasses.replace(binding, name=f"text-paired-{kind}", pair=("text", kind))
