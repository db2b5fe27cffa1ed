"""The "towers" model family: one tower per encoder modality, each with a head into one shared space.

A towers model directory's `config.json` says `"family": "towers"` and describes every tower as data:
its architecture, the pinned pretrained file it loads (`models/pretrained_files.py`), its head, and the
preprocessing options of the input kinds it serves. `model.safetensors` holds only the weights
bindspace made itself (e.g. the ConSE class embeddings, towers trained by bindspace); the pretrained
weights are read from the installed packages, checked against their sha256, and loaded strictly.

Tower types:
- `efficientnet_lite` (image): `variant`, `weights`, and a `head` of type `conse` (`top_k`, `temperature`,
  `centring`); `class_names` and `class_prompts` record the class-name style and the prompts its class
  embeddings were made with. A variant such as "lite0+lite2" is an ensemble
  (`models/efficientnet_ensemble.py`) whose `weights` lists one file per member.
- `bert_sentence` (text): `bert` (a `BertConfig` as a dict), `weights`.
- `imagebind_encoder` (audio, depth, thermal, IMU, or any encoder of `models/model.py`): `encoder`, the
  `ModelConfig` fields of that one modality (e.g. `audio_embed_dim`). It has no pretrained file: bindspace
  trains it (bound to the image tower) and its weights are the directory's own.
"""

from __future__ import annotations

import dataclasses
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

import torch
import torch.nn.functional as F
from safetensors.torch import load_file, save_file
from torch import nn

from .bert import UNUSED_CHECKPOINT_KEYS, BertConfig, BertSentenceEncoder
from .checkpoint import CheckpointError
from .conse import ConseHead
from .efficientnet import EfficientNetLite, EfficientNetLiteConfig
from .config import ModelConfig
from .efficientnet_ensemble import EfficientNetLiteEnsemble, member_variants
from .errors import InputError
from .model import ImageBindModel
from .pretrained_files import PinnedFile, verified_path

FAMILY = "towers"
CONFIG_FILE = "config.json"
WEIGHTS_FILE = "model.safetensors"
DESCRIPTIVE_KEYS = ("name", "description", "quality", "class_names", "class_prompts")
TOWER_TYPES = ("efficientnet_lite", "bert_sentence", "imagebind_encoder")


@dataclass(frozen=True)
class TowerModelConfig:
    out_embed_dim: int
    towers: Mapping[str, Mapping[str, Any]]
    preprocessing: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    family: str = FAMILY

    def __post_init__(self) -> None:
        if self.family != FAMILY:
            raise ValueError(f"a towers model config needs family {FAMILY!r}, got {self.family!r}")
        if not isinstance(self.out_embed_dim, int) or self.out_embed_dim < 1:
            raise ValueError(f"out_embed_dim must be a positive integer, got {self.out_embed_dim!r}")
        if not self.towers:
            raise ValueError("a towers model needs at least one tower")
        for modality, spec in self.towers.items():
            if spec.get("type") not in TOWER_TYPES:
                raise ValueError(f"tower {modality!r} has type {spec.get('type')!r}; known types are {TOWER_TYPES}")

    @classmethod
    def from_dict(cls, values: Mapping[str, Any]) -> "TowerModelConfig":
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise ValueError(f"unknown towers model config keys {unknown}; known keys are {sorted(known)}")
        return cls(**values)

    def to_dict(self) -> dict[str, Any]:
        return {"family": self.family, "out_embed_dim": self.out_embed_dim,
                "towers": json.loads(json.dumps(self.towers)), "preprocessing": json.loads(json.dumps(self.preprocessing))}


class ImageTower(nn.Module):
    """Images (B, 3, H, W) -> classifier logits -> ConSE head -> unit-length embeddings.

    A video batch (B, S, 3, T, H, W), clips of frames as the video preprocessing makes them, is embedded
    frame by frame and averaged per video.
    """

    def __init__(self, spec: Mapping[str, Any], dim: int) -> None:
        super().__init__()
        variants = member_variants(spec.get("variant", "lite0"))
        self.backbone = (EfficientNetLite(EfficientNetLiteConfig(variant=variants[0])) if len(variants) == 1
                         else EfficientNetLiteEnsemble(variants))
        head = dict(spec.get("head", {"type": "conse"}))
        if head.pop("type", None) != "conse":
            raise ValueError(f"image tower head must have type 'conse', got {spec.get('head')!r}")
        self.head = ConseHead(EfficientNetLiteConfig().num_classes, dim, **head)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.ndim == 6 and x.shape[2] == 3 and x.is_floating_point():
            videos, frames = x.shape[0], x.shape[1] * x.shape[3]
            images = x.permute(0, 1, 3, 2, 4, 5).flatten(0, 2)  # (B * S * T, 3, H, W)
            per_frame = self.head(self.backbone(images)).unflatten(0, (videos, frames))
            return F.normalize(per_frame.mean(dim=1), dim=-1)
        if x.ndim != 4 or x.shape[1] != 3 or not x.is_floating_point():
            raise InputError("vision input must be a float tensor of shape (B, 3, H, W), or (B, S, 3, T, H, W) "
                             f"for videos, got {tuple(x.shape)}")
        return self.head(self.backbone(x))


