"""A data directory of named collections, owned by one `Database` at a time.

Layout: `LOCK` (flock'd while open), `FORMAT` (layout version), `collections/<name>/` holding
`items.sqlite3`, `index.snapshot` and `media/` (previews, when the collection keeps them). A collection
directory is prepared under a hidden name and renamed into place, and renamed away before it is deleted,
so a crash never leaves half of one.
"""

from __future__ import annotations

import logging
import os
import shutil
import threading
import uuid
from pathlib import Path
from types import TracebackType
from typing import Any

from bindspace.index.backend import BackendFactory
from bindspace.index.collection import STORE_FILE, Collection
from bindspace.index.config import CollectionSpec, IndexLimits, MaintenanceConfig
from bindspace.index.errors import (
    CollectionExistsError,
    CollectionNotFoundError,
    CorruptDataError,
    DatabaseClosedError,
    InvalidIndexSpecError,
    StorageFullError,
    StorageReadOnlyError,
)
from bindspace.index.faiss_backend import FaissBackendFactory
from bindspace.index.files import DirectoryLock, atomic_write, fsync_dir
from bindspace.index.index_cost import check_index_cost
from bindspace.index.media import MEDIA_POLICIES
from bindspace.index.records import CollectionInfo
from bindspace.index.storage_errors import storage_guard
from bindspace.index.store import ItemStore
from bindspace.index.validation import check_collection_name

log = logging.getLogger("bindspace.index")

BACKENDS: dict[str, type[BackendFactory]] = {"faiss": FaissBackendFactory}
PROBE_FILE = ".storage-probe"
PROBE_BYTES = 1 << 20
LAYOUT_VERSION = b"bindspace-index 1\n"


