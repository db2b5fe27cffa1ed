"""What one training stage does, as data: which pair of input kinds, which encoders learn, for how long."""

import dataclasses
from dataclasses import dataclass
from typing import Any, Mapping

from bindspace.training.augment import AUGMENTABLE_KINDS
from bindspace.models.kinds import kind_names

BINDING_TEMPERATURES = {"audio": 0.05, "depth": 0.2, "thermal": 0.1, "imu": 0.2}
"""ImageBind's fixed InfoNCE temperatures for binding each modality to images."""


@dataclass(frozen=True)
class StageConfig:
    """One contrastive stage on `(pair[0], pair[1])` items: the encoders of `trained` kinds learn,
    the other kind's encoder is frozen (its embeddings are computed once)."""

    name: str
    pair: tuple[str, str]
    trained: tuple[str, ...]
    temperature: float
    learnable_temperature: bool = False
    steps: int = 1000
    batch_size: int = 64
    lr: float = 1e-3
    weight_decay: float = 0.05
    betas: tuple[float, float] = (0.9, 0.98)
    warmup_steps: int = 50
    min_lr_ratio: float = 0.01
    grad_clip: float = 1.0
    sample_one_clip: bool = True
    """Audio and video: train on one random clip of each item's stack (validation uses them all)."""
    augment: tuple[str, ...] = ()
    """Trained image-like kinds (image, depth, thermal) to augment with random resized crops and flips."""
    patch_dropout: float = 0.0
    """Fraction of patch tokens each trained non-text encoder drops during training (FLIP)."""
    distinct_key: str | None = None
    """A manifest key (e.g. a class label): no training batch holds two items with the same value, so
    that items of one class are never each other's negatives. Batches are then at most as large as
    the number of distinct values."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "pair", tuple(self.pair))
        object.__setattr__(self, "trained", tuple(self.trained))
        object.__setattr__(self, "betas", tuple(self.betas))
        object.__setattr__(self, "augment", tuple(self.augment))
        known = kind_names()
        problems = []
        if not self.name or "/" in self.name:
            problems.append(f"name must be a non-empty string without '/', got {self.name!r}")
        if len(self.pair) != 2 or self.pair[0] == self.pair[1] or not set(self.pair) <= set(known):
            problems.append(f"pair must be two different input kinds from {known}, got {self.pair}")
        if not self.trained or not set(self.trained) <= set(self.pair):
            problems.append(f"trained must name one or both kinds of the pair {self.pair}, got {self.trained}")
        if not self.temperature > 0:
            problems.append(f"temperature must be positive, got {self.temperature}")
        if self.steps < 1 or self.batch_size < 2:
            problems.append(f"steps must be >= 1 and batch_size >= 2, got {self.steps} and {self.batch_size}")
        if not 0 <= self.warmup_steps <= self.steps:
            problems.append(f"warmup_steps must lie in [0, steps], got {self.warmup_steps}")
        if not self.lr > 0 or self.weight_decay < 0 or self.grad_clip < 0:
            problems.append("lr must be positive, weight_decay and grad_clip non-negative")
        if not set(self.augment) <= set(self.trained) & set(AUGMENTABLE_KINDS):
            problems.append(f"augment must name trained kinds among {AUGMENTABLE_KINDS}, got {self.augment}")
        if not 0.0 <= self.patch_dropout < 1.0:
            problems.append(f"patch_dropout must lie in [0, 1), got {self.patch_dropout}")
        if problems:
            raise ValueError(f"invalid stage {self.name!r}: " + "; ".join(problems))

    @property
    def frozen(self) -> tuple[str, ...]:
        return tuple(kind for kind in self.pair if kind not in self.trained)

    @classmethod
    def from_dict(cls, values: Mapping[str, Any]) -> "StageConfig":
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise ValueError(f"unknown stage keys {unknown}; known keys are {sorted(known)}")
        return cls(**values)

    def to_dict(self) -> dict[str, Any]:
        return {k: list(v) if isinstance(v, tuple) else v for k, v in dataclasses.asdict(self).items()}


def binding_stage(kind: str, anchor: str = "image", **overrides: Any) -> StageConfig:
    """The stage binding `kind` to a frozen `anchor` kind, at ImageBind's temperature for `kind`."""
    values = {"name": f"bind-{kind}" if anchor == "image" else f"{anchor}-paired-{kind}",
              "pair": (anchor, kind), "trained": (kind,),
              "temperature": BINDING_TEMPERATURES.get(kind, 0.07)}
    values.update(overrides)
    return StageConfig(**values)