class TextTower(nn.Module):
    """Token ids (B, L), zero-padded -> unit-length sentence embeddings."""

    def __init__(self, spec: Mapping[str, Any], dim: int) -> None:
        super().__init__()
        self.backbone = BertSentenceEncoder(BertConfig.from_dict(spec.get("bert", {})))
        if self.backbone.config.hidden_size != dim:
            raise ValueError(f"text tower width {self.backbone.config.hidden_size} is not out_embed_dim {dim}")

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.ndim != 2 or x.dtype != torch.int64:
            raise InputError(f"text input must be int64 token ids of shape (B, L), got {tuple(x.shape)} {x.dtype}")
        return self.backbone(x)


class EncoderTower(nn.Module):
    """One modality's encoder in ImageBind's layout (preprocessor, trunk, head), projecting into the
    shared space; outputs are unit length (the ImageBind logit scale does not apply here)."""

    def __init__(self, spec: Mapping[str, Any], dim: int, modality: str) -> None:
        super().__init__()
        sizes = dict(spec.get("encoder", {}))
        foreign = sorted(key for key in sizes if not key.startswith(f"{modality}_"))
        if foreign:
            raise ValueError(f"tower {modality!r}: encoder keys must start with '{modality}_', got {foreign}")
        self.modality = modality
        self.encoder = ImageBindModel(ModelConfig.from_dict({**sizes, "out_embed_dim": dim}), [modality])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.normalize(self.encoder.encode(self.modality, x), dim=-1)


def build_tower(modality: str, spec: Mapping[str, Any], dim: int) -> nn.Module:
    """The tower `spec` describes, for `modality`."""
    if spec["type"] == "imagebind_encoder":
        return EncoderTower(spec, dim, modality)
    return {"efficientnet_lite": ImageTower, "bert_sentence": TextTower}[spec["type"]](spec, dim)


def has_pretrained_file(spec: Mapping[str, Any]) -> bool:
    return "weights" in spec


