"""Turning decoded inputs into vectors: preprocessing on a thread pool, inference through the batcher."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from bindspace.engine.batching import DynamicBatcher
from bindspace.models.errors import InputError
from bindspace.models.kinds import encoder_of

Preprocessor = Callable[[bytes | str | os.PathLike], torch.Tensor]
Payload = bytes | str | os.PathLike
"""One input: a file's bytes, a path to the file (`os.PathLike`), or a text (`str`, for the text kind)."""

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
        batcher: DynamicBatcher,
        executor: Executor,
        *,
        max_chunk: int,
        min_chunk: int,
    ) -> None:
        self._preprocessors = preprocessors
        self._batcher = batcher
        self._executor = executor
        self._max_chunk = max_chunk
        self._min_chunk = min_chunk

    async def preprocess(
        self,
        kind: str,
        payloads: Sequence[Payload],
        params: Sequence[str] | None = None,
        options: Mapping[str, Any] | None = None,
    ) -> list[torch.Tensor]:
        """Preprocess every payload of `kind` concurrently on the thread pool, with the preprocessor's keyword
        `options` (IMU: sample_rate, accel_unit, gyro_unit). Bad input raises InputError naming the payload:
        by its entry in `params` when given (a request's `inputs[0]`), else by its path when it is one.

        Small requests of a kind whose preprocessing holds the GIL (text, up to INLINE_MAX_LENGTH
        characters in all) are preprocessed in place instead.
        """
        loop = asyncio.get_running_loop()
        preprocess = self._preprocessors[kind]
        names = list(params) if params is not None else [None] * len(payloads)
        options = dict(options or {})
        in_memory = all(isinstance(p, (str, bytes)) for p in payloads)
        if in_memory and not preprocess.releases_gil and sum(len(p) for p in payloads) <= INLINE_MAX_LENGTH:
            return [_preprocess_one(preprocess, p, name, options) for p, name in zip(payloads, names, strict=True)]
        tasks = [loop.run_in_executor(self._executor, _preprocess_one, preprocess, payload, name, options)
                 for payload, name in zip(payloads, names, strict=True)]
        return list(await asyncio.gather(*tasks))

    async def embed(
        self,
        kind: str,
        payloads: Sequence[Payload],
        params: Sequence[str] | None = None,
        options: Mapping[str, Any] | None = None,
    ) -> Embeddings:
        """Raw vectors of `payloads`, in order; QueueFullError when the encoder's queue cannot take them.
        `params` names each payload in the request, for error messages; `options` go to the preprocessor
        (see `preprocess`).

        A long request goes through in chunks (about one model batch each), so that its preprocessed
        tensors are never all in memory at once and it never needs more than the whole queue.
        """
        encoder = encoder_of(kind)
        chunk = min(self._max_chunk, max(self._min_chunk, self._batcher.batch_size(encoder)))
        vectors: list[np.ndarray] = []
        tokens = 0
        for start in range(0, len(payloads), chunk):
            part = payloads[start:start + chunk]
            names = params[start:start + chunk] if params is not None else None
            with self._batcher.expect(encoder, len(part)) as expected:
                tensors = await self.preprocess(kind, part, names, options)
                future = expected.submit(tensors)
            vectors.append(await asyncio.wrap_future(future))
            if kind == "text":
                tokens += int(torch.count_nonzero(torch.stack(tensors)))
        return Embeddings(np.concatenate(vectors), tokens)


def _preprocess_one(
    preprocess: Preprocessor, payload: Payload, param: str | None, options: Mapping[str, Any]
) -> torch.Tensor:
    try:
        return preprocess(payload, **options)
    except InputError as exc:
        if param is not None:
            raise InputError(f"{param}: {exc}", param=param) from exc
        if isinstance(payload, os.PathLike):
            raise InputError(f"{os.fspath(payload)}: {exc}") from exc
        raise
