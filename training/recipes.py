"""Training recipes as data: the model configuration, the corpus and the stages that produce a model.

`DEFAULT_RECIPE` is what `bindspace train-default` runs to produce the bundled default model:
an image-text anchor learned from scratch on the procedural corpus, then audio, depth, thermal and
IMU each bound to the frozen image encoder on (image, X) pairs only, never against text.
"""

import dataclasses
from dataclasses import dataclass
from typing import Any

from bindspace.training.stage import StageConfig, binding_stage

BOUND_KINDS = ("audio", "depth", "thermal", "imu")

DEFAULT_MODEL_CONFIG: dict[str, Any] = {
    "out_embed_dim": 256,
    "vision_embed_dim": 192, "vision_num_blocks": 4, "vision_num_heads": 3, "kernel_size": [2, 28, 28],
    "text_embed_dim": 128, "text_num_blocks": 2, "text_num_heads": 2,
    "audio_embed_dim": 128, "audio_num_blocks": 3, "audio_num_heads": 2, "audio_drop_path": 0.0,
    "audio_kernel_size": 16, "audio_stride": 16,
    "depth_embed_dim": 128, "depth_num_blocks": 3, "depth_num_heads": 2, "depth_kernel_size": 32,
    "thermal_embed_dim": 128, "thermal_num_blocks": 3, "thermal_num_heads": 2, "thermal_kernel_size": 32,
    "imu_embed_dim": 128, "imu_num_blocks": 3, "imu_num_heads": 2, "imu_drop_path": 0.0, "imu_kernel_size": 40,
}
"""The ImageBind layout at a size trainable in minutes on two CPU cores: the module structure and
names of ImageBind with narrower, shallower encoders and coarser patches (vision 28 px, depth and
thermal 32 px, audio 16x16 without overlap, IMU windows of 40 samples), so that each encoder sees
about 50-85 tokens instead of 200-260. The 49408 x 128 text token embedding is most of the weights."""


@dataclass(frozen=True)
class Recipe:
    """A model configuration, the corpus it trains on, the stages in order, and how it is stored."""

    name: str
    model: dict[str, Any]
    corpus: dict[str, Any]
    """`bindspace.training.corpus.write_corpus` arguments of the six-modality corpus every stage trains on."""
    stages: tuple[StageConfig, ...]
    image_text_corpus: dict[str, Any] | None = None
    """Arguments of an extra (image, caption) corpus for the stages that pair image and text only:
    images are cheap to render compared to all six modalities, and the anchor needs the most data."""
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


ANCHOR_STAGE = StageConfig(
    name="anchor", pair=("image", "text"), trained=("image", "text"), temperature=0.07,
    learnable_temperature=True, steps=1500, batch_size=128, lr=2e-3, warmup_steps=60, weight_decay=0.1,
    augment=("image",), patch_dropout=0.75,
)
BINDING_BUDGET = {"steps": 300, "batch_size": 96, "lr": 1e-3, "warmup_steps": 30}

DEFAULT_RECIPE = Recipe(
    name="default",
    model=DEFAULT_MODEL_CONFIG,
    corpus={"seed": 0, "samples_per_concept_per_split": {"train": 60, "val": 10}, "difficulty": "default"},
    image_text_corpus={"seed": 1, "samples_per_concept_per_split": {"train": 200}, "modalities": ["image", "text"],
                       "difficulty": "default"},
    stages=(ANCHOR_STAGE, *(binding_stage(kind, **BINDING_BUDGET) for kind in BOUND_KINDS)),
    description=(
        "bindspace default model: a small ImageBind-layout model trained from scratch on the procedural "
        "six-modality corpus (image-text anchor, then audio, depth, thermal and IMU bound to images only). "
        "It has never seen a real photo; see models/MODEL_CARD.md."
    ),
)


def text_paired_stage(binding: StageConfig) -> StageConfig:
    """The comparison stage for a binding stage: the same kind and budget, trained against frozen
    caption embeddings instead of image embeddings."""
    kind = binding.pair[1]
    return dataclasses.replace(binding, name=f"text-paired-{kind}", pair=("text", kind))
