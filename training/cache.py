"""On-disk cache of preprocessed tensors, keyed by the source's content and the producer's parameters.

An entry's key is sha256(namespace, parameters, source bytes), so editing a file, or changing a
preprocessing limit, misses the cache instead of returning stale tensors. Floating tensors are stored
as float32, float16 or bfloat16 (the training default: the stems run under bfloat16 autocast anyway,
and bfloat16 converts back to float32 far faster than float16 does on this CPU).
"""

import hashlib
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch

STORED_FLOAT_DTYPES = ("float32", "float16", "bfloat16")
BFLOAT16_SUFFIX = ".bf16.npy"


def content_digest(namespace: str, parameters: str, source: bytes) -> str:
    """The hex sha256 naming a cache entry."""
    digest = hashlib.sha256()
    for part in (namespace.encode(), parameters.encode(), source):
        digest.update(len(part).to_bytes(8, "little"))
        digest.update(part)
    return digest.hexdigest()


class TensorCache:
    """A folder of `.npy` files, one per (namespace, parameters, source) triple; safe across processes."""

    def __init__(self, root: str | os.PathLike, float_dtype: str = "bfloat16"):
        if float_dtype not in STORED_FLOAT_DTYPES:
            raise ValueError(f"float_dtype must be one of {', '.join(STORED_FLOAT_DTYPES)}, got {float_dtype!r}")
        self.root = Path(root)
        self.float_dtype = float_dtype

    def path_for(self, key: str, suffix: str = ".npy") -> Path:
        return self.root / key[:2] / f"{key}{suffix}"

    def key(self, namespace: str, parameters: str, source: bytes) -> str:
        return content_digest(namespace, f"{parameters}|stored={self.float_dtype}", source)

    def load(self, key: str) -> torch.Tensor | None:
        """The stored tensor, or None when there is no entry for `key`."""
        if self.float_dtype == "bfloat16":
            try:  # bfloat16 is stored as its raw 16-bit patterns, numpy having no such type
                return torch.from_numpy(np.load(self.path_for(key, BFLOAT16_SUFFIX))).view(torch.bfloat16)
            except FileNotFoundError:
                pass
        try:
            return torch.from_numpy(np.load(self.path_for(key)))
        except FileNotFoundError:
            return None

    def store(self, key: str, tensor: torch.Tensor) -> torch.Tensor:
        """Write the entry atomically (concurrent writers of one key are harmless); returns it as stored."""
        tensor = tensor.detach().cpu().contiguous()
        suffix = ".npy"
        if tensor.is_floating_point():
            tensor = tensor.to(getattr(torch, self.float_dtype))
            if self.float_dtype == "bfloat16":
                suffix = BFLOAT16_SUFFIX
        array = tensor.view(torch.int16).numpy() if suffix == BFLOAT16_SUFFIX else tensor.numpy()
        path = self.path_for(key, suffix)
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, suffix=".tmp", delete=False) as handle:
            np.save(handle, array)
        os.replace(handle.name, path)
        return tensor

    def get_or_compute(
        self, namespace: str, parameters: str, source: bytes, compute: Callable[[], torch.Tensor]
    ) -> torch.Tensor:
        """The cached tensor for this key, or `compute()`'s result, stored first."""
        key = self.key(namespace, parameters, source)
        cached = self.load(key)
        return cached if cached is not None else self.store(key, compute())
