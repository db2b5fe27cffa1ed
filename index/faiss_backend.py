"""FAISS implementation of `VectorBackend`.

Index families: `Flat` (exact), `HNSW<M>[,storage]` and `IVF<nlist>[_quantizer],<encoding>`, built by
`faiss.index_factory`. Flat and HNSW indexes number their vectors 0..n-1, so they sit inside an
`IndexIDMap` that maps those positions to our int64 ids; IVF indexes store ids themselves.
An index that needs training serves exact search from a staging `Flat` index until `train` is called.
HNSW cannot delete: removed ids stay in the graph, are excluded from every search with an id
selector, and count in `removed_held` so the collection can rebuild.
"""

from __future__ import annotations

import json
import struct
from collections.abc import Mapping
from typing import Any, BinaryIO

import faiss
import numpy as np

from bindspace.index.config import METRICS, CollectionSpec
from bindspace.index.errors import CorruptDataError, InvalidIndexSpecError, InvalidSearchError
from bindspace.index.index_cost import MIN_DEFAULT_TRAIN_SIZE, POINTS_PER_CENTROID, SUPPORTED

_FAISS_METRIC = {"cosine": faiss.METRIC_INNER_PRODUCT, "ip": faiss.METRIC_INNER_PRODUCT, "l2": faiss.METRIC_L2}
_MAX_EF_SEARCH = 1 << 16
MAX_K_FACTOR = 64


def _faiss_message(exc: Exception) -> str:
    text = str(exc)
    return text.split("Error: ", 1)[-1].strip().splitlines()[0] if text else type(exc).__name__


def _build(spec: CollectionSpec) -> faiss.Index:
    """The bare index `spec.index` describes, untrained and empty."""
    try:
        index = faiss.index_factory(spec.dimension, spec.index, _FAISS_METRIC[spec.metric])
    except RuntimeError as exc:
        raise InvalidIndexSpecError(f"index {spec.index!r} cannot be built; use {SUPPORTED}") from exc
    supported = isinstance(index, faiss.IndexFlat | faiss.IndexHNSW | faiss.IndexIVF)
    if not supported or isinstance(index, faiss.IndexIVFFastScan):
        raise InvalidIndexSpecError(f"index {spec.index!r} ({type(index).__name__}) is not supported; use {SUPPORTED}")
    for part in _components(index):
        # Polysemous codes serve a search mode never used here and make PQ training very slow.
        if getattr(part, "do_polysemous_training", False):
            part.do_polysemous_training = False
    return index


def _components(bare: faiss.Index) -> list[faiss.Index]:
    """`bare` and, for HNSW, its vector storage."""
    if isinstance(bare, faiss.IndexHNSW):
        return [bare, faiss.downcast_index(bare.storage)]
    return [bare]


def _kind(bare: faiss.Index) -> str:
    if isinstance(bare, faiss.IndexIVF):
        return "ivf"
    return "hnsw" if isinstance(bare, faiss.IndexHNSW) else "flat"


def _training_clusters(bare: faiss.Index) -> int:
    """The most centroids any k-means inside `bare` computes (1 when it trains none)."""
    clusters = 1
    for part in _components(bare):
        if isinstance(part, faiss.IndexIVF):
            clusters = max(clusters, part.nlist)
        pq = getattr(part, "pq", None)
        if pq is not None:
            clusters = max(clusters, pq.ksub)
    return clusters


def _wrap(bare: faiss.Index) -> faiss.Index:
    return bare if isinstance(bare, faiss.IndexIVF) else faiss.IndexIDMap(bare)


def _staging(spec: CollectionSpec) -> faiss.Index:
    return faiss.IndexIDMap(faiss.IndexFlat(spec.dimension, _FAISS_METRIC[spec.metric]))


def _bitmap_selector(allowed: np.ndarray) -> tuple[faiss.IDSelector, np.ndarray]:
    """A bitmap selector of the sorted ids `allowed`, with the buffer it points into (keep both alive)."""
    mask = np.zeros(int(allowed[-1]) + 1 if len(allowed) else 1, dtype=bool)
    mask[allowed] = True
    bits = np.packbits(mask, bitorder="little")
    return faiss.IDSelectorBitmap(len(bits), faiss.swig_ptr(bits)), bits


def _read_exact(stream: BinaryIO, n: int) -> bytes:
    data = stream.read(n)
    if len(data) != n:
        raise CorruptDataError("index snapshot is truncated")
    return data


