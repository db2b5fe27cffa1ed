"""bindspace's vector index: durable collections of embeddings with filtered nearest-neighbour search.

    with Database("data") as db:
        photos = db.create_collection("photos", 1024, index="HNSW32")
        photos.upsert([Item("a", vector, "image", {"album": "2024"})])
        hits = photos.search(queries, k=10, modalities=["image"], filter={"album": "2024"})
"""

from bindspace.index.collection import Collection
from bindspace.index.config import IndexLimits, MaintenanceConfig
from bindspace.index.database import Database
from bindspace.index.errors import (
    CollectionExistsError,
    CollectionNotFoundError,
    CorruptDataError,
    DatabaseClosedError,
    DataDirLockedError,
    DimensionMismatchError,
    IndexStoreError,
    InvalidFilterError,
    InvalidIndexSpecError,
    InvalidItemError,
    InvalidNameError,
    InvalidSearchError,
    ItemNotFoundError,
    StorageFullError,
    StorageReadOnlyError,
)
from bindspace.index.records import CollectionInfo, CollectionStats, Hit, Item

__all__ = [
    "Collection",
    "CollectionExistsError",
    "CollectionInfo",
    "CollectionNotFoundError",
    "CollectionStats",
    "CorruptDataError",
    "DataDirLockedError",
    "Database",
    "DatabaseClosedError",
    "DimensionMismatchError",
    "Hit",
    "IndexLimits",
    "IndexStoreError",
    "InvalidFilterError",
    "InvalidIndexSpecError",
    "InvalidItemError",
    "InvalidNameError",
    "InvalidSearchError",
    "Item",
    "ItemNotFoundError",
    "MaintenanceConfig",
    "StorageFullError",
    "StorageReadOnlyError",
]
