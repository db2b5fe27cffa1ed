"""Turning decoded inputs into vectors: preprocessing on a thread pool, inference through the batcher."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from bindspace.app.batching import DynamicBatcher
from bindspace.models.errors import InputError

Preprocessor = Callable[[bytes | str], torch.Tensor]

# Small inputs of a preprocessor that holds the GIL (text) are preprocessed on the event loop: a worker
# thread would run them no sooner and add two thread hand-offs each (a caption takes about 50 us).
INLINE_MAX_LENGTH = 4096
"""Characters (or bytes) of a request's inputs in all up to which they are preprocessed in place."""


@dataclass(frozen=True)
class Embeddings:
    """The model's raw (scaled) vectors of a list of inputs, and how many text tokens they held."""

    raw: np.ndarray
    tokens: int

    def unit(self) -> np.ndarray:
        """The vectors scaled to unit length."""
        return normalize_rows(self.raw)


def normalize_rows(vectors: np.ndarray) -> np.ndarray:
    """Each row divided by its L2 norm (zero rows stay zero)."""
    norms = np.linalg.norm(vectors, axis=-1, keepdims=True)
    return (vectors / np.maximum(norms, 1e-12)).astype(np.float32)


class EmbeddingService:
    """Embeds inputs of any kind; preprocessing runs on `executor` while the batcher's thread runs the model."""

    def __init__(
        self,
        preprocessors: Mapping[str, Preprocessor],
        encoder_for: Mapping[str, str],
        batcher: DynamicBatcher,
        executor: Executor,
        *,
        max_chunk: int,
        min_chunk: int,
    ) -> None:
        self._preprocessors = preprocessors
        self._encoder_for = encoder_for
        self._batcher = batcher
        self._executor = executor
        self._max_chunk = max_chunk
        self._min_chunk = min_chunk

    def encoder_for(self, kind: str) -> str:
        """The encoder modality that embeds input `kind` (image and video: vision)."""
        return self._encoder_for[kind]

    async def preprocess(
        self,
        kind: str,
        payloads: Sequence[bytes | str],
        params: Sequence[str] | None = None,
        options: Mapping[str, Any] | None = None,
    ) -> list[torch.Tensor]:
        """Preprocess every payload of `kind` concurrently on the thread pool, with the preprocessor's keyword
        `options` (IMU: sample_rate, accel_unit, gyro_unit); bad input raises InputError naming the payload
        by its entry in `params` (default `inputs[<position>]`).

        Small requests of a kind whose preprocessing holds the GIL (text, up to INLINE_MAX_LENGTH
        characters in all) are preprocessed in place instead.
        """
        loop = asyncio.get_running_loop()
        preprocess = self._preprocessors[kind]
        names = params if params is not None else [f"inputs[{i}]" for i in range(len(payloads))]

        def named(payload: bytes | str, param: str) -> torch.Tensor:
            try:
                return preprocess(payload, **(options or {}))
            except InputError as exc:
                raise InputError(f"{param}: {exc}", param=param) from exc

        if not preprocess.releases_gil and sum(len(p) for p in payloads) <= INLINE_MAX_LENGTH:
            return [named(p, name) for p, name in zip(payloads, names, strict=True)]
        tasks = [loop.run_in_executor(self._executor, named, p, name) for p, name in zip(payloads, names, strict=True)]
        return list(await asyncio.gather(*tasks))

    async def embed(
        self,
        kind: str,
        payloads: Sequence[bytes | str],
        params: Sequence[str] | None = None,
        options: Mapping[str, Any] | None = None,
    ) -> Embeddings:
        """Raw vectors of `payloads`, in order; QueueFullError when the encoder's queue cannot take them.
        `params` names each payload in the request, for error messages (default `inputs[<position>]`);
        `options` go to the preprocessor (see `preprocess`).

        A long request goes through in chunks (about one model batch each), so that its preprocessed
        tensors are never all in memory at once and it never needs more than the whole queue.
        """
        modality = self._encoder_for[kind]
        names = params if params is not None else [f"inputs[{i}]" for i in range(len(payloads))]
        chunk = min(self._max_chunk, max(self._min_chunk, self._batcher.batch_size(modality)))
        vectors: list[np.ndarray] = []
        tokens = 0
        for start in range(0, len(payloads), chunk):
            part = payloads[start:start + chunk]
            with self._batcher.expect(modality, len(part)) as expected:
                tensors = await self.preprocess(kind, part, names[start:start + chunk], options)
                future = expected.submit(tensors)
            vectors.append(await asyncio.wrap_future(future))
            if kind == "text":
                tokens += int(torch.count_nonzero(torch.stack(tensors)))
        return Embeddings(np.concatenate(vectors), tokens)
