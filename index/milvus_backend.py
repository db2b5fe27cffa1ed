"""Collections stored in Milvus (a server, a cluster, or Milvus Lite), with the same API as `Database`.

Milvus holds everything: each bindspace collection is one Milvus collection `bs_<name>` whose rows are
`id` (primary key), `modality`, `metadata` (JSON, returned as stored), the filter shadows of
filter_milvus.py and `vector`; the collection spec is kept as JSON in the collection property `bindspace.spec`. No
state lives in the bindspace process, so any number of processes may serve one Milvus.

Consistency and durability: collections use consistency level Strong, so a read through any client sees
every write that was acknowledged before it began. A Milvus server acknowledges a write once it is in
its write-ahead log, so it survives the death of the bindspace process that sent it. With an embedded
Milvus Lite (a local file URI) the bindspace process is the database, so every write is flushed before
it is acknowledged (`flush_each_write`, on by default for file URIs).
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from types import TracebackType
from typing import Any

import numpy as np
from pymilvus import DataType, MilvusClient, MilvusException

from bindspace.index.config import METRICS, CollectionSpec, IndexLimits, MaintenanceConfig
from bindspace.index.errors import (
    BackendUnavailableError,
    CollectionExistsError,
    CollectionNotFoundError,
    CorruptDataError,
    DatabaseClosedError,
    InvalidIndexSpecError,
    InvalidItemError,
    InvalidSearchError,
    ItemNotFoundError,
)
from bindspace.index.exact import exact_top_k
from bindspace.index.filter_language import parse
from bindspace.index.filter_milvus import HASH_LENGTH, shadow_fields, string_literal, to_expression
from bindspace.index.records import (
    CollectionInfo,
    CollectionStats,
    Hit,
    Item,
    ItemInfo,
    Page,
    merge_metadata,
)
from bindspace.index.validation import (
    as_vectors,
    check_collection_name,
    check_item_id,
    check_modality_restriction,
    check_page_size,
    prepare_items,
)

PREFIX = "bs_"
_SPEC_PROPERTY = "bindspace.spec"
MAX_TAGS = 1024
MAX_ELEMENTS = 4096
_MILVUS_METRIC = {"cosine": "COSINE", "ip": "IP", "l2": "L2"}
_FLAT = re.compile(r"Flat")
_HNSW = re.compile(r"HNSW(\d+)(?:,Flat)?")
_IVF = re.compile(r"IVF(\d+),(Flat|SQ8|PQ(\d+))")
_OUTPUT = ["id", "modality", "metadata"]
_EXACT_CHUNK = 4096
_MAX_EF = 1 << 16
_MAX_K_FACTOR = 64
_COLLECTION_NOT_FOUND = 100


def milvus_index(spec: CollectionSpec) -> tuple[str, dict[str, Any]]:
    """The Milvus index type and build parameters for a FAISS-style factory string."""
    if _FLAT.fullmatch(spec.index):
        return "FLAT", {}
    if match := _HNSW.fullmatch(spec.index):
        return "HNSW", {"M": int(match[1]), "efConstruction": 200}
    if match := _IVF.fullmatch(spec.index):
        nlist = int(match[1])
        if match[2] == "Flat":
            return "IVF_FLAT", {"nlist": nlist}
        if match[2] == "SQ8":
            return "IVF_SQ8", {"nlist": nlist}
        m = int(match[3])
        if spec.dimension % m:
            raise InvalidIndexSpecError(f"index {spec.index!r}: PQ{m} needs a dimension divisible by {m}")
        return "IVF_PQ", {"nlist": nlist, "m": m, "nbits": 8}
    raise InvalidIndexSpecError(
        f"index {spec.index!r} has no Milvus equivalent; use Flat, HNSW<M>, IVF<nlist>,Flat, IVF<nlist>,SQ8 "
        "or IVF<nlist>,PQ<m>"
    )


def _milvus_name(name: str) -> str:
    # Milvus names allow letters, digits and '_' only; '_' escapes itself and '-' so the mapping is one-to-one.
    return PREFIX + name.replace("_", "__").replace("-", "_d")


def _unavailable(exc: Exception) -> BackendUnavailableError:
    return BackendUnavailableError(f"Milvus failed: {getattr(exc, 'message', None) or exc}")


class _NoMedia:
    """The preview media of a Milvus collection: none (previews are files in a FAISS data directory)."""

    def get(self, item_id: str) -> None:
        return None


class MilvusCollection:
    """Items of one dimension and metric in a Milvus collection. Thread-safe. Obtain it from `MilvusDatabase`."""

    def __init__(self, client: MilvusClient, spec: CollectionSpec, limits: IndexLimits, flush_each_write: bool) -> None:
        self._client = client
        self.spec = spec
        self.name = spec.name
        self._table = _milvus_name(spec.name)
        self._limits = limits
        self._flush = flush_each_write
        self._index_type, _ = milvus_index(spec)
        self.media = _NoMedia()

    # -- writes --------------------------------------------------------------------------------------

    def upsert(self, items: Sequence[Item], media: Mapping[str, Any] | None = None) -> None:
        """Add the items, replacing any existing item with the same id; acknowledged means durable.
        Milvus collections keep no preview media."""
        if media:
            raise InvalidItemError(f"collection {self.name!r} is in Milvus, which keeps no preview media")
        batch = prepare_items(items, self.spec.dimension, self.spec.metric, self._limits)
        if not batch.ids:
            return
        rows = []
        for item_id, modality, metadata_json, vector in zip(batch.ids, batch.modalities, batch.metadata_json,
                                                            batch.vectors, strict=True):
            metadata = json.loads(metadata_json)
            shadows = shadow_fields(metadata)
            if len(shadows["tags"]) > MAX_TAGS or len(shadows["elements"]) > MAX_ELEMENTS:
                raise InvalidItemError(f"metadata of item {item_id!r} has more than {MAX_TAGS} scalar fields or "
                                       f"{MAX_ELEMENTS} array elements, the Milvus backend's limits")
            rows.append({"id": item_id, "modality": modality, "metadata": metadata, **shadows,
                         "vector": vector.tolist()})
        self._call(self._client.upsert, self._table, rows)
        self._durable()

    def update_metadata(self, item_id: str, patch: Mapping[str, Any]) -> Item:
        """Merge `patch` into an item's metadata (a null value removes the key); its vector and modality stay.
        Concurrent updates of one item through different processes: the last one wins."""
        current = self.get_item(item_id)
        item = Item(current.id, current.vector, current.modality, merge_metadata(current.metadata, patch))
        self.upsert([item])
        return item

    def delete(self, ids: Sequence[str]) -> int:
        """Delete the items with these ids (unknown ids are ignored); returns how many existed."""
        ids = self._check_ids(ids)
        if not ids:
            return 0
        present = [row["id"] for row in self._call(self._client.get, self._table, ids=ids, output_fields=["id"])]
        if present:
            self._call(self._client.delete, self._table, ids=present)
            self._durable()
        return len(present)

    def _durable(self) -> None:
        if self._flush:
            self._call(self._client.flush, self._table)

    # -- reads ---------------------------------------------------------------------------------------

    def get(self, ids: Sequence[str]) -> list[Item | None]:
        """The items with these ids, in order; None where there is none."""
        ids = self._check_ids(ids)
        if not ids:
            return []
        rows = self._call(self._client.get, self._table, ids=ids, output_fields=[*_OUTPUT, "vector"])
        found = {row["id"]: row for row in rows}
        return [None if (row := found.get(i)) is None else
                Item(i, np.asarray(row["vector"], dtype=np.float32), row["modality"], row["metadata"]) for i in ids]

    def get_item(self, item_id: str) -> Item:
        """The item with this id; `ItemNotFoundError` when there is none."""
        item = self.get([item_id])[0]
        if item is None:
            raise ItemNotFoundError(f"collection {self.name!r} has no item {item_id!r}")
        return item

    def count(self, modality: str | None = None) -> int:
        """Number of items, of one modality or all."""
        expression = "" if modality is None else f"modality == {string_literal(modality)}"
        return self._count(expression)

    def _count(self, expression: str) -> int:
        rows = self._call(self._client.query, self._table, filter=expression, output_fields=["count(*)"])
        return int(rows[0]["count(*)"])

    def counts_by_modality(self) -> dict[str, int]:
        """Number of items per modality (a scan of the modality field)."""
        counts: dict[str, int] = {}
        for rows in self._scan("", ["modality"], 16_384):
            for row in rows:
                counts[row["modality"]] = counts.get(row["modality"], 0) + 1
        return dict(sorted(counts.items()))

    def info(self) -> CollectionInfo:
        """Definition and size."""
        counts = self.counts_by_modality()
        return CollectionInfo(self.name, self.spec.dimension, self.spec.metric, self.spec.index,
                              sum(counts.values()), counts, self.spec.media)

    def stats(self) -> CollectionStats:
        """Milvus keeps no snapshots or sequence numbers here: counts only."""
        n = self.count()
        return CollectionStats(seq=-1, snapshot_seq=-1, index_count=n, store_count=n, trained=True, removed_held=0,
                               maintenance_error=None)

    def list_items(
        self,
        *,
        filter: Mapping[str, Any] | None = None,
        modalities: str | Iterable[str] | None = None,
        limit: int = 100,
        cursor: str | None = None,
    ) -> Page:
        """One page of items in id order, restricted like `search`; `next_cursor` continues it."""
        limit = check_page_size(limit, self._limits.max_page_items)
        clauses = [] if cursor is None else [f"id > {string_literal(check_item_id(cursor, self._limits.max_id_bytes))}"]
        expression = self._expression(filter, modalities)
        if expression:
            clauses.append(f"({expression})")
        rows = next(self._scan(" and ".join(clauses), _OUTPUT, limit + 1, limit=limit + 1), [])
        items = [ItemInfo(row["id"], row["modality"], row["metadata"]) for row in rows[:limit]]
        return Page(items, items[-1].id if len(rows) > limit else None)

    def _scan(self, expression: str, fields: list[str], batch_size: int, limit: int = -1) -> Iterator[list[dict]]:
        """Matching rows in primary-key order, a batch at a time."""
        try:
            iterator = self._client.query_iterator(self._table, batch_size=batch_size, limit=limit,
                                                   filter=expression, output_fields=fields)
        except MilvusException as exc:
            raise _unavailable(exc) from exc
        try:
            while rows := self._call(iterator.next):
                yield rows
        finally:
            iterator.close()

    def search(
        self,
        queries: Any,
        k: int,
        *,
        modalities: str | Iterable[str] | None = None,
        filter: Mapping[str, Any] | None = None,
        params: Mapping[str, Any] | None = None,
    ) -> list[list[Hit]]:
        """The `k` nearest items to each query row, best first, as `Collection.search`. When Milvus's
        approximate search comes back short of `k` although more items match, it is repeated with four
        times the search width, and if still short the matching items are searched exactly."""
        if isinstance(k, bool) or not isinstance(k, int | np.integer) or not 1 <= k <= self._limits.max_k:
            raise InvalidSearchError(f"k must be an integer from 1 to {self._limits.max_k}, got {k!r}")
        vectors = as_vectors(queries, self.spec.dimension, self.spec.metric, "queries", InvalidSearchError)
        if len(vectors) > self._limits.max_queries:
            raise InvalidSearchError(f"at most {self._limits.max_queries} queries per search, got {len(vectors)}")
        expression = self._expression(filter, modalities)
        search_params = self._check_params({**self.spec.search_params, **(params or {})})
        k_factor = search_params.pop("k_factor", 1)
        if k * k_factor > self._limits.max_rerank_candidates:
            raise InvalidSearchError(f"k * k_factor must be at most {self._limits.max_rerank_candidates}, got "
                                     f"{k} * {k_factor}")
        if not len(vectors):
            return []
        results = self._search(vectors, int(k), k_factor, expression, search_params)
        short = [i for i, hits in enumerate(results) if len(hits) < k]
        if not short:
            return results
        wanted = min(int(k), self._count(expression))
        short = [i for i in short if len(results[i]) < wanted]
        if short:
            # A graph or probed lists can strand a (filtered) search: widen it once, then search exactly.
            wider = self._search(vectors[short], int(k), k_factor, expression, self._widened(search_params))
            for i, hits in zip(short, wider):
                if len(hits) > len(results[i]):
                    results[i] = hits
            short = [i for i in short if len(results[i]) < wanted]
        if short:
            for i, hits in zip(short, self._exact(vectors[short], wanted, expression)):
                if len(hits) > len(results[i]):
                    results[i] = hits
        return results

    def _search(self, vectors: np.ndarray, k: int, k_factor: int, expression: str,
                search_params: dict[str, Any]) -> list[list[Hit]]:
        rows = self._call(self._client.search, self._table, data=vectors.tolist(), limit=k * k_factor,
                          filter=expression, search_params={"params": search_params},
                          output_fields=_OUTPUT + (["vector"] if k_factor > 1 else []))
        results = [[self._hit(row) for row in found] for found in rows]
        if k_factor > 1:
            results = [self._rerank(query, found, row, k) for query, found, row in zip(vectors, results, rows)]
        return results

    def _widened(self, search_params: dict[str, Any]) -> dict[str, Any]:
        if self._index_type == "HNSW":
            return {**search_params, "ef": min(_MAX_EF, 4 * search_params.get("ef", 64))}
        if self._index_type.startswith("IVF"):
            nlist = milvus_index(self.spec)[1]["nlist"]
            return {**search_params, "nprobe": min(nlist, 4 * search_params.get("nprobe", 8))}
        return search_params

    def _hit(self, row: dict) -> Hit:
        entity = row["entity"]
        return Hit(entity["id"], float(row["distance"]), entity["modality"], entity["metadata"])

    def _rerank(self, query: np.ndarray, hits: list[Hit], rows: list[dict], k: int) -> list[Hit]:
        if not hits:
            return []
        stored = np.asarray([row["entity"]["vector"] for row in rows], dtype=np.float32)
        scores, positions = exact_top_k(query[None], [(np.arange(len(hits)), stored)], min(k, len(hits)),
                                        self.spec.metric)
        return [Hit(hits[p].id, float(s), hits[p].modality, hits[p].metadata)
                for s, p in zip(scores[0], positions[0]) if p >= 0]

    def _exact(self, queries: np.ndarray, k: int, expression: str) -> list[list[Hit]]:
        """Exact search over the stored vectors of the matching items."""
        entries: list[tuple[str, str, dict]] = []

        def chunks() -> Iterator[tuple[np.ndarray, np.ndarray]]:
            for rows in self._scan(expression, [*_OUTPUT, "vector"], _EXACT_CHUNK):
                start = len(entries)
                entries.extend((row["id"], row["modality"], row["metadata"]) for row in rows)
                yield np.arange(start, len(entries)), np.asarray([row["vector"] for row in rows], dtype=np.float32)

        scores, positions = exact_top_k(queries, chunks(), k, self.spec.metric)
        return [[Hit(entries[p][0], float(s), entries[p][1], entries[p][2]) for s, p in zip(row_s, row_p) if p >= 0]
                for row_s, row_p in zip(scores.tolist(), positions.tolist())]

    def _expression(self, filter: Mapping[str, Any] | None, modalities: str | Iterable[str] | None) -> str:
        clauses = []
        names = check_modality_restriction(modalities)
        if names is not None:
            clauses.append(f"modality in [{', '.join(string_literal(name) for name in names)}]")
        tree = parse(filter, self._limits.max_filter_values)
        if tree is not None:
            clauses.append(f"({to_expression(tree)})")
        return " and ".join(clauses)

    def _check_params(self, params: Mapping[str, Any]) -> dict[str, Any]:
        """Milvus search parameters from bindspace's: nprobe (IVF), efSearch (HNSW, Milvus's ef), k_factor."""
        ranges = {"k_factor": (1, _MAX_K_FACTOR)}
        if self._index_type.startswith("IVF"):
            ranges["nprobe"] = (1, milvus_index(self.spec)[1]["nlist"])
        elif self._index_type == "HNSW":
            ranges["efSearch"] = (1, _MAX_EF)
        else:
            ranges = {}
        checked: dict[str, Any] = {}
        for key, value in params.items():
            if key not in ranges:
                raise InvalidSearchError(f"unknown search parameter {key!r} for a {self._index_type} index "
                                         f"(accepted: {', '.join(ranges) or 'none'})")
            low, high = ranges[key]
            if isinstance(value, bool) or not isinstance(value, int | np.integer) or not low <= value <= high:
                raise InvalidSearchError(f"search parameter {key} must be an integer from {low} to {high}, got {value!r}")
            checked["ef" if key == "efSearch" else key] = int(value)
        return checked

    # -- lifecycle and checks ------------------------------------------------------------------------

    def checkpoint(self) -> None:
        """Flush the collection's growing segments (writes are durable without it)."""
        self._call(self._client.flush, self._table)

    def close(self, *, checkpoint: bool = True) -> None:
        """Nothing to release: the client belongs to the database."""

    def _call(self, function, *args, **kwargs):
        try:
            return function(*args, **kwargs)
        except MilvusException as exc:
            if exc.code == _COLLECTION_NOT_FOUND:
                raise DatabaseClosedError(f"collection {self.name!r} was dropped") from exc
            raise _unavailable(exc) from exc

    def _check_ids(self, ids: Sequence[str]) -> list[str]:
        if isinstance(ids, str) or not isinstance(ids, Sequence):
            raise InvalidItemError("ids must be a list of strings")
        if len(ids) > self._limits.max_batch_items:
            raise InvalidItemError(f"at most {self._limits.max_batch_items} ids per call, got {len(ids)}")
        return list(dict.fromkeys(check_item_id(item_id, self._limits.max_id_bytes) for item_id in ids))


