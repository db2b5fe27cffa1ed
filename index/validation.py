"""Checks on everything that enters the index: names, ids, metadata, vectors and item batches."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from bindspace.index.config import IndexLimits
from bindspace.index.errors import (
    DimensionMismatchError,
    IndexStoreError,
    InvalidFilterError,
    InvalidItemError,
    InvalidNameError,
)
from bindspace.index.filters import tags_for
from bindspace.index.records import Item

COLLECTION_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")
MODALITY_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,31}")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def check_collection_name(name: Any) -> str:
    """Return `name` if it is 1-64 characters of letters, digits, `_` and `-`, starting with a letter or digit."""
    if not isinstance(name, str) or not COLLECTION_NAME.fullmatch(name):
        raise InvalidNameError(
            f"collection name {name!r} is invalid: "
            "use 1-64 letters, digits, '_' or '-', starting with a letter or digit"
        )
    return name


def check_modality(modality: Any) -> str:
    """Return `modality` if it is 1-32 characters of letters, digits, `_` and `-`."""
    if not isinstance(modality, str) or not MODALITY_NAME.fullmatch(modality):
        raise InvalidNameError(
            f"modality {modality!r} is invalid: use 1-32 letters, digits, '_' or '-', starting with a letter or digit"
        )
    return modality


def check_modality_restriction(modalities: str | Iterable[str] | None) -> list[str] | None:
    """The kinds a search or listing is restricted to (None: all); InvalidFilterError when malformed."""
    if modalities is None:
        return None
    names = [modalities] if isinstance(modalities, str) else list(modalities)
    if not names:
        raise InvalidFilterError("the modality restriction lists no modality")
    try:
        return [check_modality(name) for name in names]
    except InvalidNameError as exc:
        raise InvalidFilterError(str(exc)) from exc


def check_item_id(item_id: Any, max_bytes: int) -> str:
    """Return `item_id` if it is a non-empty string without control characters of at most `max_bytes` UTF-8 bytes."""
    if not isinstance(item_id, str) or not item_id:
        raise InvalidItemError(f"item ids must be non-empty strings, got {item_id!r}")
    try:
        size = len(item_id.encode("utf-8"))
    except UnicodeEncodeError as exc:
        raise InvalidItemError(f"item id {item_id!r} is not valid Unicode text") from exc
    if size > max_bytes:
        raise InvalidItemError(f"item id {item_id[:40]!r}... is {size} bytes long; the limit is {max_bytes}")
    if _CONTROL.search(item_id):
        raise InvalidItemError(f"item id {item_id!r} contains control characters")
    return item_id


def check_page_size(limit: Any, most: int) -> int:
    """Return `limit` if it is an integer from 1 to `most`."""
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= most:
        raise InvalidItemError(f"page size (limit) must be an integer from 1 to {most}, got {limit!r}")
    return limit


def nesting_depth(value: Any, stop_after: int) -> int:
    """Levels of nested objects and arrays in `value` (a scalar is 0), counted without recursion; counting
    stops once it passes `stop_after`, so that a hostile value costs no more than the limit allows."""
    deepest = 0
    pending = [(value, 1)]
    while pending:
        node, depth = pending.pop()
        if isinstance(node, Mapping):
            children = node.values()
        elif isinstance(node, (list, tuple)):
            children = node
        else:
            continue
        deepest = max(deepest, depth)
        if deepest > stop_after:
            break
        pending.extend((child, depth + 1) for child in children)
    return deepest


def encode_metadata(metadata: Any, limits: IndexLimits, item_id: str) -> str:
    """Serialize an item's metadata (a JSON object with string keys) and enforce the size and depth limits."""
    if not isinstance(metadata, Mapping):
        raise InvalidItemError(f"metadata of item {item_id!r} must be a JSON object, got {type(metadata).__name__}")
    max_depth, max_bytes = limits.max_metadata_depth, limits.max_metadata_bytes
    if nesting_depth(metadata, max_depth) > max_depth:
        raise InvalidItemError(f"metadata of item {item_id!r} nests objects and arrays more than {max_depth} levels "
                               "deep, the limit; flatten it")
    for key in metadata:
        if not isinstance(key, str):
            raise InvalidItemError(f"metadata keys of item {item_id!r} must be strings, got {key!r}")
    try:
        text = json.dumps(metadata, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    except (TypeError, ValueError) as exc:
        raise InvalidItemError(f"metadata of item {item_id!r} is not JSON-serializable: {exc}") from exc
    try:
        size = len(text.encode("utf-8"))
    except UnicodeEncodeError as exc:
        raise InvalidItemError(f"metadata of item {item_id!r} is not valid Unicode text: {exc}") from exc
    if size > max_bytes:
        raise InvalidItemError(
            f"metadata of item {item_id!r} is {size} bytes as JSON, over the limit of {max_bytes} bytes"
        )
    return text


def as_vectors(
    values: Any,
    dimension: int,
    metric: str,
    what: str,
    error: type[IndexStoreError] = InvalidItemError,
    row_names: Sequence[str] | None = None,
) -> np.ndarray:
    """`values` as a C-contiguous float32 `(n, dimension)` array of finite numbers, L2-normalized for cosine.
    Problems other than the shape raise `error`, naming the row (by `row_names` when given)."""

    def row(i: int) -> str:
        return f"item {row_names[i]!r}" if row_names is not None else f"row {i}"

    with np.errstate(over="ignore", invalid="ignore"):
        try:
            array = np.asarray(values, dtype=np.float32)
        except (TypeError, ValueError) as exc:
            raise error(f"{what} must be numeric arrays: {exc}") from exc
    if array.ndim != 2:
        raise DimensionMismatchError(f"{what} must form an (n, {dimension}) array, got shape {array.shape}")
    if array.shape[1] != dimension:
        raise DimensionMismatchError(f"{what} have dimension {array.shape[1]}; the collection's is {dimension}")
    finite = np.isfinite(array).all(axis=1)
    if not finite.all():
        raise error(f"{what} contain NaN or infinite values ({row(int(np.argmin(finite)))})")
    array = np.ascontiguousarray(array)
    if metric == "cosine":
        norms = np.linalg.norm(array, axis=1)
        if (norms == 0).any():
            raise error(f"{what} contain a zero vector ({row(int(np.argmin(norms)))}), which has no direction")
        array = array / norms[:, None]
    return array


@dataclass(frozen=True)
class PreparedBatch:
    """A validated upsert batch, ready for the store and the vector index."""

    ids: list[str]
    vectors: np.ndarray
    modalities: list[str]
    metadata_json: list[str]
    tags: list[list[tuple[str, str]]]


def prepare_items(items: Sequence[Item], dimension: int, metric: str, limits: IndexLimits) -> PreparedBatch:
    """Validate a batch of items: ids unique within the batch, modalities, metadata and vectors."""
    if isinstance(items, Item) or not isinstance(items, Sequence):
        raise InvalidItemError("upsert takes a sequence of Item")
    if len(items) > limits.max_batch_items:
        raise InvalidItemError(f"a batch holds at most {limits.max_batch_items} items, got {len(items)}")
    ids, modalities, metadata_json, tags, raw_vectors = [], [], [], [], []
    seen: set[str] = set()
    for item in items:
        if not isinstance(item, Item):
            raise InvalidItemError(f"upsert takes Item objects, got {type(item).__name__}")
        item_id = check_item_id(item.id, limits.max_id_bytes)
        if item_id in seen:
            raise InvalidItemError(f"item id {item_id!r} appears twice in one batch")
        seen.add(item_id)
        ids.append(item_id)
        modalities.append(check_modality(item.modality))
        metadata_json.append(encode_metadata(item.metadata, limits, item_id))
        tags.append(tags_for(item.metadata))
        vector = np.asarray(item.vector)
        if vector.shape != (dimension,):
            raise DimensionMismatchError(
                f"item {item_id!r} has a vector of shape {vector.shape}; the collection needs ({dimension},)"
            )
        raw_vectors.append(vector)
    if raw_vectors:
        vectors = as_vectors(np.stack(raw_vectors), dimension, metric, "item vectors", row_names=ids)
    else:
        vectors = np.empty((0, dimension), dtype=np.float32)
    return PreparedBatch(ids, vectors, modalities, metadata_json, tags)