class Database:
    """Owns a data directory and its collections; thread-safe; a context manager."""

    def __init__(
        self,
        path: str | os.PathLike,
        *,
        backend: str = "faiss",
        limits: IndexLimits | None = None,
        maintenance: MaintenanceConfig | None = None,
    ) -> None:
        if backend not in BACKENDS:
            raise InvalidIndexSpecError(f"unknown backend {backend!r}; available: {', '.join(BACKENDS)}")
        self.path = Path(path)
        self._factory = BACKENDS[backend]()
        self._limits = limits or IndexLimits()
        self._maintenance = maintenance or MaintenanceConfig()
        self._mutex = threading.RLock()
        self._collections: dict[str, Collection] = {}
        self.path.mkdir(parents=True, exist_ok=True)
        self._dir_lock: DirectoryLock | None = DirectoryLock(self.path)
        try:
            self._check_layout()
            self._root = self.path / "collections"
            self._root.mkdir(exist_ok=True)
            for entry in sorted(self._root.iterdir()):
                if entry.name.startswith("."):
                    shutil.rmtree(entry)
                elif entry.is_dir():
                    self._collections[entry.name] = self._open(entry)
        except BaseException:
            self.close()
            raise

    def _check_layout(self) -> None:
        marker = self.path / "FORMAT"
        if not marker.exists():
            atomic_write(marker, lambda stream: stream.write(LAYOUT_VERSION))
        elif marker.read_bytes() != LAYOUT_VERSION:
            raise CorruptDataError(f"{self.path} holds an index of another layout ({marker.read_bytes()[:40]!r})")

    def _open(self, directory: Path) -> Collection:
        return Collection(directory, self._factory, self._limits, self._maintenance)

    def create_collection(
        self,
        name: str,
        dimension: int,
        *,
        metric: str = "cosine",
        index: str = "Flat",
        train_size: int | None = None,
        search_params: dict[str, Any] | None = None,
        media: str = "none",
    ) -> Collection:
        """Create an empty collection.

        `metric`: `cosine` (vectors normalized on the way in), `ip` or `l2`. `index`: a FAISS factory
        string (`Flat`, `HNSW32`, `IVF1024,Flat`, `IVF1024,PQ64`, ...). `train_size`: items after
        which a trainable index is trained (default: FAISS's recommended minimum). `search_params`:
        defaults for `nprobe` / `efSearch`. `media`: what the collection keeps for previews (`none`,
        `original` or `thumbnail`, see `Collection.media`).
        """
        check_collection_name(name)
        most = self._limits.max_dimension
        if isinstance(dimension, bool) or not isinstance(dimension, int) or not 1 <= dimension <= most:
            raise InvalidIndexSpecError(f"dimension must be an integer from 1 to {most}, got {dimension!r}")
        if not isinstance(index, str):
            raise InvalidIndexSpecError(f"index must be a factory string such as 'Flat', got {index!r}")
        if media not in MEDIA_POLICIES:
            raise InvalidIndexSpecError(f"media must be one of {', '.join(MEDIA_POLICIES)}, got {media!r}")
        spec = CollectionSpec(name, dimension, metric, index, train_size, dict(search_params or {}), media)
        check_index_cost(spec, self._limits)
        self._factory.check_spec(spec)
        with self._mutex:
            self._check_open()
            if name in self._collections:
                raise CollectionExistsError(f"collection {name!r} already exists")
            staging = self._root / f".creating-{name}-{uuid.uuid4().hex}"
            final = self._root / name
            try:
                with storage_guard("creating the collection"):
                    staging.mkdir()
                    ItemStore.create(staging / STORE_FILE, spec)
                    fsync_dir(staging)
                    os.rename(staging, final)
                    fsync_dir(self._root)
            except BaseException:
                shutil.rmtree(staging, ignore_errors=True)  # what is left is removed at the next open otherwise
                raise
            collection = self._collections[name] = self._open(final)
            return collection

    def drop_collection(self, name: str) -> None:
        """Delete a collection and all its items."""
        with self._mutex:
            self._check_open()
            collection = self._collections.get(check_collection_name(name))
            if collection is None:
                raise CollectionNotFoundError(f"collection {name!r} does not exist")
            doomed = self._root / f".dropped-{name}-{uuid.uuid4().hex}"
            with storage_guard("dropping the collection"):
                os.rename(collection.directory, doomed)  # the collection stays usable until this succeeds
                fsync_dir(self._root)
            del self._collections[name]
            collection.close(checkpoint=False)
            try:
                shutil.rmtree(doomed)
            except OSError as exc:  # the renamed directory is gone from the index; the next open removes it
                log.warning("collection %s: removing its files failed (%s); they go at the next start", name, exc)

    def get_collection(self, name: str) -> Collection:
        """The collection called `name`."""
        with self._mutex:
            self._check_open()
            collection = self._collections.get(check_collection_name(name))
            if collection is None:
                raise CollectionNotFoundError(f"collection {name!r} does not exist")
            return collection

    def list_collections(self) -> list[CollectionInfo]:
        """Every collection with its size, by name."""
        with self._mutex:
            self._check_open()
            collections = [self._collections[name] for name in sorted(self._collections)]
        return [collection.info() for collection in collections]

    def storage_problem(self) -> str | None:
        """Why the data directory cannot take writes right now (None when it can): a probe file of
        PROBE_BYTES is written, synced and removed, so a disk with only a few pages left counts as full."""
        probe = self.path / PROBE_FILE
        try:
            with storage_guard("writing a probe file"):
                try:
                    fd = os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
                    try:
                        os.write(fd, bytes(PROBE_BYTES))
                        os.fsync(fd)
                    finally:
                        os.close(fd)
                finally:
                    probe.unlink(missing_ok=True)
        except (StorageFullError, StorageReadOnlyError) as exc:
            return str(exc)
        return None

    def close(self) -> None:
        """Snapshot and close every collection and release the directory; idempotent."""
        with self._mutex:
            for collection in self._collections.values():
                collection.close()
            self._collections.clear()
            if self._dir_lock is not None:
                self._dir_lock.release()
                self._dir_lock = None

    def _check_open(self) -> None:
        if self._dir_lock is None:
            raise DatabaseClosedError(f"database {self.path} is closed")

    def __enter__(self) -> Database:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
