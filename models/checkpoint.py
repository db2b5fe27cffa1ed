"""Reading flat state dicts (`.pth` / `.safetensors`) and assigning them into a model without copies.

Both formats are memory-mapped: tensors are backed by the file's pages (copy-on-write), and
`load_state_dict(assign=True)` puts them into the model as they are, so a model built on the meta
device never holds a second full copy of its weights.
"""

from __future__ import annotations

import itertools
import os
from pathlib import Path
from typing import Mapping, NamedTuple

import torch
from safetensors.torch import load_file
from torch import nn

from .config import MODALITIES
from .model import modality_of

TORCH_SUFFIXES = (".pth", ".pt", ".bin")
SAFETENSORS_SUFFIX = ".safetensors"
_LISTED_KEYS = 10


class CheckpointError(RuntimeError):
    """A checkpoint that cannot be read or does not fit the model; the message lists the keys."""


class LoadedKeys(NamedTuple):
    """Keys that did not match (only non-empty with `strict=False`) and keys skipped by modality."""

    missing: list[str]
    unexpected: list[str]
    skipped: list[str]


def read_state_dict(path: str | os.PathLike) -> dict[str, torch.Tensor]:
    """A flat `{key: tensor}` dict from a `.pth`/`.pt`/`.bin` or `.safetensors` file, memory-mapped."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"checkpoint {path} does not exist")
    suffix = path.suffix.lower()
    try:
        if suffix == SAFETENSORS_SUFFIX:
            state = load_file(path, device="cpu")
        elif suffix in TORCH_SUFFIXES:
            state = torch.load(path, map_location="cpu", mmap=True, weights_only=True)
        else:
            raise CheckpointError(
                f"checkpoint {path} has an unknown format {suffix!r}; "
                f"use {SAFETENSORS_SUFFIX} or one of {', '.join(TORCH_SUFFIXES)}"
            )
    except CheckpointError:
        raise
    except Exception as error:
        raise CheckpointError(f"cannot read checkpoint {path}: {error}") from error
    if not isinstance(state, Mapping) or not all(
        isinstance(k, str) and isinstance(v, torch.Tensor) for k, v in state.items()
    ):
        raise CheckpointError(f"checkpoint {path} is not a flat state dict of named tensors")
    return dict(state)


def load_checkpoint(model: nn.Module, path: str | os.PathLike, *, strict: bool = True) -> LoadedKeys:
    """Load a flat state dict file into `model` (see `assign_state_dict`)."""
    return assign_state_dict(model, read_state_dict(path), strict=strict, source=f"checkpoint {path}")


def assign_state_dict(
    model: nn.Module,
    state: Mapping[str, torch.Tensor],
    *,
    strict: bool = True,
    source: str = "state dict",
) -> LoadedKeys:
    """Assign `state`'s tensors into `model` in place of its own, without copying them.

    Keys of modalities the model was built without are skipped. Tensors keep their storage unless
    their dtype differs from the model's (then they are converted) or the model lives on another
    device. Raises `CheckpointError` on shape mismatches, on missing or unexpected keys when
    `strict`, and when a meta-device model would keep tensors the state dict did not provide.
    """
    own = model.state_dict(keep_vars=True)
    absent = set(MODALITIES) - set(getattr(model, "modalities", MODALITIES))
    skipped = sorted(k for k in state if modality_of(k) in absent)
    state = {k: v for k, v in state.items() if modality_of(k) not in absent}
    missing = sorted(own.keys() - state.keys())
    unexpected = sorted(state.keys() - own.keys())
    mismatched = sorted(
        f"{k} (checkpoint {tuple(state[k].shape)}, model {tuple(own[k].shape)})"
        for k in own.keys() & state.keys()
        if state[k].shape != own[k].shape
    )
    problems = []
    if mismatched:
        problems.append(_listing("shape mismatches", mismatched))
    if strict and missing:
        problems.append(_listing("missing keys", missing))
    if strict and unexpected:
        problems.append(_listing("unexpected keys", unexpected))
    if problems:
        raise CheckpointError(f"{source} does not fit the model: " + "; ".join(problems))

    fitted = {k: _fit(v, own[k]) for k, v in state.items() if k in own}
    model.load_state_dict(fitted, strict=False, assign=True)
    still_meta = [
        name
        for name, tensor in itertools.chain(model.named_parameters(), model.named_buffers())
        if tensor.is_meta
    ]
    if still_meta:
        raise CheckpointError(
            f"{source} leaves tensors of a meta-device model without values: "
            + _listing("unset", still_meta)
        )
    return LoadedKeys(missing, unexpected, skipped)


def _fit(tensor: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    device = torch.device("cpu") if target.is_meta else target.device
    return tensor.to(device=device, dtype=target.dtype)


def _listing(what: str, keys: list[str]) -> str:
    shown = ", ".join(keys[:_LISTED_KEYS])
    more = len(keys) - _LISTED_KEYS
    return f"{len(keys)} {what}: {shown}" + (f", ... and {more} more" if more > 0 else "")