class TowerModel(nn.Module):
    """Per-modality towers into one `out_embed_dim` space; `encode(modality, batch)` -> (B, D) unit vectors."""

    family = FAMILY

    def __init__(self, config: TowerModelConfig, modalities: tuple[str, ...] | list[str] | None = None) -> None:
        super().__init__()
        wanted = tuple(config.towers) if modalities is None else tuple(modalities)
        missing = [m for m in wanted if m not in config.towers]
        if missing:
            raise ValueError(f"modalities {missing} are not in this model (it has {list(config.towers)})")
        self.config = config
        self.modalities = wanted
        self.towers = nn.ModuleDict({m: build_tower(m, config.towers[m], config.out_embed_dim) for m in wanted})

    def forward(self, inputs: Mapping[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        return {modality: self.encode(modality, value) for modality, value in inputs.items()}

    def encode(self, modality: str, x: torch.Tensor) -> torch.Tensor:
        if modality not in self.towers:
            raise InputError(f"this model has no {modality!r} encoder; it encodes {list(self.modalities)}")
        if not isinstance(x, torch.Tensor) or x.ndim == 0 or x.shape[0] == 0:
            raise InputError(f"{modality} input must be a non-empty batch tensor")
        return self.towers[modality](x)

    def pretrained_keys(self) -> set[str]:
        """State-dict keys that come from pinned pretrained files rather than the model directory."""
        return {f"towers.{m}.backbone.{key}" for m, tower in self.towers.items()
                if has_pretrained_file(self.config.towers[m]) for key in tower.backbone.state_dict()}


def read_tower_config(directory: str | os.PathLike) -> tuple[TowerModelConfig, dict[str, Any]]:
    path = Path(directory) / CONFIG_FILE
    try:
        values = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise ValueError(f"cannot read model config {path}: {error}") from error
    info = {k: values.pop(k) for k in DESCRIPTIVE_KEYS if k in values}
    return TowerModelConfig.from_dict(values), info


def load_pretrained_backbone(tower: nn.Module, spec: Mapping[str, Any]) -> None:
    """Load a tower's backbone strictly from the pinned file its spec names (an ensemble's `weights` is a
    list: one file per member, in the variant's order)."""
    if isinstance(spec["weights"], list):
        members = tower.backbone.members
        if len(spec["weights"]) != len(members):
            raise CheckpointError(f"tower variant {spec.get('variant')!r} has {len(members)} members but "
                                  f"{len(spec['weights'])} weights files")
        for member, weights in zip(members, spec["weights"]):
            load_pinned(member, PinnedFile.from_dict(weights), spec["type"])
        return
    load_pinned(tower.backbone, PinnedFile.from_dict(spec["weights"]), spec["type"])


def load_pinned(module: nn.Module, pinned: PinnedFile, tower_type: str) -> None:
    path = verified_path(pinned)
    if path.suffix == ".safetensors":
        state = load_file(path)
    else:
        state = torch.load(path, map_location="cpu", weights_only=True)
    if tower_type == "bert_sentence":
        state = {k: v for k, v in state.items() if k not in UNUSED_CHECKPOINT_KEYS}
    load_strictly(module, state, f"{pinned.distribution} {pinned.version} ({pinned.path})")


def load_pretrained_backbones(model: TowerModel) -> None:
    """Load every tower's backbone that comes from a pinned file."""
    for modality, tower in model.towers.items():
        spec = model.config.towers[modality]
        if has_pretrained_file(spec):
            load_pretrained_backbone(tower, spec)


def load_strictly(module: nn.Module, state: Mapping[str, torch.Tensor], source: str) -> None:
    """Load `state` into `module`, refusing any missing, unexpected or differently shaped key."""
    expected = module.state_dict()
    missing = sorted(set(expected) - set(state))
    unexpected = sorted(set(state) - set(expected))
    shapes = sorted(k for k in set(expected) & set(state) if expected[k].shape != state[k].shape)
    problems = [f"{label} keys {keys[:10]}" + (f" and {len(keys) - 10} more" if len(keys) > 10 else "")
                for label, keys in (("missing", missing), ("unexpected", unexpected), ("differently shaped", shapes))
                if keys]
    if problems:
        raise CheckpointError(f"{source} does not fit the model: " + "; ".join(problems))
    module.load_state_dict(state, strict=True)


def load_tower_model(
    directory: str | os.PathLike,
    *,
    modalities: tuple[str, ...] | list[str] | None = None,
    device: str | torch.device = "cpu",
) -> TowerModel:
    """A towers model directory: pinned pretrained backbones, then the directory's own weights, all strict."""
    config, _ = read_tower_config(directory)
    model = TowerModel(config, modalities)
    load_pretrained_backbones(model)
    own = {k: v for k, v in model.state_dict().items() if k not in model.pretrained_keys()}
    weights = Path(directory) / WEIGHTS_FILE
    state = load_file(weights) if weights.is_file() else {}
    # Weights of towers this load leaves out (`modalities`) are skipped; any other key must fit.
    skipped = {f"towers.{m}." for m in config.towers if m not in model.towers}
    state = {k: v for k, v in state.items() if not k.startswith(tuple(skipped))}
    missing = sorted(set(own) - set(state))
    unexpected = sorted(set(state) - set(own))
    if missing or unexpected:
        raise CheckpointError(f"{weights} does not fit the model: missing keys {missing[:10]}, "
                              f"unexpected keys {unexpected[:10]}")
    # Shapes are still checked; the pretrained keys were loaded above.
    model.load_state_dict(state, strict=False)
    return model.to(device).eval()


def save_tower_model(model: TowerModel, directory: str | os.PathLike, **info: Any) -> Path:
    """Write the config (with `info`, e.g. name and description) and the model's own weights, each under
    a temporary name renamed into place."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    pretrained = model.pretrained_keys()
    own = {k: v.detach().cpu().contiguous() for k, v in model.state_dict().items() if k not in pretrained}
    weights_tmp = directory / (WEIGHTS_FILE + ".tmp")
    save_file(own, weights_tmp)
    os.replace(weights_tmp, directory / WEIGHTS_FILE)
    values = {**{k: v for k, v in info.items() if v is not None}, **model.config.to_dict()}
    config_tmp = directory / (CONFIG_FILE + ".tmp")
    config_tmp.write_text(json.dumps(values, indent=2) + "\n", encoding="utf-8")
    os.replace(config_tmp, directory / CONFIG_FILE)
    return directory
