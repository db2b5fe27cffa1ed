"""The last check of every preprocessor: its tensor holds only finite numbers.

A NaN or infinity in a model input turns the whole embedding into NaN, which JSON cannot carry and no
index can store; refusing it here, where the input is still known, names the input instead.
"""

from __future__ import annotations

import torch

from bindspace.models.errors import InputError


def require_finite(tensor: torch.Tensor, kind: str) -> torch.Tensor:
    """`tensor` unchanged, or InputError when a floating-point `tensor` holds NaN or infinite values."""
    if tensor.is_floating_point() and not bool(torch.isfinite(tensor).all()):
        raise InputError(f"{kind}: the input holds NaN or infinite values, which cannot be embedded; "
                         "send finite numbers only")
    return tensor
