"""A bulk import: skip ids already stored, embed the rest in batches (here or on Ray), write each batch,
and report every input that failed as a JSON line `{"file": ..., "reason": ...}`."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from tqdm import tqdm

from bindspace.app.bulk_embedding import EntryEmbedder
from bindspace.app.bulk_sources import Collected, Entry, Failure
from bindspace.index import IndexStoreError, Item

Embedded = tuple[list[tuple[Entry, np.ndarray]], list[Failure]]
_LOOKUP_CHUNK = 1_000


@dataclass(frozen=True)
class ImportSummary:
    """What an import did."""

    stored: int
    already_stored: int
    failed: int
    skipped_unknown: int


def pending(entries: Sequence[Entry], target) -> tuple[list[Entry], int]:
    """The entries whose ids the target does not hold yet (grouped by kind, for full batches), and how
    many it holds already."""
    existing: set[str] = set()
    for start in range(0, len(entries), _LOOKUP_CHUNK):
        existing |= target.existing([entry.id for entry in entries[start:start + _LOOKUP_CHUNK]])
    todo = [entry for entry in entries if entry.id not in existing]
    return sorted(todo, key=lambda entry: entry.kind), len(entries) - len(todo)


def embed_locally(embedder: EntryEmbedder, entries: Sequence[Entry], batch_size: int) -> Iterator[Embedded]:
    """Embedded batches of `entries`, in this process."""
    for start in range(0, len(entries), batch_size):
        yield embedder.embed(entries[start:start + batch_size])


def _write(target, embedded: list[tuple[Entry, np.ndarray]]) -> list[Failure]:
    """Write a batch; when the store refuses it, write item by item so that only bad items fail."""
    items = [Item(entry.id, vector, entry.kind, entry.metadata) for entry, vector in embedded]
    try:
        target.write(items)
        return []
    except IndexStoreError:
        failures = []
        for (entry, _), item in zip(embedded, items, strict=True):
            try:
                target.write([item])
            except IndexStoreError as exc:
                failures.append(Failure(entry.source, f"not stored: {exc}"))
        return failures


def run_import(
    collected: Collected, todo: Sequence[Entry], already: int, target, batches: Iterable[Embedded],
    report: Path, description: str,
) -> ImportSummary:
    """Write `batches` (the embedded `todo`) to `target` with a progress bar (items/s and ETA); failures
    (the collection's and the batches') go to `report`, written only when there are any."""
    failures = list(collected.failures)
    stored = 0
    with tqdm(total=len(todo), unit="item", desc=description, dynamic_ncols=True) as progress:
        for embedded, batch_failures in batches:
            failures += batch_failures
            write_failures = _write(target, embedded) if embedded else []
            failures += write_failures
            stored += len(embedded) - len(write_failures)
            progress.update(len(embedded) + len(batch_failures))
    if failures:
        report.parent.mkdir(parents=True, exist_ok=True)
        report.write_text("".join(failure.to_json() + "\n" for failure in failures), encoding="utf-8")
    return ImportSummary(stored, already, len(failures), len(collected.skipped))
