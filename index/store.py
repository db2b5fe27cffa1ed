"""The durable item store of one collection: SQLite in WAL mode with `synchronous=FULL`.

SQLite runs on its `unix-excl` VFS: the file is locked for this process alone (the data directory is owned by
one process anyway) and the WAL index lives in heap memory instead of a memory-mapped `-shm` file. A mapped
file that cannot be backed any more (a full disk, an immutable file) would kill the process with SIGBUS;
heap memory cannot, so a failing disk is an error the service reports instead.

It is the source of truth. Each item version gets a fresh internal id (`iid`, never reused, persisted
in `meta.next_iid`); replacing or deleting an item marks its row dead with the change sequence number
instead of deleting it, so concurrent searches that still see the old version in the vector index can
read its row. Dead rows are purged by a later write, once the vector index no longer holds them.
A write returns only after its transaction is committed and fsynced.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import numpy as np

from bindspace.index.config import CollectionSpec
from bindspace.index.errors import CorruptDataError
from bindspace.index.storage_errors import storage_guard
from bindspace.index.validation import PreparedBatch

FORMAT_VERSION = "1"
_CHUNK = 10_000

_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE items (
    iid INTEGER PRIMARY KEY,
    id TEXT NOT NULL,
    modality TEXT NOT NULL,
    metadata TEXT NOT NULL,
    seq INTEGER NOT NULL,
    dead_seq INTEGER
);
CREATE UNIQUE INDEX items_live_id ON items(id) WHERE dead_seq IS NULL;
CREATE INDEX items_dead ON items(dead_seq) WHERE dead_seq IS NOT NULL;
CREATE TABLE vectors (iid INTEGER PRIMARY KEY, vector BLOB NOT NULL);
CREATE TABLE tags (key TEXT NOT NULL, code TEXT NOT NULL, iid INTEGER NOT NULL, PRIMARY KEY (key, code, iid))
    WITHOUT ROWID;
CREATE INDEX tags_iid ON tags(iid);
"""


@dataclass(frozen=True)
class StoredItem:
    """A live item as stored (vector already normalized for cosine collections)."""

    iid: int
    id: str
    modality: str
    metadata: dict
    vector: np.ndarray


@dataclass(frozen=True)
class WriteResult:
    """What a committed write changed: its sequence number, the new versions and the versions it retired."""

    seq: int
    added_iids: np.ndarray
    added_modalities: list[str]
    removed_iids: np.ndarray


def _chunks(values: Sequence, size: int = _CHUNK) -> Iterator[Sequence]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _placeholders(n: int) -> str:
    return ",".join("?" * n)


def _connect(path: Path) -> sqlite3.Connection:
    uri = f"file:{quote(str(Path(path).resolve()))}?vfs=unix-excl"
    return sqlite3.connect(uri, uri=True, isolation_level=None, check_same_thread=False, timeout=30.0)


def _rollback(conn: sqlite3.Connection) -> None:
    """End a failed write's transaction, unless SQLite already rolled it back (as it does on a full disk)."""
    if conn.in_transaction:
        conn.execute("ROLLBACK")


def page_size_for(dimension: int) -> int:
    """The smallest SQLite page size that packs vector rows at least 85% full (rows that do not fit in a
    page would spill into overflow pages, and a 4 KiB vector alone would waste half of any page it fills)."""
    row = 4 * dimension + 16  # blob, record header, rowid and cell pointer
    for size in (4096, 8192, 16384, 32768):
        if (size - 8) // row * row >= 0.85 * size:
            return size
    return 65536


