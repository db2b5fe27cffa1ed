"""Model hyper-parameters, named as ImageBind's constructor names them, and the named presets."""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any, Mapping

MODALITIES: tuple[str, ...] = ("vision", "text", "audio", "depth", "thermal", "imu")

ACTIVATIONS: tuple[str, ...] = ("gelu", "quick_gelu")
"""MLP activations of the transformer blocks (`ModelConfig.vision_text_activation`)."""

# Integer sizes that every modality has, as fields named `<modality>_<size>`.
_ENCODER_SIZES = ("embed_dim", "num_blocks", "num_heads")


@dataclass(frozen=True)
class ModelConfig:
    """Hyper-parameters of an `ImageBindModel`.

    Defaults are the official ImageBind-huge values. `modalities` lists the encoders the model has;
    a model built from an OpenCLIP checkpoint has only `vision` and `text`, and the sizes of the
    other encoders only matter once they are added.
    """

    out_embed_dim: int = 1024

    vision_embed_dim: int = 1280
    vision_num_blocks: int = 32
    vision_num_heads: int = 16
    video_frames: int = 2
    kernel_size: tuple[int, int, int] = (2, 14, 14)
    image_size: int = 224

    text_embed_dim: int = 1024
    text_num_blocks: int = 24
    text_num_heads: int = 16
    context_length: int = 77
    vocab_size: int = 49408
    text_logit_scale_init: float = 1 / 0.07
    # The MLP activation of the vision and text blocks: "gelu" (ImageBind, most OpenCLIP models) or
    # "quick_gelu" (OpenAI's CLIP and the *-quickgelu OpenCLIP models).
    vision_text_activation: str = "gelu"
    # Hidden widths of the vision and text MLPs; None is ImageBind's 4 x embed_dim (OpenCLIP's
    # ViT-g-14 and ViT-bigG-14 vision towers are wider).
    vision_mlp_dim: int | None = None
    text_mlp_dim: int | None = None
    # Per-channel normalization of images and video frames (CLIP's by default; some OpenCLIP tags differ).
    image_mean: tuple[float, float, float] = (0.48145466, 0.4578275, 0.40821073)
    image_std: tuple[float, float, float] = (0.26862954, 0.26130258, 0.27577711)

    audio_embed_dim: int = 768
    audio_num_blocks: int = 12
    audio_num_heads: int = 12
    audio_drop_path: float = 0.1
    audio_kernel_size: int = 16
    audio_stride: int = 10
    audio_num_mel_bins: int = 128
    audio_target_len: int = 204
    audio_logit_scale: float = 20.0

    depth_embed_dim: int = 384
    depth_num_blocks: int = 12
    depth_num_heads: int = 8
    depth_drop_path: float = 0.0
    depth_kernel_size: int = 16
    depth_image_size: int = 224
    depth_logit_scale: float = 5.0

    thermal_embed_dim: int = 768
    thermal_num_blocks: int = 12
    thermal_num_heads: int = 12
    thermal_drop_path: float = 0.0
    thermal_kernel_size: int = 16
    thermal_image_size: int = 224
    thermal_logit_scale: float = 10.0

    imu_embed_dim: int = 512
    imu_num_blocks: int = 6
    imu_num_heads: int = 8
    imu_drop_path: float = 0.7
    imu_kernel_size: int = 8
    imu_num_samples: int = 2000
    imu_logit_scale: float = 5.0

    # Trunk and head LayerNorms: 1e-6 in ImageBind, 1e-5 in OpenCLIP.
    layer_norm_eps: float = 1e-6
    # The patch-stem LayerNorms of audio, depth, thermal and IMU (torch's default in ImageBind).
    stem_layer_norm_eps: float = 1e-5
    max_logit_scale: float = 100.0
    modalities: tuple[str, ...] = MODALITIES

    def __post_init__(self) -> None:
        for name in ("kernel_size", "modalities", "image_mean", "image_std"):
            if isinstance(getattr(self, name), list):  # as read from JSON
                object.__setattr__(self, name, tuple(getattr(self, name)))
        problems = _problems(self)
        if problems:
            raise ValueError("invalid model config: " + "; ".join(problems))

    @classmethod
    def from_dict(cls, values: Mapping[str, Any]) -> "ModelConfig":
        """Build a config from a dict such as a reference `config.json`; unknown keys are an error."""
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise ValueError(
                f"unknown model config keys {unknown}; known keys are {sorted(known)}"
            )
        return cls(**values)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict of every field (tuples become lists)."""
        return {
            k: list(v) if isinstance(v, tuple) else v for k, v in dataclasses.asdict(self).items()
        }

    def encoder_size(self, modality: str, name: str) -> Any:
        """One per-modality hyper-parameter, e.g. `encoder_size("audio", "embed_dim")`."""
        return getattr(self, f"{modality}_{name}")


def _problems(config: ModelConfig) -> list[str]:
    problems = []
    for modality in MODALITIES:
        for name in _ENCODER_SIZES:
            value = config.encoder_size(modality, name)
            if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
                problems.append(f"{modality}_{name} must be a positive integer, got {value!r}")
        dim, heads = config.encoder_size(modality, "embed_dim"), config.encoder_size(modality, "num_heads")
        if isinstance(dim, int) and isinstance(heads, int) and heads > 0 and dim % heads:
            problems.append(f"{modality}_embed_dim {dim} is not divisible by {modality}_num_heads {heads}")
    for name in ("out_embed_dim", "video_frames", "image_size", "context_length", "vocab_size",
                 "audio_kernel_size", "audio_stride", "audio_num_mel_bins", "audio_target_len",
                 "depth_kernel_size", "depth_image_size", "thermal_kernel_size",
                 "thermal_image_size", "imu_kernel_size", "imu_num_samples"):
        value = getattr(config, name)
        if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
            problems.append(f"{name} must be a positive integer, got {value!r}")
    kernel = config.kernel_size
    if not isinstance(kernel, tuple) or len(kernel) != 3 or not all(isinstance(k, int) and k > 0 for k in kernel):
        problems.append(f"kernel_size must be three positive integers, got {config.kernel_size!r}")
    elif config.video_frames != config.kernel_size[0]:
        problems.append(
            f"video_frames {config.video_frames} must equal the temporal kernel size {config.kernel_size[0]}"
        )
    elif config.image_size % config.kernel_size[1] or config.kernel_size[1] != config.kernel_size[2]:
        problems.append(f"image_size {config.image_size} must be a multiple of a square kernel {config.kernel_size}")
    for modality in ("depth", "thermal"):
        size, kernel = getattr(config, f"{modality}_image_size"), getattr(config, f"{modality}_kernel_size")
        if isinstance(size, int) and isinstance(kernel, int) and kernel > 0 and size % kernel:
            problems.append(f"{modality}_image_size {size} is not a multiple of {modality}_kernel_size {kernel}")
    if isinstance(config.imu_num_samples, int) and isinstance(config.imu_kernel_size, int) \
            and config.imu_kernel_size > 0 and config.imu_num_samples % config.imu_kernel_size:
        problems.append(
            f"imu_num_samples {config.imu_num_samples} is not a multiple of imu_kernel_size {config.imu_kernel_size}"
        )
    for name in ("audio_drop_path", "depth_drop_path", "thermal_drop_path", "imu_drop_path"):
        if not 0.0 <= getattr(config, name) < 1.0:
            problems.append(f"{name} must be in [0, 1), got {getattr(config, name)!r}")
    for name in ("text_logit_scale_init", "audio_logit_scale", "depth_logit_scale", "thermal_logit_scale",
                 "imu_logit_scale", "max_logit_scale", "layer_norm_eps", "stem_layer_norm_eps"):
        value = getattr(config, name)
        if not (isinstance(value, (int, float)) and math.isfinite(value) and value > 0):
            problems.append(f"{name} must be a positive number, got {value!r}")
    for name in ("vision_mlp_dim", "text_mlp_dim"):
        value = getattr(config, name)
        if value is not None and (not isinstance(value, int) or isinstance(value, bool) or value <= 0):
            problems.append(f"{name} must be a positive integer or null, got {value!r}")
    if config.vision_text_activation not in ACTIVATIONS:
        problems.append(f"vision_text_activation must be one of {ACTIVATIONS}, got {config.vision_text_activation!r}")
    for name in ("image_mean", "image_std"):
        value = getattr(config, name)
        if not (isinstance(value, tuple) and len(value) == 3
                and all(isinstance(v, (int, float)) and math.isfinite(v) for v in value)):
            problems.append(f"{name} must be three numbers (R, G, B), got {value!r}")
    if isinstance(config.image_std, tuple) and any(isinstance(v, (int, float)) and v <= 0 for v in config.image_std):
        problems.append(f"image_std must be positive, got {config.image_std!r}")
    modalities = config.modalities
    if not isinstance(modalities, tuple) or not modalities or len(set(modalities)) != len(modalities) \
            or any(m not in MODALITIES for m in modalities):
        problems.append(f"modalities must be distinct names from {MODALITIES}, got {config.modalities!r}")
    return problems


PRESETS: dict[str, ModelConfig] = {
    # The official imagebind_huge() configuration.
    "huge": ModelConfig(),
    # The sizes of the reference-parity fixture (fixtures/imagebind_reference/config.json).
    "tiny": ModelConfig(
        out_embed_dim=48,
        vision_embed_dim=64, vision_num_blocks=2, vision_num_heads=4,
        text_embed_dim=64, text_num_blocks=2, text_num_heads=4,
        audio_embed_dim=64, audio_num_blocks=2, audio_num_heads=4,
        depth_embed_dim=32, depth_num_blocks=2, depth_num_heads=4,
        thermal_embed_dim=64, thermal_num_blocks=2, thermal_num_heads=4,
        imu_embed_dim=32, imu_num_blocks=2, imu_num_heads=4,
    ),
    # A few-million-parameter model for training experiments on a CPU.
    "small": ModelConfig(
        out_embed_dim=256,
        vision_embed_dim=256, vision_num_blocks=4, vision_num_heads=4,
        text_embed_dim=256, text_num_blocks=4, text_num_heads=4,
        audio_embed_dim=192, audio_num_blocks=4, audio_num_heads=4,
        depth_embed_dim=128, depth_num_blocks=4, depth_num_heads=4,
        thermal_embed_dim=192, thermal_num_blocks=4, thermal_num_heads=4,
        imu_embed_dim=128, imu_num_blocks=4, imu_num_heads=4,
    ),
}


def get_config(config: str | Mapping[str, Any] | ModelConfig) -> ModelConfig:
    """Resolve a preset name, a config dict or a `ModelConfig` into a `ModelConfig`."""
    if isinstance(config, ModelConfig):
        return config
    if isinstance(config, str):
        if config not in PRESETS:
            raise ValueError(f"unknown model preset {config!r}; presets are {sorted(PRESETS)}")
        return PRESETS[config]
    if isinstance(config, Mapping):
        return ModelConfig.from_dict(config)
    raise TypeError(f"expected a preset name, a dict or a ModelConfig, got {type(config).__name__}")
