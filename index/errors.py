"""Typed errors of the vector index; every one derives from `IndexStoreError`.

The HTTP layer maps them onto 4xx answers, so each message names the offending value.
"""

from __future__ import annotations


class IndexStoreError(Exception):
    """Base class of every error the index raises on purpose."""


class DataDirLockedError(IndexStoreError):
    """Another `Database` (in this or another process) holds the data directory."""


class DatabaseClosedError(IndexStoreError):
    """The database or collection was closed (or the collection dropped) and can no longer be used."""


class InvalidNameError(IndexStoreError):
    """A collection or modality name is empty, too long or uses characters outside the safe set."""


class InvalidIndexSpecError(IndexStoreError):
    """An index factory string, metric, dimension or training size cannot be used."""


class CollectionNotFoundError(IndexStoreError):
    """No collection of that name exists."""


class CollectionExistsError(IndexStoreError):
    """A collection of that name already exists."""


class ItemNotFoundError(IndexStoreError):
    """No item with that id exists in the collection."""


class InvalidItemError(IndexStoreError):
    """An item's id, vector, modality or metadata is not acceptable, or a batch is malformed."""


class DimensionMismatchError(IndexStoreError):
    """A vector or query does not have the collection's dimension."""


class InvalidFilterError(IndexStoreError):
    """A metadata filter or modality restriction is malformed."""


class InvalidSearchError(IndexStoreError):
    """A search request is malformed: queries, `k` or search-time parameters."""


class CorruptDataError(IndexStoreError):
    """Files in the data directory are unreadable in a way that cannot be repaired automatically."""


class StorageFullError(IndexStoreError):
    """The file system holding the data directory is full: writes fail until space is freed; reads go on."""


class StorageReadOnlyError(IndexStoreError):
    """The data directory cannot be written (read-only file system, immutable files, lost permissions)."""