class FaissBackend:
    """A FAISS index keyed by int64 ids (see the module docstring)."""

    def __init__(
        self, spec: CollectionSpec, index: faiss.Index, staging: faiss.Index | None, removed: np.ndarray
    ) -> None:
        self._spec = spec
        self._index = index
        self._staging = staging
        self._staging_flat = faiss.downcast_index(staging.index) if staging is not None else None
        self._bare = faiss.downcast_index(index.index) if isinstance(index, faiss.IndexIDMap) else index
        self._kind = _kind(self._bare)
        self._removed = removed
        self._refresh_removed_selector()

    @property
    def _active(self) -> faiss.Index:
        """The index that currently holds the vectors."""
        return self._staging if self._staging is not None else self._index

    # -- properties ----------------------------------------------------------------------------------

    @property
    def ntotal(self) -> int:
        if self._staging is not None:
            return int(self._staging.ntotal)
        return int(self._index.ntotal) - len(self._removed)

    @property
    def removed_held(self) -> int:
        return len(self._removed)

    @property
    def is_trained(self) -> bool:
        return self._staging is None

    @property
    def train_size(self) -> int:
        if self._index.is_trained:
            return 0
        if self._spec.train_size is not None:
            return self._spec.train_size
        return max(POINTS_PER_CENTROID * _training_clusters(self._bare), MIN_DEFAULT_TRAIN_SIZE)

    @property
    def is_exact(self) -> bool:
        return self._staging is not None or self._kind == "flat"

    # -- mutation ------------------------------------------------------------------------------------

    def train(self, vectors: np.ndarray) -> None:
        if self._staging is None or self._staging.ntotal:
            raise ValueError("train needs an empty, untrained index")
        self._index.train(vectors)
        self._staging = self._staging_flat = None

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        if len(ids):
            self._active.add_with_ids(vectors, ids)

    def remove(self, ids: np.ndarray) -> None:
        if not len(ids):
            return
        if self._staging is not None:
            self._staging.remove_ids(faiss.IDSelectorBatch(ids))
        elif self._kind == "hnsw":
            self._removed = np.union1d(self._removed, ids)
            self._refresh_removed_selector()
        else:
            self._index.remove_ids(faiss.IDSelectorBatch(ids))

    def _refresh_removed_selector(self) -> None:
        self._removed_batch = faiss.IDSelectorBatch(self._removed) if len(self._removed) else None
        self._removed_selector = faiss.IDSelectorNot(self._removed_batch) if len(self._removed) else None

    # -- reading -------------------------------------------------------------------------------------

    def ids(self) -> np.ndarray:
        if self._staging is not None:
            return faiss.vector_to_array(self._staging.id_map).astype(np.int64)
        if self._kind != "ivf":
            ids = faiss.vector_to_array(self._index.id_map).astype(np.int64)
            return np.setdiff1d(ids, self._removed, assume_unique=True) if len(self._removed) else ids
        invlists = self._index.invlists
        parts = [np.empty(0, dtype=np.int64)]
        for list_no in range(self._index.nlist):
            size = invlists.list_size(list_no)
            if size:
                pointer = invlists.get_ids(list_no)
                parts.append(faiss.rev_swig_ptr(pointer, size).copy())
                invlists.release_ids(list_no, pointer)
        return np.concatenate(parts)

    def check_params(self, params: Mapping[str, Any] | None) -> dict[str, Any]:
        ranges = {
            "ivf": {"nprobe": (1, self._bare.nlist if self._kind == "ivf" else 0), "k_factor": (1, MAX_K_FACTOR)},
            "hnsw": {"efSearch": (1, _MAX_EF_SEARCH), "k_factor": (1, MAX_K_FACTOR)},
            "flat": {},
        }[self._kind]
        checked: dict[str, Any] = {}
        for key, value in (params or {}).items():
            if key not in ranges:
                accepted = ", ".join(ranges) or "none"
                raise InvalidSearchError(
                    f"unknown search parameter {key!r} for a {self._kind} index (accepted: {accepted})"
                )
            low, high = ranges[key]
            if isinstance(value, bool) or not isinstance(value, int | np.integer) or not low <= value <= high:
                raise InvalidSearchError(
                    f"search parameter {key} must be an integer from {low} to {high}, got {value!r}"
                )
            checked[key] = int(value)
        return checked

    def search(
        self, queries: np.ndarray, k: int, *, allowed: np.ndarray | None = None, params: Mapping[str, Any] | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        params = params or {}
        selector, bits = None, None
        if allowed is not None:
            selector, bits = _bitmap_selector(allowed)
        elif self._staging is None:
            selector = self._removed_selector
        if self._staging is not None or self._kind == "flat":
            search_params = faiss.SearchParameters() if selector is not None else None
        elif self._kind == "ivf":
            search_params = faiss.SearchParametersIVF()
            search_params.nprobe = params.get("nprobe", self._bare.nprobe)
        else:
            search_params = faiss.SearchParametersHNSW()
            search_params.efSearch = params.get("efSearch", self._bare.hnsw.efSearch)
        # Search inside the id map and translate positions here: the same FAISS code path as a bare
        # index, without IndexIDMap's extra parallel section per search.
        target, id_map = self._search_target()
        translated = None
        if selector is not None:
            if id_map is not None:
                selector = translated = faiss.IDSelectorTranslated(id_map, selector)
            search_params.sel = selector
        scores, labels = target.search(queries, k, params=search_params)
        del bits, translated
        if id_map is None:
            return scores, labels
        table = faiss.rev_swig_ptr(id_map.data(), id_map.size())
        found = labels >= 0
        ids = np.full_like(labels, -1)
        ids[found] = table[labels[found]]
        return scores, ids

    def _search_target(self) -> tuple[faiss.Index, Any]:
        """The index to search and the id map translating its positions (None when it stores ids)."""
        if self._staging is not None:
            return self._staging_flat, self._staging.id_map
        if self._kind == "ivf":
            return self._index, None
        return self._bare, self._index.id_map

    # -- persistence ---------------------------------------------------------------------------------

    def save(self, stream: BinaryIO) -> None:
        header = json.dumps({"staging": self._staging is not None, "removed": len(self._removed)}).encode()
        stream.write(struct.pack("<I", len(header)))
        stream.write(header)
        stream.write(self._removed.astype("<i8").tobytes())
        writer = faiss.PyCallbackIOWriter(stream.write)
        faiss.write_index(self._active, writer)
        del writer


class FaissBackendFactory:
    """Creates and loads `FaissBackend`s."""

    def check_spec(self, spec: CollectionSpec) -> None:
        if spec.metric not in METRICS:
            raise InvalidIndexSpecError(f"metric {spec.metric!r} is not one of {', '.join(METRICS)}")
        bare = _build(spec)
        if spec.train_size is not None:
            if bare.is_trained:
                raise InvalidIndexSpecError(f"index {spec.index!r} needs no training; leave train_size unset")
            minimum = _training_clusters(bare)
            if isinstance(spec.train_size, bool) or not isinstance(spec.train_size, int) or spec.train_size < minimum:
                raise InvalidIndexSpecError(
                    f"train_size for {spec.index!r} must be an integer of at least {minimum}, got {spec.train_size!r}"
                )
        try:
            self.create(spec).check_params(spec.search_params)
        except InvalidSearchError as exc:
            raise InvalidIndexSpecError(f"default search parameters: {exc}") from exc

    def create(self, spec: CollectionSpec) -> FaissBackend:
        index = _wrap(_build(spec))
        staging = None if index.is_trained else _staging(spec)
        return FaissBackend(spec, index, staging, np.empty(0, dtype=np.int64))

    def load(self, spec: CollectionSpec, stream: BinaryIO) -> FaissBackend:
        (size,) = struct.unpack("<I", _read_exact(stream, 4))
        try:
            header = json.loads(_read_exact(stream, size))
            n_removed = int(header["removed"])
            staged = bool(header["staging"])
        except (ValueError, KeyError, TypeError) as exc:
            raise CorruptDataError(f"index snapshot header is unreadable: {exc}") from exc
        removed = np.frombuffer(_read_exact(stream, 8 * n_removed), dtype="<i8").astype(np.int64)
        try:
            loaded = faiss.read_index(faiss.PyCallbackIOReader(stream.read))
        except RuntimeError as exc:
            raise CorruptDataError(f"index snapshot is unreadable: {_faiss_message(exc)}") from exc
        expected = _staging(spec) if staged else _wrap(_build(spec))
        if not _same_layout(loaded, expected):
            raise CorruptDataError(f"index snapshot does not match the collection's index {spec.index!r}")
        if staged:
            return FaissBackend(spec, _wrap(_build(spec)), loaded, removed)
        return FaissBackend(spec, loaded, None, removed)


def _same_layout(loaded: faiss.Index, expected: faiss.Index) -> bool:
    """Same id mapping, index family, dimension, metric, list count and code size."""

    def layout(index: faiss.Index) -> tuple:
        inner = faiss.downcast_index(index.index) if isinstance(index, faiss.IndexIDMap) else index
        return (isinstance(index, faiss.IndexIDMap), _kind(inner), index.d, index.metric_type,
                getattr(inner, "nlist", None), getattr(inner, "code_size", None))

    return layout(faiss.downcast_index(loaded)) == layout(expected)
