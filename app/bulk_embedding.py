"""Embedding import entries one batch at a time, setting aside each input that fails instead of stopping.

Each entry is sent to the engine on its own, all of a batch at once, so the engine's dynamic batching
still runs the encoder on full batches while a bad file fails alone.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from bindspace.app.bulk_sources import Entry, Failure
from bindspace.engine.engine import Engine
from bindspace.engine.settings import Settings


class EntryEmbedder:
    """The configured model loaded in this process, with an event loop of its own for the engine."""

    def __init__(self, settings: Settings) -> None:
        self.engine = Engine(settings.model_copy(update={"inference_process": False}))
        self.engine.__enter__()
        self.dimension = self.engine.info.dimension
        self._loop = asyncio.new_event_loop()
        # Never more entries in flight than an encoder queue holds (the engine refuses more).
        self._in_flight = settings.queue_size

    async def _one(self, entry: Entry, slots: asyncio.Semaphore) -> np.ndarray | Failure:
        async with slots:
            try:
                self.engine.require_kind(entry.kind)
                payload = entry.text if entry.text is not None else Path(entry.path)
                return (await self.engine.embed(entry.kind, [payload])).unit()[0]
            except Exception as exc:  # noqa: BLE001 - any decoder error is this input's failure, reported
                return Failure(entry.source, f"{type(exc).__name__}: {exc}")

    async def _all(self, entries: Sequence[Entry]) -> list[np.ndarray | Failure]:
        slots = asyncio.Semaphore(self._in_flight)
        return await asyncio.gather(*(self._one(entry, slots) for entry in entries))

    def embed(self, entries: Sequence[Entry]) -> tuple[list[tuple[Entry, np.ndarray]], list[Failure]]:
        """Unit vectors of the entries that could be read, in input order, and the failures."""
        results = self._loop.run_until_complete(self._all(entries))
        embedded = [(entry, result) for entry, result in zip(entries, results, strict=True)
                    if not isinstance(result, Failure)]
        return embedded, [result for result in results if isinstance(result, Failure)]

    def close(self) -> None:
        self.engine.close()
        self._loop.close()
