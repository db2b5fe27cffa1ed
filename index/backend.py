"""The vector engine interface. Collections talk to it only; FAISS is one implementation.

A backend holds float32 vectors keyed by int64 ids and is not thread-safe: the collection serializes
mutations and lets searches run concurrently with each other only.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, BinaryIO, Protocol

import numpy as np

from bindspace.index.config import CollectionSpec


class VectorBackend(Protocol):
    """A vector index keyed by int64 ids."""

    @property
    def ntotal(self) -> int:
        """Number of vectors searches can return (removed ones excluded)."""

    @property
    def removed_held(self) -> int:
        """Vectors removed logically but still occupying the index (engines that cannot delete)."""

    @property
    def is_trained(self) -> bool:
        """False while a trainable index waits for `train`; searches are then exact over what was added."""

    @property
    def train_size(self) -> int:
        """How many vectors `train` wants (0 when the index needs no training)."""

    @property
    def is_exact(self) -> bool:
        """Whether searches (with or without `allowed`) return the exact nearest neighbours."""

    def train(self, vectors: np.ndarray) -> None:
        """Train an empty, untrained index on `vectors`."""

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        """Add vectors under ids not present yet."""

    def remove(self, ids: np.ndarray) -> None:
        """Remove present ids."""

    def ids(self) -> np.ndarray:
        """Every id searches can return, in no particular order."""

    def check_params(self, params: Mapping[str, Any] | None) -> dict[str, Any]:
        """Validated search-time parameters (raise `InvalidSearchError` for unknown or bad ones).
        Approximate indexes also accept `k_factor`, which `search` ignores: the collection asks for
        `k * k_factor` candidates and re-ranks them exactly from the stored vectors."""

    def search(
        self, queries: np.ndarray, k: int, *, allowed: np.ndarray | None = None, params: Mapping[str, Any] | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """`(scores, ids)`, each `(n, k)`, best first; only ids in the sorted array `allowed` when given.
        Missing results have id -1. Scores are inner products, or squared distances for l2."""

    def save(self, stream: BinaryIO) -> None:
        """Write the whole index state to a binary stream."""


class BackendFactory(Protocol):
    """Builds backends of one engine for collection specs."""

    def check_spec(self, spec: CollectionSpec) -> None:
        """Raise `InvalidIndexSpecError` when the engine cannot serve `spec`."""

    def create(self, spec: CollectionSpec) -> VectorBackend:
        """A new, empty backend."""

    def load(self, spec: CollectionSpec, stream: BinaryIO) -> VectorBackend:
        """A backend read back from what `save` wrote; raise `CorruptDataError` if it does not fit `spec`."""
