"""Bulk embedding on a Ray cluster: Ray Data reads and preprocesses the entries in parallel, each worker
embeds its batches with the encoder, and the embedded batches stream back to the importing process,
which writes them to the collection.

Workers read the files themselves, so on a cluster of several machines the paths must be visible to
every worker (a shared file system); the BINDSPACE_* settings of the importing process go to the workers.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Sequence
from dataclasses import asdict

import numpy as np

from bindspace.app.bulk_embedding import EntryEmbedder
from bindspace.app.bulk_import import Embedded
from bindspace.app.bulk_sources import Entry, Failure
from bindspace.engine.settings import settings_from_env


class _EmbedBatches:
    """A Ray Data actor: the model loaded once, then batches of entry rows in, embedded rows out."""

    def __init__(self) -> None:
        self.embedder = EntryEmbedder(settings_from_env())

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        entries = [_entry(*row) for row in
                   zip(batch["id"], batch["kind"], batch["path"], batch["text"], batch["metadata"], strict=True)]
        embedded, failures = self.embedder.embed(entries)
        vectors = {entry.id: vector for entry, vector in embedded}
        reasons = {failure.source: failure.reason for failure in failures}
        empty = np.zeros(self.embedder.dimension, dtype=np.float32)
        return {
            **batch,
            "vector": np.stack([vectors.get(entry.id, empty) for entry in entries]),
            "error": np.array([reasons.get(entry.source, "") if entry.id not in vectors else "" for entry in entries]),
        }


def _row(entry: Entry) -> dict:
    # Ray Data turns missing strings into NaN in numpy batches, so an absent path or text travels as "".
    row = asdict(entry)
    row.update(metadata=json.dumps(entry.metadata), path=entry.path or "", text=entry.text or "")
    return row


def _entry(item_id: str, kind: str, path: str, text: str, metadata: str) -> Entry:
    return Entry(str(item_id), str(kind), str(path) or None, None if path else str(text), json.loads(metadata))


def embed_on_ray(entries: Sequence[Entry], address: str | None, workers: int, batch_size: int) -> Iterator[Embedded]:
    """Embedded batches of `entries` from Ray workers. `address`: a cluster to join, or None for a local
    Ray with `workers` CPUs (started here and stopped at the end)."""
    import ray

    if not entries:
        return
    env = {key: value for key, value in os.environ.items() if key.startswith("BINDSPACE_") or key == "HF_HUB_OFFLINE"}
    started = not ray.is_initialized()
    if started:
        options = {"num_cpus": workers} if address is None else {"address": address}
        ray.init(include_dashboard=False, runtime_env={"env_vars": env}, log_to_driver=False, **options)
    try:
        dataset = ray.data.from_items([_row(entry) for entry in entries]).map_batches(
            _EmbedBatches, batch_size=batch_size, concurrency=workers, num_cpus=1, batch_format="numpy")
        for batch in dataset.iter_batches(batch_size=None, batch_format="numpy"):
            embedded, failures = [], []
            for item_id, kind, path, text, metadata, vector, error in zip(
                    batch["id"], batch["kind"], batch["path"], batch["text"], batch["metadata"], batch["vector"],
                    batch["error"], strict=True):
                entry = _entry(item_id, kind, path, text, metadata)
                if error:
                    failures.append(Failure(entry.source, str(error)))
                else:
                    embedded.append((entry, np.asarray(vector, dtype=np.float32)))
            yield embedded, failures
    finally:
        if started:
            ray.shutdown()