class ItemStore:
    """SQLite-backed items, vectors and metadata tags of one collection; thread-safe."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        if not self.path.is_file():
            raise CorruptDataError(f"item store {self.path} is missing")
        self._writer = _connect(self.path)
        try:
            self._writer.execute("PRAGMA synchronous=FULL")
            mode = self._writer.execute("PRAGMA journal_mode=WAL").fetchone()[0]
            if mode != "wal":
                raise CorruptDataError(f"item store {self.path} cannot use WAL mode (got {mode})")
            self._writer.execute("PRAGMA journal_size_limit=67108864")
            meta = dict(self._writer.execute("SELECT key, value FROM meta").fetchall())
            if meta.get("format") != FORMAT_VERSION:
                raise CorruptDataError(
                    f"item store {self.path} has format {meta.get('format')!r}, expected {FORMAT_VERSION}"
                )
            self.spec = CollectionSpec.from_dict(json.loads(meta["spec"]))
            self.seq = int(meta["seq"])
            self.next_iid = int(meta["next_iid"])
        except (sqlite3.DatabaseError, KeyError, ValueError, TypeError) as exc:
            self._writer.close()
            raise CorruptDataError(f"item store {self.path} is unreadable: {exc}") from exc
        except CorruptDataError:
            self._writer.close()
            raise
        self._readers: list[sqlite3.Connection] = []
        self._all_readers: list[sqlite3.Connection] = []
        self._readers_lock = threading.Lock()

    @staticmethod
    def create(path: Path, spec: CollectionSpec) -> None:
        """Create an empty store file for `spec` at `path` (which must not exist)."""
        conn = _connect(path)
        try:
            conn.execute(f"PRAGMA page_size={page_size_for(spec.dimension)}")
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=FULL")
            conn.execute("BEGIN")
            for statement in _SCHEMA.split(";"):
                if statement.strip():
                    conn.execute(statement)
            conn.executemany(
                "INSERT INTO meta (key, value) VALUES (?, ?)",
                [("format", FORMAT_VERSION), ("spec", json.dumps(spec.to_dict())), ("seq", "0"), ("next_iid", "0")],
            )
            conn.execute("COMMIT")
        finally:
            conn.close()

    # -- reads ---------------------------------------------------------------------------------------

    @contextmanager
    def _reader(self) -> Iterator[sqlite3.Connection]:
        with self._readers_lock:
            conn = self._readers.pop() if self._readers else None
        if conn is None:
            conn = _connect(self.path)
            with self._readers_lock:
                self._all_readers.append(conn)
        try:
            yield conn
        finally:
            with self._readers_lock:
                self._readers.append(conn)

    def live_items(self) -> tuple[np.ndarray, list[str]]:
        """The iids (ascending) and modalities of all live items."""
        with self._reader() as conn:
            rows = conn.execute("SELECT iid, modality FROM items WHERE dead_seq IS NULL ORDER BY iid").fetchall()
        iids = np.fromiter((row[0] for row in rows), dtype=np.int64, count=len(rows))
        return iids, [row[1] for row in rows]

    def count_live(self) -> int:
        """Number of live items, counted in the store."""
        with self._reader() as conn:
            return conn.execute("SELECT count(*) FROM items WHERE dead_seq IS NULL").fetchone()[0]

    def get_live(self, ids: Sequence[str]) -> dict[str, StoredItem]:
        """The live items among `ids`, by id."""
        found: dict[str, StoredItem] = {}
        with self._reader() as conn:
            for chunk in _chunks(list(ids)):
                rows = conn.execute(
                    "SELECT i.iid, i.id, i.modality, i.metadata, v.vector FROM items i JOIN vectors v ON v.iid = i.iid "
                    f"WHERE i.dead_seq IS NULL AND i.id IN ({_placeholders(len(chunk))})",
                    tuple(chunk),
                ).fetchall()
                for iid, item_id, modality, metadata, blob in rows:
                    vector = np.frombuffer(blob, dtype=np.float32).copy()
                    found[item_id] = StoredItem(iid, item_id, modality, json.loads(metadata), vector)
        return found

    def rows(self, iids: np.ndarray) -> dict[int, tuple[str, str, str]]:
        """`iid -> (id, modality, metadata JSON)` for the given iids, live or not yet purged."""
        found: dict[int, tuple[str, str, str]] = {}
        with self._reader() as conn:
            for chunk in _chunks(iids.tolist()):
                rows = conn.execute(
                    f"SELECT iid, id, modality, metadata FROM items WHERE iid IN ({_placeholders(len(chunk))})",
                    tuple(chunk),
                ).fetchall()
                for iid, item_id, modality, metadata in rows:
                    found[iid] = (item_id, modality, metadata)
        return found

    def vectors(self, iids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """`(iids, vectors)` for those of `iids` still stored, in ascending iid order."""
        found_iids: list[int] = []
        blobs: list[bytes] = []
        with self._reader() as conn:
            for chunk in _chunks(np.sort(iids).tolist()):
                rows = conn.execute(
                    f"SELECT iid, vector FROM vectors WHERE iid IN ({_placeholders(len(chunk))}) ORDER BY iid",
                    tuple(chunk),
                ).fetchall()
                found_iids.extend(row[0] for row in rows)
                blobs.extend(row[1] for row in rows)
        return self._as_arrays(found_iids, blobs)

    def live_vector_chunks(self, chunk_size: int) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """All live `(iids, vectors)` in ascending iid order, `chunk_size` at a time (each chunk read separately)."""
        after = -1
        while True:
            with self._reader() as conn:
                rows = conn.execute(
                    "SELECT v.iid, v.vector FROM vectors v JOIN items i ON i.iid = v.iid "
                    "WHERE i.dead_seq IS NULL AND v.iid > ? ORDER BY v.iid LIMIT ?",
                    (after, chunk_size),
                ).fetchall()
            if not rows:
                return
            after = rows[-1][0]
            yield self._as_arrays([row[0] for row in rows], [row[1] for row in rows])

    def iids_matching(self, parsed_filter: dict[str, list[str]]) -> np.ndarray:
        """Sorted iids (live or not yet purged) whose tags satisfy every key of a parsed filter."""
        result: np.ndarray | None = None
        with self._reader() as conn:
            for key, codes in parsed_filter.items():
                rows = conn.execute(
                    f"SELECT iid FROM tags WHERE key = ? AND code IN ({_placeholders(len(codes))})", (key, *codes)
                ).fetchall()
                iids = np.unique(np.fromiter((row[0] for row in rows), dtype=np.int64, count=len(rows)))
                result = iids if result is None else np.intersect1d(result, iids, assume_unique=True)
                if result.size == 0:
                    break
        return np.empty(0, dtype=np.int64) if result is None else result

    def _as_arrays(self, iids: list[int], blobs: list[bytes]) -> tuple[np.ndarray, np.ndarray]:
        dimension = self.spec.dimension
        vectors = np.frombuffer(b"".join(blobs), dtype=np.float32).reshape(len(blobs), dimension)
        return np.asarray(iids, dtype=np.int64), vectors

    # -- writes (callers serialize them) -------------------------------------------------------------

    @contextmanager
    def _transaction(self, action: str) -> Iterator[sqlite3.Connection]:
        """A write transaction on the writer connection: committed when the block ends, rolled back when it
        raises; a full or unwritable disk surfaces as the index's storage errors."""
        conn = self._writer
        with storage_guard(action):
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
                conn.execute("COMMIT")
            except BaseException:
                _rollback(conn)
                raise

    def upsert(self, batch: PreparedBatch, purge_through: int) -> WriteResult:
        """Durably add or replace the batch's items; rows dead since `purge_through` or earlier are purged."""
        n = len(batch.ids)
        seq = self.seq + 1
        new_iids = np.arange(self.next_iid, self.next_iid + n, dtype=np.int64)
        with self._transaction("storing items") as conn:
            self._purge(purge_through)
            old = self._live_iids(batch.ids)
            conn.executemany("UPDATE items SET dead_seq = ? WHERE iid = ?", [(seq, iid) for iid in old])
            conn.executemany(
                "INSERT INTO items (iid, id, modality, metadata, seq) VALUES (?, ?, ?, ?, ?)",
                zip(new_iids.tolist(), batch.ids, batch.modalities, batch.metadata_json, [seq] * n),
            )
            conn.executemany(
                "INSERT INTO vectors (iid, vector) VALUES (?, ?)",
                ((iid, vector.tobytes()) for iid, vector in zip(new_iids.tolist(), batch.vectors)),
            )
            conn.executemany(
                "INSERT INTO tags (key, code, iid) VALUES (?, ?, ?)",
                ((key, code, iid) for iid, tags in zip(new_iids.tolist(), batch.tags) for key, code in tags),
            )
            self._set_counters(seq, self.next_iid + n)
        self.seq, self.next_iid = seq, self.next_iid + n
        return WriteResult(seq, new_iids, list(batch.modalities), np.asarray(old, dtype=np.int64))

    def delete(self, ids: Sequence[str], purge_through: int) -> WriteResult | None:
        """Durably delete the live items among `ids`; None when none of them exists."""
        seq = self.seq + 1
        with storage_guard("looking up items to delete"):
            old = self._live_iids(ids)
        if not old:
            return None
        with self._transaction("deleting items") as conn:
            self._purge(purge_through)
            conn.executemany("UPDATE items SET dead_seq = ? WHERE iid = ?", [(seq, iid) for iid in old])
            self._set_counters(seq, self.next_iid)
        self.seq = seq
        return WriteResult(seq, np.empty(0, dtype=np.int64), [], np.asarray(old, dtype=np.int64))

    def purge_all_dead(self) -> None:
        """Purge every dead row (when no search can still need one, i.e. while opening)."""
        with self._transaction("purging deleted items"):
            self._purge(self.seq)

    def _live_iids(self, ids: Sequence[str]) -> list[int]:
        iids: list[int] = []
        for chunk in _chunks(list(ids)):
            rows = self._writer.execute(
                f"SELECT iid FROM items WHERE dead_seq IS NULL AND id IN ({_placeholders(len(chunk))})", tuple(chunk)
            ).fetchall()
            iids.extend(row[0] for row in rows)
        return iids

    def _purge(self, through: int) -> None:
        conn = self._writer
        dead = conn.execute(
            "SELECT iid FROM items WHERE dead_seq IS NOT NULL AND dead_seq <= ?", (through,)
        ).fetchall()
        if dead:
            conn.executemany("DELETE FROM tags WHERE iid = ?", dead)
            conn.executemany("DELETE FROM vectors WHERE iid = ?", dead)
            conn.executemany("DELETE FROM items WHERE iid = ?", dead)

    def _set_counters(self, seq: int, next_iid: int) -> None:
        self._writer.executemany(
            "UPDATE meta SET value = ? WHERE key = ?", [(str(seq), "seq"), (str(next_iid), "next_iid")]
        )

    def close(self) -> None:
        """Close every connection."""
        with self._readers_lock:
            for conn in self._all_readers:
                conn.close()
            self._all_readers.clear()
            self._readers.clear()
        self._writer.close()
