"""Embedding import entries one batch at a time, setting aside each input that fails instead of stopping."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import torch

from bindspace.app.bulk_sources import Entry, Failure
from bindspace.app.embedding import normalize_rows
from bindspace.app.file_embedding import FileEmbedder
from bindspace.app.settings import Settings
from bindspace.models.preprocess import ENCODER_FOR


class EntryEmbedder:
    """The configured model; preprocesses a batch's inputs on `settings.preprocess_workers` threads."""

    def __init__(self, settings: Settings) -> None:
        self.files = FileEmbedder(settings)
        self.dimension = self.files.info.dimension
        self._pool = ThreadPoolExecutor(settings.preprocess_workers, thread_name_prefix="bindspace-import")

    def _prepare(self, entry: Entry) -> torch.Tensor | Failure:
        if ENCODER_FOR[entry.kind] not in self.files.info.modalities:
            return Failure(entry.source, f"the model '{self.files.info.name}' has no encoder for {entry.kind} inputs")
        try:
            value = entry.text if entry.text is not None else Path(entry.path)
            return self.files.preprocessors[entry.kind](value)
        except Exception as exc:  # noqa: BLE001 - any decoder error is this file's failure, reported
            return Failure(entry.source, f"{type(exc).__name__}: {exc}")

    def embed(self, entries: Sequence[Entry]) -> tuple[list[tuple[Entry, np.ndarray]], list[Failure]]:
        """Unit vectors of the entries that could be read, in input order, and the failures."""
        prepared = list(self._pool.map(self._prepare, entries))
        failures = [result for result in prepared if isinstance(result, Failure)]
        by_encoder: dict[str, list[int]] = defaultdict(list)
        for position, (entry, result) in enumerate(zip(entries, prepared, strict=True)):
            if not isinstance(result, Failure):
                by_encoder[ENCODER_FOR[entry.kind]].append(position)
        vectors: dict[int, np.ndarray] = {}
        for encoder, positions in by_encoder.items():
            raw = self.files.encoder.encode(encoder, torch.stack([prepared[p] for p in positions])).numpy()
            vectors.update(zip(positions, normalize_rows(raw), strict=True))
        return [(entries[p], vectors[p]) for p in sorted(vectors)], failures

    def close(self) -> None:
        self._pool.shutdown()