class MilvusDatabase:
    """The collections of one Milvus; thread-safe; a context manager. `uri`: `http://host:port` for a
    server, or a local file path for an embedded Milvus Lite. `maintenance` is accepted for the same
    signature as `Database` and unused: Milvus builds and compacts its indexes itself."""

    def __init__(
        self,
        uri: str,
        *,
        token: str = "",
        limits: IndexLimits | None = None,
        maintenance: MaintenanceConfig | None = None,
        flush_each_write: bool | None = None,
    ) -> None:
        self.uri = uri
        self._limits = limits or IndexLimits()
        self._flush = (not uri.startswith(("http://", "https://", "tcp://"))) if flush_each_write is None \
            else flush_each_write
        self._mutex = threading.Lock()
        self._collections: dict[str, MilvusCollection] = {}
        self._closed = False
        try:
            self._client = MilvusClient(uri, token=token)
        except MilvusException as exc:
            raise _unavailable(exc) from exc

    def _call(self, function, *args, **kwargs):
        try:
            return function(*args, **kwargs)
        except MilvusException as exc:
            raise _unavailable(exc) from exc

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
    ) -> MilvusCollection:
        """Create an empty collection (see `Database.create_collection`). `train_size` is checked as for
        FAISS but unused: Milvus trains IVF indexes itself when it builds a segment's index."""
        self._check_open()
        check_collection_name(name)
        most = self._limits.max_dimension
        if isinstance(dimension, bool) or not isinstance(dimension, int) or not 1 <= dimension <= most:
            raise InvalidIndexSpecError(f"dimension must be an integer from 1 to {most}, got {dimension!r}")
        if metric not in METRICS:
            raise InvalidIndexSpecError(f"metric {metric!r} is not one of {', '.join(METRICS)}")
        if not isinstance(index, str):
            raise InvalidIndexSpecError(f"index must be a factory string such as 'Flat', got {index!r}")
        if media != "none":
            raise InvalidIndexSpecError(f"media {media!r}: Milvus collections keep no preview media; use 'none'")
        spec = CollectionSpec(name, dimension, metric, index, train_size, dict(search_params or {}))
        index_type, build_params = milvus_index(spec)
        if train_size is not None:
            if not index_type.startswith("IVF"):
                raise InvalidIndexSpecError(f"index {index!r} needs no training; leave train_size unset")
            nlist = build_params["nlist"]
            if isinstance(train_size, bool) or not isinstance(train_size, int) or train_size < nlist:
                raise InvalidIndexSpecError(
                    f"train_size for {index!r} must be an integer of at least {nlist}, got {train_size!r}")
        probe = MilvusCollection(self._client, spec, self._limits, self._flush)
        try:
            probe._check_params(spec.search_params)
        except InvalidSearchError as exc:
            raise InvalidIndexSpecError(f"default search parameters: {exc}") from exc
        schema = self._client.create_schema(auto_id=False, enable_dynamic_field=False)
        schema.add_field("id", DataType.VARCHAR, is_primary=True, max_length=self._limits.max_id_bytes)
        schema.add_field("modality", DataType.VARCHAR, max_length=32)
        schema.add_field("metadata", DataType.JSON)
        schema.add_field("tags", DataType.ARRAY, element_type=DataType.VARCHAR, max_capacity=MAX_TAGS,
                         max_length=HASH_LENGTH)
        schema.add_field("elements", DataType.ARRAY, element_type=DataType.VARCHAR, max_capacity=MAX_ELEMENTS,
                         max_length=HASH_LENGTH)
        schema.add_field("numbers", DataType.JSON)
        schema.add_field("vector", DataType.FLOAT_VECTOR, dim=dimension)
        index_params = self._client.prepare_index_params()
        index_params.add_index("vector", index_type=index_type, metric_type=_MILVUS_METRIC[metric],
                               params=build_params)
        with self._mutex:
            table = _milvus_name(name)
            if self._call(self._client.has_collection, table):
                raise CollectionExistsError(f"collection {name!r} already exists")
            self._call(self._client.create_collection, table, schema=schema, index_params=index_params,
                       consistency_level="Strong")
            self._call(self._client.alter_collection_properties, table,
                       properties={_SPEC_PROPERTY: json.dumps(spec.to_dict())})
            self._collections[name] = probe
            return probe

    def drop_collection(self, name: str) -> None:
        """Delete a collection and all its items."""
        self._check_open()
        check_collection_name(name)
        with self._mutex:
            table = _milvus_name(name)
            if not self._call(self._client.has_collection, table):
                raise CollectionNotFoundError(f"collection {name!r} does not exist")
            self._call(self._client.drop_collection, table)
            self._collections.pop(name, None)

    def get_collection(self, name: str) -> MilvusCollection:
        """The collection called `name` (also one another process created)."""
        self._check_open()
        check_collection_name(name)
        with self._mutex:
            known = self._collections.get(name)
            table = _milvus_name(name)
            if not self._call(self._client.has_collection, table):
                self._collections.pop(name, None)
                raise CollectionNotFoundError(f"collection {name!r} does not exist")
            if known is not None:
                return known
            spec = self._spec(table)
            self._call(self._client.load_collection, table)
            collection = self._collections[name] = MilvusCollection(self._client, spec, self._limits, self._flush)
            return collection

    def _spec(self, table: str) -> CollectionSpec:
        properties = self._call(self._client.describe_collection, table).get("properties", {})
        try:
            return CollectionSpec.from_dict(json.loads(properties[_SPEC_PROPERTY]))
        except (ValueError, KeyError, TypeError) as exc:
            raise CorruptDataError(f"Milvus collection {table} has no bindspace definition: {exc}") from exc

    def list_collections(self) -> list[CollectionInfo]:
        """Every bindspace collection in this Milvus with its size, by name."""
        self._check_open()
        names = []
        for table in self._call(self._client.list_collections):
            if table.startswith(PREFIX):
                names.append(self._spec(table).name)
        return [self.get_collection(name).info() for name in sorted(names)]

    def close(self) -> None:
        """Close the connection; idempotent."""
        with self._mutex:
            if not self._closed:
                self._closed = True
                self._collections.clear()
                self._client.close()

    def _check_open(self) -> None:
        if self._closed:
            raise DatabaseClosedError(f"database {self.uri} is closed")

    def __enter__(self) -> MilvusDatabase:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
