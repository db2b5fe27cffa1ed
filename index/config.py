"""Configuration as data: input limits, maintenance policy and a collection's definition."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

METRICS = ("cosine", "ip", "l2")


@dataclass(frozen=True)
class IndexLimits:
    """Every size limit the index enforces on its inputs."""

    max_id_bytes: int = 512
    max_metadata_bytes: int = 16_384
    max_metadata_depth: int = 32
    """Most levels of nested objects and arrays in an item's metadata (the object itself is level 1)."""
    max_batch_items: int = 10_000
    max_queries: int = 1_024
    max_k: int = 1_000
    max_rerank_candidates: int = 16_384
    """Most candidates per query (`k * k_factor`) a re-ranked search may fetch from the store."""
    max_dimension: int = 16_384
    max_filter_values: int = 1_024
    max_index_memory_bytes: int = 2 << 30
    """Most estimated memory a collection's vector index may need before its first item, training included."""
    max_index_item_bytes: int = 128 << 10
    """Most estimated memory a collection's vector index may need per item (code, id and graph links)."""


@dataclass(frozen=True)
class MaintenanceConfig:
    """When a collection snapshots and rebuilds its vector index, and when it searches exactly.

    `snapshot_every`: changed items after which the index is written to disk (also written on close).
    `rebuild_deleted_fraction`: for indexes that cannot remove vectors (HNSW), the share of removed-but-present
    vectors that triggers a rebuild.
    `exact_search_max`: a filtered search whose matching set has at most this many items is answered by exact
    search over those vectors instead of the approximate index.
    `background`: run snapshots and rebuilds on a worker thread; when False they run inside the write that
    triggers them (deterministic, for tests and batch jobs).
    """

    snapshot_every: int = 10_000
    rebuild_deleted_fraction: float = 0.25
    exact_search_max: int = 2_048
    background: bool = True


@dataclass(frozen=True)
class CollectionSpec:
    """A collection's fixed definition, stored with its items.

    `index` is a FAISS-style factory string (`Flat`, `HNSW32`, `IVF1024,Flat`, `IVF1024,PQ64`).
    `train_size` is the number of items after which a trainable index is trained (None: the backend's
    recommendation). `search_params` are the defaults for search-time parameters such as `nprobe`.
    `media` is what the collection keeps for previews (`index.media.MEDIA_POLICIES`).
    """

    name: str
    dimension: int
    metric: str = "cosine"
    index: str = "Flat"
    train_size: int | None = None
    search_params: dict[str, Any] = field(default_factory=dict)
    media: str = "none"

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CollectionSpec:
        """Inverse of `to_dict`."""
        return cls(**data)
