"""Building models, and saving/loading them as model directories or bare checkpoints.

A model directory holds `config.json` (the `ModelConfig` fields, plus optional `name` and
`description`) and `model.safetensors` (the flat state dict). A config with `"family": "towers"`
is a towers model instead (models/tower_model.py); no `family` (or `"imagebind"`) is an ImageBind one.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Mapping

import torch
from safetensors.torch import save_file

from .checkpoint import load_checkpoint
from .config import ModelConfig, get_config
from .model import ImageBindModel
from .tower_model import FAMILY as TOWERS_FAMILY
from .tower_model import TowerModel, TowerModelConfig, load_tower_model, save_tower_model

CONFIG_FILE = "config.json"
WEIGHTS_FILE = "model.safetensors"
DESCRIPTIVE_KEYS = ("name", "description", "quality", "class_names", "class_prompts")
IMAGEBIND_FAMILY = "imagebind"

ConfigLike = str | Mapping[str, Any] | ModelConfig


def build_model(
    config: ConfigLike,
    *,
    modalities: tuple[str, ...] | list[str] | None = None,
    device: str | torch.device = "cpu",
) -> ImageBindModel:
    """A freshly initialized model in eval mode; on `device="meta"` it allocates no memory."""
    with torch.device(device):
        model = ImageBindModel(get_config(config), modalities)
    return model.eval()


def load_model(
    source: str | os.PathLike,
    *,
    config: ConfigLike | None = None,
    modalities: tuple[str, ...] | list[str] | None = None,
    device: str | torch.device = "cpu",
) -> ImageBindModel | TowerModel:
    """Load a model directory, or a bare `.pth`/`.safetensors` checkpoint with `config` (e.g. "huge").

    The model is built on the meta device and the checkpoint's memory-mapped tensors are assigned
    into it, so loading costs about one copy of the weights. `modalities` loads only those encoders.
    Returns the model in eval mode on `device`.
    """
    path = Path(source)
    if path.is_dir() and model_family(path) == TOWERS_FAMILY:
        if config is not None:
            raise ValueError(f"{path} is a model directory with its own {CONFIG_FILE}; do not pass config")
        return load_tower_model(path, modalities=modalities, device=device)
    if path.is_dir():
        if config is not None:
            raise ValueError(f"{path} is a model directory with its own {CONFIG_FILE}; do not pass config")
        config, _ = read_model_config(path)
        weights = path / WEIGHTS_FILE
    elif config is None:
        raise ValueError(
            f"{path} is a bare checkpoint: pass config= (a preset name such as 'huge', a dict or a ModelConfig)"
        )
    else:
        weights = path
    model = build_model(config, modalities=modalities, device="meta")
    load_checkpoint(model, weights)
    return model.to(device).eval()


def load_imagebind_huge(
    path: str | os.PathLike,
    *,
    modalities: tuple[str, ...] | list[str] | None = None,
    device: str | torch.device = "cpu",
) -> ImageBindModel:
    """The official ImageBind-huge model from its `imagebind_huge.pth` checkpoint."""
    return load_model(path, config="huge", modalities=modalities, device=device)


def read_model_config(directory: str | os.PathLike) -> tuple[ModelConfig | TowerModelConfig, dict[str, Any]]:
    """A model directory's config (`ModelConfig`, or `TowerModelConfig` for the towers family) and its
    descriptive fields (`name`, `description`, `quality`)."""
    values = _read_config_json(directory)
    info = {k: values.pop(k) for k in DESCRIPTIVE_KEYS if k in values}
    family = values.pop("family", IMAGEBIND_FAMILY)
    if family == TOWERS_FAMILY:
        return TowerModelConfig.from_dict({**values, "family": family}), info
    if family != IMAGEBIND_FAMILY:
        raise ValueError(f"{Path(directory) / CONFIG_FILE} names an unknown model family {family!r}; "
                         f"known families are {[IMAGEBIND_FAMILY, TOWERS_FAMILY]}")
    return ModelConfig.from_dict(values), info


def model_family(directory: str | os.PathLike) -> str:
    """The family a model directory's config names (`imagebind` when it names none)."""
    return _read_config_json(directory).get("family", IMAGEBIND_FAMILY)


def _read_config_json(directory: str | os.PathLike) -> dict[str, Any]:
    path = Path(directory) / CONFIG_FILE
    try:
        values = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise ValueError(f"cannot read model config {path}: {error}") from error
    if not isinstance(values, dict):
        raise ValueError(f"model config {path} must hold a JSON object")
    return values


def save_model(
    model: ImageBindModel | TowerModel,
    directory: str | os.PathLike,
    *,
    name: str | None = None,
    description: str | None = None,
) -> Path:
    """Write `model` as a model directory (created if needed) and return its path.

    Files are written under temporary names and renamed into place, so a model currently
    memory-mapped from the same directory keeps reading its original weights. A towers model
    stores only its own weights (`tower_model.save_tower_model`).
    """
    if isinstance(model, TowerModel):
        return save_tower_model(model, directory, name=name, description=description)
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    state = {k: v.detach().contiguous() for k, v in model.state_dict().items()}
    meta = [k for k, v in state.items() if v.is_meta]
    if meta:
        raise ValueError(f"cannot save a model whose tensors are on the meta device (e.g. {meta[0]})")
    state = {k: v.cpu() for k, v in state.items()}
    config = model.config.to_dict()
    config.update({k: v for k, v in (("name", name), ("description", description)) if v is not None})

    weights_tmp = directory / (WEIGHTS_FILE + ".tmp")
    save_file(state, weights_tmp)
    os.replace(weights_tmp, directory / WEIGHTS_FILE)
    config_tmp = directory / (CONFIG_FILE + ".tmp")
    config_tmp.write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")
    os.replace(config_tmp, directory / CONFIG_FILE)
    return directory
