"""What an index description costs in memory, worked out from the description alone, before anything is built.

`parse_index` reads the factory strings the service supports; `estimate_cost` adds up what such an index
holds: before its first item (IVF lists and their centroids, PQ codebooks, the training set while it
trains) and for each item (its code, its id, HNSW links; an index still waiting for training keeps full
vectors). `check_index_cost` refuses a description over the configured limits, so that a description
such as `IVF10000000,Flat` or `HNSW1000000` is a quick error instead of gigabytes allocated.
The figures are estimates of FAISS's own structures, rounded up; what Python and SQLite add is not counted.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from bindspace.index.config import CollectionSpec, IndexLimits
from bindspace.index.errors import InvalidIndexSpecError

SUPPORTED = ("Flat, HNSW<M>[,<storage>] or IVF<lists>[_HNSW<M>],<storage>, where <storage> is Flat, SQ8, SQ6, "
             "SQ4, SQfp16, SQbf16 or PQ<parts>[x<bits>] (e.g. HNSW32, IVF1024,Flat, IVF1024,PQ64)")

_HNSW = re.compile(r"HNSW(?P<m>\d+)(?:[,_](?P<storage>.+))?")
_IVF = re.compile(r"IVF(?P<lists>\d+)(?:_(?:Flat|HNSW(?P<quantizer_m>\d+)))?,(?P<storage>.+)")
_STORAGE = re.compile(r"Flat|SQ(?:4|6|8|fp16|bf16)|PQ(?P<parts>\d+)(?:x(?P<bits>\d+))?(?:np)?")
_CODE_BITS_PER_COMPONENT = {"Flat": 32, "SQ8": 8, "SQ6": 6, "SQ4": 4, "SQfp16": 16, "SQbf16": 16}
# Measured: an empty IVF index holds about 160 bytes per inverted list before any vector is added.
_BYTES_PER_LIST = 160
_ID_BYTES = 8
# FAISS warns when k-means gets fewer than this many points per centroid; the default training size follows it.
POINTS_PER_CENTROID = 39
MIN_DEFAULT_TRAIN_SIZE = 1_000
_MAX_PQ_BITS = 16


@dataclass(frozen=True)
class IndexShape:
    """The parts of a supported index description that decide its cost."""

    family: str  # flat, hnsw or ivf
    storage: str  # Flat, SQ<n> or PQ
    hnsw_m: int = 0
    lists: int = 0
    quantizer_m: int = 0
    pq_parts: int = 0
    pq_bits: int = 8


@dataclass(frozen=True)
class IndexCost:
    """Estimated bytes of an index: `base` before its first item (training included), `per_item` for each item."""

    base: int
    per_item: int


def parse_index(index: str, dimension: int) -> IndexShape:
    """The shape of `index` for vectors of `dimension`; InvalidIndexSpecError naming the problem in words."""
    text = index.strip()
    hnsw, ivf = (_HNSW.fullmatch(text), _IVF.fullmatch(text)) if len(text) <= 64 else (None, None)
    family = "flat" if text == "Flat" else "hnsw" if hnsw else "ivf" if ivf else ""
    storage_text = ((hnsw or ivf).group("storage") if hnsw or ivf else None) or "Flat"
    storage = _STORAGE.fullmatch(storage_text)
    if not family or storage is None:
        raise InvalidIndexSpecError(f"index {index[:64]!r} is not an index description this service supports; "
                                    f"use {SUPPORTED}")
    shape = IndexShape(
        family, "PQ" if storage_text.startswith("PQ") else storage_text,
        hnsw_m=int(hnsw.group("m")) if hnsw else 0,
        lists=int(ivf.group("lists")) if ivf else 0,
        quantizer_m=int(ivf.group("quantizer_m") or 0) if ivf else 0,
        pq_parts=int(storage.group("parts") or 0),
        pq_bits=int(storage.group("bits") or 8),
    )
    quantizer_m = ivf.group("quantizer_m") if ivf else None
    if family == "hnsw" and shape.hnsw_m < 2 or quantizer_m is not None and shape.quantizer_m < 2:
        raise InvalidIndexSpecError(f"index {index!r}: HNSW needs at least 2 links per vector (HNSW2 or more)")
    if family == "ivf" and shape.lists < 1:
        raise InvalidIndexSpecError(f"index {index!r}: IVF needs at least 1 list (IVF1 or more)")
    if shape.storage == "PQ":
        if shape.pq_parts < 1 or dimension % shape.pq_parts:
            raise InvalidIndexSpecError(
                f"index {index!r}: PQ{shape.pq_parts} splits each vector into {shape.pq_parts} equal parts, so the "
                f"dimension ({dimension}) must be a multiple of {shape.pq_parts}; pick a divisor of {dimension}")
        if not 1 <= shape.pq_bits <= _MAX_PQ_BITS:
            raise InvalidIndexSpecError(
                f"index {index!r}: PQ codes take 1 to {_MAX_PQ_BITS} bits per part, got {shape.pq_bits}")
    return shape


def _code_bytes(shape: IndexShape, dimension: int) -> int:
    if shape.storage == "PQ":
        return math.ceil(shape.pq_parts * shape.pq_bits / 8)
    return math.ceil(dimension * _CODE_BITS_PER_COMPONENT[shape.storage] / 8)


def _hnsw_link_bytes(m: int) -> int:
    """Links of one HNSW node: 2M on the base level, M on each upper level (1/(M-1) of them on average),
    4 bytes each, plus its level and offset entries."""
    return math.ceil(4 * (2 * m + m / (m - 1))) + 12


def training_clusters(shape: IndexShape) -> int:
    """The most centroids any k-means of the index computes (1 when it trains none)."""
    clusters = shape.lists if shape.family == "ivf" else 1
    if shape.storage == "PQ":
        clusters = max(clusters, 2 ** shape.pq_bits)
    return clusters


def needs_training(shape: IndexShape) -> bool:
    """Whether the index must be trained before it holds its items in their final form."""
    return shape.family == "ivf" or shape.storage != "Flat"


def estimate_cost(spec: CollectionSpec) -> IndexCost:
    """The estimated memory of the index `spec` describes."""
    d = spec.dimension
    shape = parse_index(spec.index, d)
    per_item = _code_bytes(shape, d) + _ID_BYTES
    if shape.family == "hnsw":
        per_item += _hnsw_link_bytes(shape.hnsw_m)
    base = 0
    if shape.family == "ivf":
        base += shape.lists * (_BYTES_PER_LIST + 4 * d)
        if shape.quantizer_m:
            base += shape.lists * _hnsw_link_bytes(shape.quantizer_m)
    if shape.storage == "PQ":
        base += 2 ** shape.pq_bits * 4 * d  # the codebooks: 2^bits centroids per part, d/parts floats each
    if needs_training(shape):
        clusters = training_clusters(shape)
        train_size = max(POINTS_PER_CENTROID * clusters, MIN_DEFAULT_TRAIN_SIZE)
        if isinstance(spec.train_size, int) and not isinstance(spec.train_size, bool) and spec.train_size > 0:
            train_size = spec.train_size  # other values are refused by the backend's own checks
        base += train_size * 4 * d  # the training set, copied out of the store while k-means runs
        per_item = max(per_item, 4 * d + _ID_BYTES)  # untrained: items wait in a flat staging index
    return IndexCost(base, per_item)


def _size(n: int) -> str:
    for unit, scale in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= scale:
            return f"{n / scale:.1f} {unit}"
    return f"{n} bytes"


def check_index_cost(spec: CollectionSpec, limits: IndexLimits) -> IndexCost:
    """The cost of `spec`, or InvalidIndexSpecError naming the limit it exceeds."""
    cost = estimate_cost(spec)
    if cost.base > limits.max_index_memory_bytes:
        raise InvalidIndexSpecError(
            f"index {spec.index!r} at dimension {spec.dimension} needs about {_size(cost.base)} before its first "
            f"item (lists, codebooks and training set), over the limit of {_size(limits.max_index_memory_bytes)} "
            "per collection (BINDSPACE_MAX_INDEX_MEMORY_BYTES); use fewer lists, fewer PQ bits or a smaller "
            "train_size")
    if cost.per_item > limits.max_index_item_bytes:
        raise InvalidIndexSpecError(
            f"index {spec.index!r} at dimension {spec.dimension} needs about {_size(cost.per_item)} per item, over "
            f"the limit of {_size(limits.max_index_item_bytes)} per item (BINDSPACE_MAX_INDEX_ITEM_BYTES); "
            "use fewer HNSW links (HNSW16 to HNSW64 are usual)")
    return cost
