"""The values that go into and come out of a collection."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np


@dataclass
class Item:
    """One stored vector: a string id, the vector, the input kind it came from and JSON metadata."""

    id: str
    vector: np.ndarray
    modality: str
    metadata: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Hit:
    """One search result. `score` is the similarity for cosine/ip (higher is better) and the
    squared Euclidean distance for l2 (lower is better)."""

    id: str
    score: float
    modality: str
    metadata: dict[str, Any]


@dataclass(frozen=True)
class CollectionInfo:
    """A collection's definition and size."""

    name: str
    dimension: int
    metric: str
    index: str
    count: int
    counts_by_modality: dict[str, int]
    media: str = "none"


@dataclass(frozen=True)
class CollectionStats:
    """Internal state of a collection, for monitoring and tests.

    `seq`: last change applied to the vector index; `snapshot_seq`: change the snapshot on disk reflects
    (-1: none); `index_count` / `store_count`: items the vector index serves / the store holds;
    `trained`: whether a trainable index is trained (True for indexes that need no training);
    `removed_held`: removed vectors an HNSW graph still holds; `maintenance_error`: the last background
    snapshot or rebuild failure, if the latest attempt failed.
    """

    seq: int
    snapshot_seq: int
    index_count: int
    store_count: int
    trained: bool
    removed_held: int
    maintenance_error: str | None
