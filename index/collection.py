"""A collection: durable items in an `ItemStore`, searchable through a `VectorBackend`.

The store is the source of truth. The vector index and the in-memory `Membership` reflect the store
as of change `seq` and change together under the exclusive side of a readers-writer lock; searches
hold the shared side, so each sees one consistent state while writes commit to the store in parallel.
Writes, snapshots and index swaps are serialized by a separate mutex, so a snapshot being written
delays writes but never searches.

Recovery: on open, dead rows are purged, the snapshot (if readable) is loaded and compared with the
store's live internal ids; vectors missing from it are added and stale ones removed. Internal ids are
never reused and a version's vector never changes, so equal id sets mean the index matches the store.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from bindspace.index.backend import BackendFactory, VectorBackend
from bindspace.index.config import IndexLimits, MaintenanceConfig
from bindspace.index.errors import (
    CorruptDataError,
    DatabaseClosedError,
    IndexStoreError,
    InvalidItemError,
    InvalidSearchError,
    ItemNotFoundError,
)
from bindspace.index.exact import exact_top_k, rerank
from bindspace.index.files import tmp_path
from bindspace.index.filter_language import Node, parse
from bindspace.index.filter_sql import to_sql
from bindspace.index.maintenance import MaintenanceWorker
from bindspace.index.media import MediaStore, StoredMedia
from bindspace.index.membership import Membership
from bindspace.index.records import CollectionInfo, CollectionStats, Hit, Item, ItemInfo, Page, merge_metadata
from bindspace.index.rwlock import ReadWriteLock
from bindspace.index.snapshot import read_snapshot, write_snapshot
from bindspace.index.store import ItemStore, WriteResult
from bindspace.index.validation import (
    as_vectors,
    check_item_id,
    check_modality_restriction,
    check_page_size,
    prepare_items,
)

log = logging.getLogger("bindspace.index")

STORE_FILE = "items.sqlite3"
SNAPSHOT_FILE = "index.snapshot"
MEDIA_DIR = "media"
_CHUNK = 65_536


class Collection:
    """Items of one dimension and metric; durable upserts and deletes, filtered nearest-neighbour search.
    Thread-safe. Obtain it from `Database`."""

    def __init__(
        self, directory: Path, factory: BackendFactory, limits: IndexLimits, policy: MaintenanceConfig
    ) -> None:
        self.directory = Path(directory)
        self._store = ItemStore(self.directory / STORE_FILE)
        self.spec = self._store.spec
        self.name = self.spec.name
        self._factory = factory
        self._limits = limits
        self._policy = policy
        self._lock = ReadWriteLock()
        self._writing = threading.Lock()
        self._rebuilding = threading.Lock()
        self._membership = Membership()
        self._closing = False
        self._closed = False
        self._failure: str | None = None
        self._snapshot_path = self.directory / SNAPSHOT_FILE
        self.media = MediaStore(self.directory / MEDIA_DIR)
        self._snapshot_seq = -1
        self._unsaved = 0
        try:
            self._backend = self._recover()
        except BaseException:
            self._store.close()
            raise
        self._worker = MaintenanceWorker(self.name, self._maintain) if policy.background else None
        self._schedule_maintenance()

    # -- opening -------------------------------------------------------------------------------------

    def _recover(self) -> VectorBackend:
        tmp_path(self._snapshot_path).unlink(missing_ok=True)
        self._store.purge_all_dead()
        iids, modalities = self._store.live_items()
        self._membership.add(iids, modalities)
        try:
            loaded = read_snapshot(self._snapshot_path, self._factory, self.spec)
        except CorruptDataError as exc:
            log.warning("collection %s: %s; rebuilding its index from the item store", self.name, exc)
            loaded = None
        if loaded is not None and loaded[0] > self._store.seq:
            log.warning("collection %s: snapshot is newer than the item store; rebuilding its index", self.name)
            loaded = None
        if loaded is not None:
            self._snapshot_seq, backend = loaded
        else:
            backend = self._factory.create(self.spec)
        self._unsaved = self._sync(backend)
        self._seq = self._store.seq
        if self._unsaved:
            log.info("collection %s: replayed %d changes after snapshot %d",
                     self.name, self._unsaved, self._snapshot_seq)
        return backend

    def _sync(self, backend: VectorBackend) -> int:
        """Make `backend` hold exactly the live iids; returns how many it had to add or remove."""
        present = backend.ids()
        live = self._membership.live_iids()
        stale = np.setdiff1d(present, live, assume_unique=True)
        missing = np.setdiff1d(live, present, assume_unique=True)
        backend.remove(stale)
        for start in range(0, len(missing), _CHUNK):
            wanted = missing[start : start + _CHUNK]
            iids, vectors = self._store.vectors(wanted)
            if len(iids) != len(wanted):
                raise CorruptDataError(f"collection {self.name}: live items without a stored vector")
            backend.add(iids, vectors)
        return len(stale) + len(missing)

    # -- writes --------------------------------------------------------------------------------------

    def upsert(self, items: Sequence[Item], media: Mapping[str, StoredMedia] | None = None) -> None:
        """Add the items, replacing (vector, modality and metadata) any existing item with the same id.
        The batch is atomic and durable when this returns. Cosine collections store normalized vectors.
        `media` maps ids of the batch to their preview; a replaced item's old preview is deleted."""
        batch = prepare_items(items, self.spec.dimension, self.spec.metric, self._limits)
        if not batch.ids:
            return
        media = media or {}
        with self._writing:
            self._check_usable(writing=True)
            self.media.remove(i for i in batch.ids if i not in media)
            result = self._store.upsert(batch, purge_through=self._seq)
            self._apply(result, batch.vectors)
            for item_id in batch.ids:
                if item_id in media:
                    self.media.put(item_id, media[item_id])
        self._schedule_maintenance()

    def update_metadata(self, item_id: str, patch: Mapping[str, Any]) -> Item:
        """Merge `patch` into an item's metadata (top-level keys; a null value removes the key) and return
        the updated item; its vector and modality stay. Atomic against other writes; durable on return."""
        item_id = check_item_id(item_id, self._limits.max_id_bytes)
        with self._writing:
            self._check_usable(writing=True)
            stored = self._store.get_live([item_id]).get(item_id)
            if stored is None:
                raise ItemNotFoundError(f"collection {self.name!r} has no item {item_id!r}")
            item = Item(item_id, stored.vector, stored.modality, merge_metadata(stored.metadata, patch))
            batch = prepare_items([item], self.spec.dimension, self.spec.metric, self._limits)
            self._apply(self._store.upsert(batch, purge_through=self._seq), batch.vectors)
        self._schedule_maintenance()
        return item

    def delete(self, ids: Sequence[str]) -> int:
        """Delete the items with these ids (unknown ids are ignored); returns how many existed.
        Durable when this returns."""
        ids = self._check_ids(ids)
        if not ids:
            return 0
        with self._writing:
            self._check_usable(writing=True)
            self.media.remove(ids)
            result = self._store.delete(ids, purge_through=self._seq)
            if result is None:
                return 0
            self._apply(result, np.empty((0, self.spec.dimension), dtype=np.float32))
        self._schedule_maintenance()
        return len(result.removed_iids)

    def _apply(self, result: WriteResult, vectors: np.ndarray) -> None:
        """Bring the vector index and membership to a committed write (caller holds `_writing`)."""
        try:
            with self._lock.exclusive():
                self._backend.remove(result.removed_iids)
                self._membership.remove(result.removed_iids)
                self._backend.add(result.added_iids, vectors)
                self._membership.add(result.added_iids, result.added_modalities)
                self._seq = result.seq
        except BaseException as exc:
            self._failure = f"{type(exc).__name__}: {exc}"
            raise
        self._unsaved += len(result.added_iids) + len(result.removed_iids)

    # -- reads ---------------------------------------------------------------------------------------

    def get(self, ids: Sequence[str]) -> list[Item | None]:
        """The items with these ids, in order; None where there is none."""
        ids = self._check_ids(ids)
        with self._lock.shared():
            self._check_usable()
            found = self._store.get_live(ids)
        items = []
        for item_id in ids:
            stored = found.get(item_id)
            items.append(None if stored is None else Item(stored.id, stored.vector, stored.modality, stored.metadata))
        return items

    def get_item(self, item_id: str) -> Item:
        """The item with this id; `ItemNotFoundError` when there is none."""
        item = self.get([item_id])[0]
        if item is None:
            raise ItemNotFoundError(f"collection {self.name!r} has no item {item_id!r}")
        return item

    def count(self, modality: str | None = None) -> int:
        """Number of items, of one modality or all."""
        with self._lock.shared():
            self._check_usable()
            return self._membership.count(modality)

    def counts_by_modality(self) -> dict[str, int]:
        """Number of items per modality."""
        with self._lock.shared():
            self._check_usable()
            return self._membership.counts_by_modality()

    def info(self) -> CollectionInfo:
        """Definition and size."""
        with self._lock.shared():
            self._check_usable()
            return CollectionInfo(
                self.name, self.spec.dimension, self.spec.metric, self.spec.index,
                self._membership.count(), self._membership.counts_by_modality(), self.spec.media,
            )

    def stats(self) -> CollectionStats:
        """Internal state (sequence numbers, index and store counts)."""
        with self._lock.shared():
            self._check_usable()
            return CollectionStats(
                seq=self._seq,
                snapshot_seq=self._snapshot_seq,
                index_count=self._backend.ntotal,
                store_count=self._store.count_live(),
                trained=self._backend.is_trained,
                removed_held=self._backend.removed_held,
                maintenance_error=self._worker.last_error if self._worker else None,
            )

    def search(
        self,
        queries: Any,
        k: int,
        *,
        modalities: str | Iterable[str] | None = None,
        filter: Mapping[str, Any] | None = None,
        params: Mapping[str, Any] | None = None,
    ) -> list[list[Hit]]:
        """The `k` nearest items to each row of `queries` (shape `(n, dimension)`), best first.

        `modalities` restricts results to items of those modalities; `filter` to items whose metadata
        satisfies a filter of the filter language (filter_language.py).
        `params` sets search-time parameters (`nprobe` for IVF, `efSearch` for HNSW, and for both
        `k_factor`: take `k * k_factor` candidates from the index and return the best `k` by exact
        score from the stored vectors) over the collection's defaults. When at least `k` items match,
        exactly `k` hits come back.
        """
        if isinstance(k, bool) or not isinstance(k, int | np.integer) or not 1 <= k <= self._limits.max_k:
            raise InvalidSearchError(f"k must be an integer from 1 to {self._limits.max_k}, got {k!r}")
        vectors = as_vectors(queries, self.spec.dimension, self.spec.metric, "queries", InvalidSearchError)
        if len(vectors) > self._limits.max_queries:
            raise InvalidSearchError(f"at most {self._limits.max_queries} queries per search, got {len(vectors)}")
        wanted_modalities = check_modality_restriction(modalities)
        parsed_filter = parse(filter, self._limits.max_filter_values)
        search_params = self._backend.check_params({**self.spec.search_params, **(params or {})})
        if k * search_params.get("k_factor", 1) > self._limits.max_rerank_candidates:
            raise InvalidSearchError(f"k * k_factor must be at most {self._limits.max_rerank_candidates}, got "
                                     f"{k} * {search_params['k_factor']}")
        with self._lock.shared():
            self._check_usable()
            scores, iids = self._search_locked(vectors, int(k), wanted_modalities, parsed_filter, search_params)
            rows = self._store.rows(np.unique(iids[iids >= 0]))
        return self._hits(scores, iids, rows)

    def _search_locked(
        self,
        queries: np.ndarray,
        k: int,
        modalities: list[str] | None,
        parsed_filter: Node | None,
        params: dict[str, Any],
    ) -> tuple[np.ndarray, np.ndarray]:
        allowed = None
        if modalities is not None or parsed_filter is not None:
            allowed = self._membership.live_iids(modalities)
            if parsed_filter is not None:
                matching_iids = self._store.iids_matching(*to_sql(parsed_filter))
                allowed = np.intersect1d(allowed, matching_iids, assume_unique=True)
            matching = len(allowed)
        else:
            matching = self._membership.count()
        k = min(k, matching)
        if not len(queries) or not k:
            return np.empty((len(queries), 0), dtype=np.float32), np.empty((len(queries), 0), dtype=np.int64)
        if allowed is not None and matching <= self._policy.exact_search_max and not self._backend.is_exact:
            return self._exact(queries, k, allowed)
        k_factor = params.get("k_factor", 1)
        if k_factor > 1 and not self._backend.is_exact:
            _, candidates = self._backend.search(queries, min(k * k_factor, matching), allowed=allowed, params=params)
            scores, iids = rerank(queries, candidates, self._store.vectors(np.unique(candidates[candidates >= 0])),
                                  k, self.spec.metric)
        else:
            scores, iids = self._backend.search(queries, k, allowed=allowed, params=params)
        short = (iids < 0).any(axis=1)
        if short.any():
            candidates = allowed if allowed is not None else self._membership.live_iids()
            scores[short], iids[short] = self._exact(queries[short], k, candidates)
        return scores, iids

    def list_items(
        self,
        *,
        filter: Mapping[str, Any] | None = None,
        modalities: str | Iterable[str] | None = None,
        limit: int = 100,
        cursor: str | None = None,
    ) -> Page:
        """One page of items (ids, modalities, metadata) in id order, restricted like `search`; pass the
        page's `next_cursor` as `cursor` for the next page (None: the last page was reached)."""
        limit = check_page_size(limit, self._limits.max_page_items)
        if cursor is not None:
            cursor = check_item_id(cursor, self._limits.max_id_bytes)
        wanted_modalities = check_modality_restriction(modalities)
        tree = parse(filter, self._limits.max_filter_values)
        where, params = to_sql(tree) if tree is not None else (None, [])
        if wanted_modalities is not None:
            modality_clause = f"i.modality IN ({','.join('?' * len(wanted_modalities))})"
            where = modality_clause if where is None else f"{modality_clause} AND ({where})"
            params = [*wanted_modalities, *params]
        with self._lock.shared():
            self._check_usable()
            rows = self._store.page(cursor, limit + 1, where, params)
        items = [ItemInfo(row[0], row[1], json.loads(row[2])) for row in rows[:limit]]
        return Page(items, items[-1].id if len(rows) > limit else None)

    def _exact(self, queries: np.ndarray, k: int, candidates: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Exact search over the stored vectors of `candidates`."""
        chunks = (self._store.vectors(candidates[start : start + _CHUNK])
                  for start in range(0, len(candidates), _CHUNK))
        return exact_top_k(queries, chunks, k, self.spec.metric)

    def _hits(self, scores: np.ndarray, iids: np.ndarray, rows: dict[int, tuple[str, str, str]]) -> list[list[Hit]]:
        metadata: dict[int, dict] = {}
        results = []
        for row_scores, row_iids in zip(scores.tolist(), iids.tolist()):
            hits = []
            for score, iid in zip(row_scores, row_iids):
                if iid < 0:
                    continue
                row = rows.get(iid)
                if row is None:
                    raise CorruptDataError(f"collection {self.name}: the item store has no row for internal id {iid}")
                if iid not in metadata:
                    metadata[iid] = json.loads(row[2])
                hits.append(Hit(row[0], score, row[1], metadata[iid]))
            results.append(hits)
        return results

    # -- maintenance ---------------------------------------------------------------------------------

    def checkpoint(self) -> None:
        """Write the vector index snapshot now (it is also written every `snapshot_every` changes and on close)."""
        with self._writing:
            self._check_usable(writing=True)
            self._write_snapshot()

    def rebuild(self) -> None:
        """Build the vector index afresh from the store (training it anew if it trains) and swap it in.
        Searches and writes continue meanwhile; they pause only for the final catch-up and swap."""
        self._check_usable(writing=True)
        with self._rebuilding:
            self._rebuild()

    def _rebuild(self) -> None:
        fresh = self._factory.create(self.spec)
        if not fresh.is_trained:
            with self._lock.shared():
                live = self._membership.live_iids()
            if len(live) >= fresh.train_size:
                sample = np.sort(np.random.default_rng(0).choice(live, size=fresh.train_size, replace=False))
                _, vectors = self._store.vectors(sample)
                if len(vectors) >= fresh.train_size:
                    fresh.train(vectors)
        for iids, vectors in self._store.live_vector_chunks(_CHUNK):
            if self._closing:
                return
            fresh.add(iids, vectors)
        with self._writing:
            if self._closing:
                return
            self._sync(fresh)
            with self._lock.exclusive():
                self._backend = fresh
            self._write_snapshot()

    def _write_snapshot(self) -> None:
        """Snapshot the index (caller holds `_writing`, so it cannot change; searches go on)."""
        write_snapshot(self._snapshot_path, self._seq, self._backend)
        self._snapshot_seq = self._seq
        self._unsaved = 0

    def _rebuild_due(self) -> bool:
        backend = self._backend
        if not backend.is_trained:
            return self._membership.count() >= backend.train_size
        held = backend.removed_held
        return held > 0 and held >= self._policy.rebuild_deleted_fraction * (backend.ntotal + held)

    def _maintenance_due(self) -> bool:
        return self._rebuild_due() or self._unsaved >= self._policy.snapshot_every

    def _schedule_maintenance(self) -> None:
        if not self._maintenance_due():
            return
        if self._worker is not None:
            self._worker.request()
        else:
            self._maintain()

    def _maintain(self) -> None:
        if self._closing or self._failure:
            return
        if self._rebuild_due():
            with self._rebuilding:
                self._rebuild()
        if self._unsaved >= self._policy.snapshot_every:
            with self._writing:
                if not self._closing:
                    self._write_snapshot()

    # -- closing -------------------------------------------------------------------------------------

    def close(self, *, checkpoint: bool = True) -> None:
        """Stop maintenance, snapshot unsaved changes (unless `checkpoint` is False) and release the files."""
        with self._writing:
            if self._closing:
                return
            self._closing = True
        if self._worker is not None:
            self._worker.stop()
        with self._writing:
            if checkpoint and self._unsaved and self._failure is None:
                try:
                    self._write_snapshot()
                except OSError as exc:  # a full or unwritable disk: the store holds every change anyway
                    log.error("collection %s: final snapshot failed (%s); the next open replays the store",
                              self.name, exc)
            with self._lock.exclusive():
                self._closed = True
                self._store.close()

    # -- checks --------------------------------------------------------------------------------------

    def _check_usable(self, *, writing: bool = False) -> None:
        if self._closed or (writing and self._closing):
            raise DatabaseClosedError(f"collection {self.name!r} is closed or was dropped")
        if self._failure is not None:
            raise IndexStoreError(
                f"collection {self.name!r} stopped after an internal failure ({self._failure}); "
                "reopen the database to recover it from disk"
            )

    def _check_ids(self, ids: Sequence[str]) -> list[str]:
        if isinstance(ids, str) or not isinstance(ids, Sequence):
            raise InvalidItemError("ids must be a list of strings")
        if len(ids) > self._limits.max_batch_items:
            raise InvalidItemError(f"at most {self._limits.max_batch_items} ids per call, got {len(ids)}")
        return [check_item_id(item_id, self._limits.max_id_bytes) for item_id in ids]
