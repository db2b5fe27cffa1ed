"""Anchors for binding: loading a trained model and giving it encoders for new modalities."""

import copy
import dataclasses
import os
from pathlib import Path
from typing import Any, Mapping

import torch

from bindspace.models.config import MODALITIES, ModelConfig
from bindspace.models.factory import build_model, load_model, save_model
from bindspace.models.model import ImageBindModel
from bindspace.models.tower_model import TowerModel, save_tower_model
from bindspace.models.tower_presets import encoder_tower
from bindspace.training.recipes import BOUND_ENCODER_SIZES


def load_anchor(source: str | os.PathLike, *, config: str | Mapping[str, Any] | None = None) -> ImageBindModel:
    """A model directory (`config.json` + weights), or a bare checkpoint with its `config` (e.g. "huge")."""
    path = Path(source)
    if not path.exists():
        raise FileNotFoundError(f"anchor {path} does not exist")
    return load_model(path, config=config)


def with_encoders(
    anchor: ImageBindModel | TowerModel, modalities: tuple[str, ...] | list[str],
    overrides: Mapping[str, Any] | None = None,
) -> ImageBindModel | TowerModel:
    """A copy of `anchor` that also has (freshly initialized) encoders for `modalities`.

    `overrides` sets hyper-parameters of the new encoders only (e.g. `{"audio_embed_dim": 256}`);
    changing an existing encoder's settings is an error, since its weights would no longer fit. A
    towers model gets `imagebind_encoder` towers, sized as the default model's bound encoders unless
    `overrides` says otherwise.
    """
    unknown = [m for m in modalities if m not in MODALITIES]
    if unknown:
        raise ValueError(f"unknown modalities {unknown}; modalities are {list(MODALITIES)}")
    new = [m for m in modalities if m not in anchor.modalities]
    overrides = dict(overrides or {})
    _check_overrides(overrides, new)
    if isinstance(anchor, TowerModel):
        return _with_encoder_towers(anchor, new, overrides)
    combined = tuple(m for m in MODALITIES if m in anchor.modalities or m in new)
    config = dataclasses.replace(anchor.config, modalities=combined, **overrides)
    state = dict(anchor.state_dict())
    if new:
        state.update(build_model(config, modalities=new).state_dict())
    model = build_model(config, device="meta")
    model.load_state_dict(state, strict=True, assign=True)
    return model.train(anchor.training)


def _check_overrides(overrides: Mapping[str, Any], new: list[str]) -> None:
    fields = {f.name for f in dataclasses.fields(ModelConfig)}
    for key in overrides:
        if key not in fields:
            raise ValueError(f"unknown model config key {key!r}")
        owner = next((m for m in MODALITIES if key.startswith(f"{m}_")), None)
        if owner is None or owner not in new:
            raise ValueError(f"{key!r} may only set a new encoder's size (new encoders: {new or 'none'})")


def _with_encoder_towers(anchor: TowerModel, new: list[str], overrides: Mapping[str, Any]) -> TowerModel:
    pretrained = [m for m in new if m not in BOUND_ENCODER_SIZES]
    if pretrained:
        raise ValueError(f"a towers model cannot gain {pretrained} encoders by training; its image and text "
                         "towers come from pretrained packages (bindspace build-towers)")
    towers = dict(anchor.config.towers)
    for modality in new:
        own = {key: value for key, value in overrides.items() if key.startswith(f"{modality}_")}
        sizes = {**BOUND_ENCODER_SIZES[modality], **own}
        towers[modality] = encoder_tower(modality, sizes)
    model = TowerModel(dataclasses.replace(anchor.config, towers=towers))
    missing, unexpected = model.load_state_dict(anchor.state_dict(), strict=False)
    if unexpected or any(not key.startswith(tuple(f"towers.{m}." for m in new)) for key in missing):
        raise ValueError("the anchor's weights do not fit its own towers")
    return model.train(anchor.training)


def save_model_weights(
    model: ImageBindModel | TowerModel, directory: str | os.PathLike, *, dtype: str = "float32",
    name: str | None = None, description: str | None = None, class_names: str | None = None,
    class_prompts: list[str] | None = None,
) -> Path:
    """`models.save_model`, storing floating tensors as `dtype` ("float32", "float16" or "bfloat16");
    `models.load_model` converts them back to float32. A towers model also records the class-name style
    and the prompts its ConSE class embeddings were made with."""
    if dtype not in ("float32", "float16", "bfloat16"):
        raise ValueError(f"dtype must be float32, float16 or bfloat16, got {dtype!r}")
    stored = model if dtype == "float32" else copy.deepcopy(model).to(getattr(torch, dtype))
    if isinstance(stored, TowerModel):
        return save_tower_model(stored, directory, name=name, description=description, class_names=class_names,
                                class_prompts=class_prompts)
    return save_model(stored, directory, name=name, description=description)
