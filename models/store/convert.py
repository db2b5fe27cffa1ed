"""Converters from checkpoint files to bindspace model directories.

- `imagebind`: a flat ImageBind state dict (`.pth` / `.safetensors`, e.g. `imagebind_huge.pth`) with
  a config preset (`huge` for the official checkpoint); the keys load as they are.
- `openclip`: an OpenCLIP checkpoint (`.pt` / `.bin` / `.safetensors`) of a built-in open_clip
  architecture, mapped onto the vision and text encoders (models.openclip).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from ..factory import load_model, save_model
from ..openclip import from_open_clip

FORMATS = ("imagebind", "openclip")


def convert_checkpoint(
    converter: dict[str, Any],
    checkpoint: str | os.PathLike,
    output: str | os.PathLike,
    *,
    name: str | None = None,
    description: str | None = None,
) -> Path:
    """Convert `checkpoint` as `converter` says (`{"format": "imagebind", "config": "huge"}` or
    `{"format": "openclip", "architecture": "ViT-B-32"}`) into the model directory `output`."""
    checkpoint = Path(checkpoint)
    if not checkpoint.is_file():
        raise FileNotFoundError(f"checkpoint {checkpoint} does not exist")
    form = converter.get("format")
    if form == "imagebind":
        model = load_model(checkpoint, config=converter.get("config", "huge"))
    elif form == "openclip":
        model = from_open_clip(converter["architecture"], pretrained=checkpoint)
    else:
        raise ValueError(f"unknown converter format {form!r}; formats are {FORMATS}")
    return save_model(model, output, name=name, description=description)
