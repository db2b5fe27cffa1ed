"""The serving engine: one loaded model, its preprocessors, dynamic batching and zero-shot classification.

`Engine(settings)` resolves the model directory at once (a missing model fails before anything starts);
`start()` loads the model on a background thread (in a worker process of its own by default), so that a
server can answer health checks meanwhile; `wait_ready()` blocks until it is loaded. `embed` and
`classify` are coroutines: the HTTP routers await them on the event loop, and the command line runs them
with `asyncio.run`. Nothing here knows about HTTP.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import threading
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import torch

from bindspace.engine.batching import DynamicBatcher
from bindspace.engine.classification import LabelScore, label_embeddings, rank_labels
from bindspace.engine.embedding import Embeddings, EmbeddingService, Payload
from bindspace.engine.encoder import Encoder
from bindspace.engine.label_cache import LabelCache
from bindspace.engine.metrics import Metrics
from bindspace.engine.model_source import resolve_model_dir
from bindspace.engine.settings import Settings
from bindspace.models import load_model
from bindspace.models.factory import read_model_config
from bindspace.models.kinds import build_preprocessors, encoder_of, get_kind, kind_names, preprocess_options

if TYPE_CHECKING:
    from bindspace.engine.encoder_process import EncoderProcess

log = logging.getLogger("bindspace.engine")


class UnsupportedKindError(ValueError):
    """The loaded model has no encoder for an input kind; the message names the kinds it serves."""

    def __init__(self, model: str, kind: str, served: Sequence[str]) -> None:
        super().__init__(f"The model '{model}' has no encoder for {kind} inputs; it serves {', '.join(served)}.")
        self.kind = kind


class EngineNotReadyError(RuntimeError):
    """The model is still loading, or failed to load (then `load_error` says why)."""


@dataclass(frozen=True)
class ModelInfo:
    """What the loaded model is: its name, directory, encoders, the input kinds they serve and the dimension."""

    name: str
    path: Path
    encoders: tuple[str, ...]
    input_kinds: tuple[str, ...]
    dimension: int
    precision: str
    device: str
    description: str | None = None
    quality: dict[str, str] | None = None
    """Headline measured quality as the model directory states it, e.g. `{"coco_text_to_image_r1": "0.30"}`."""


def load_encoder(settings: Settings, model_dir: Path) -> tuple[Encoder, ModelInfo]:
    """Load the model in `model_dir` for inference in this process, as configured; also describe it."""
    if settings.threads is not None:
        torch.set_num_threads(settings.threads)
    model = load_model(model_dir, device=settings.device)
    encoder = Encoder(model, precision=settings.precision, device=settings.device)
    return encoder, describe_model(settings, model_dir, encoder.modalities, model.config.out_embed_dim)


def start_encoder_process(settings: Settings, model_dir: Path) -> tuple[EncoderProcess, ModelInfo]:
    """Load the model in `model_dir` in a worker process of its own, as configured; also describe it."""
    # Imported here: the worker runs as `python -m bindspace.engine.encoder_process`, which must not find
    # that module already imported by the package's own import of this one.
    from bindspace.engine.encoder_process import EncoderProcess

    encoder = EncoderProcess(model_dir, device=settings.device, precision=settings.precision,
                             threads=settings.threads)
    return encoder, describe_model(settings, model_dir, encoder.modalities, encoder.dimension)


def describe_model(settings: Settings, model_dir: Path, encoders: Sequence[str], dimension: int) -> ModelInfo:
    """The `ModelInfo` of a loaded model with these encoders and output dimension."""
    _, described = read_model_config(model_dir)
    return ModelInfo(
        name=settings.model_name or described.get("name") or model_dir.name,
        path=model_dir,
        encoders=tuple(encoders),
        input_kinds=tuple(kind for kind in kind_names() if encoder_of(kind) in encoders),
        dimension=dimension,
        precision=settings.precision,
        device=settings.device,
        description=described.get("description"),
        quality={str(k): str(v) for k, v in described["quality"].items()} if described.get("quality") else None,
    )


class Engine:
    """A model served with dynamic batching; `start` begins loading it, `close` releases everything."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.model_dir = resolve_model_dir(settings.model, settings.model_dir)
        self.metrics = Metrics()
        self.preprocessors = build_preprocessors(
            settings.input_limits(), **preprocess_options(read_model_config(self.model_dir)[0])
        )
        self.labels = LabelCache(settings.label_cache_size)
        self.executor: ThreadPoolExecutor | None = None
        self.info: ModelInfo | None = None
        self.batcher: DynamicBatcher | None = None
        self.embedder: EmbeddingService | None = None
        self.encoder_process: EncoderProcess | None = None
        self.load_error: str | None = None
        self._loader = threading.Thread(target=self._load, name="bindspace-model-loader", daemon=True)

    @property
    def ready(self) -> bool:
        """Whether the model is loaded and inputs can be embedded."""
        return self.embedder is not None

    def start(self) -> None:
        """Open the preprocessing pool and begin loading the model in the background."""
        self.executor = ThreadPoolExecutor(self.settings.preprocess_workers, thread_name_prefix="bindspace-preprocess")
        self._loader.start()

    def wait_ready(self, timeout: float | None = None) -> bool:
        """Block until loading ends (or `timeout` seconds pass); True when the model is ready."""
        self._loader.join(timeout)
        return self.ready

    def _load(self) -> None:
        try:
            if self.settings.inference_process:
                self.encoder_process, info = start_encoder_process(self.settings, self.model_dir)
                run_batch = self.encoder_process.encode
            else:
                encoder, info = load_encoder(self.settings, self.model_dir)
                run_batch = encoder.encode
            # The tokenizer loads its vocabulary on first use (seconds): do it before reporting ready.
            self.preprocessors["text"]("warm-up")
            batcher = DynamicBatcher(
                run_batch,
                batch_sizes={e: self.settings.batch_size(e) for e in info.encoders},
                max_wait_s={e: self.settings.batch_wait_s(e) for e in info.encoders},
                queue_size=self.settings.queue_size,
                metrics=self.metrics,
                inference_threads=2 if self.settings.inference_process else 1,
            )
            batcher.start()
        except Exception as exc:  # noqa: BLE001 - reported by `load_error` and the log instead of crashing
            log.exception("loading the model from %s failed", self.model_dir)
            self.load_error = f"{type(exc).__name__}: {exc}"
            return
        # Everything loaded so far (modules, weights' Python objects, the tokenizer's vocabulary) lives as
        # long as the process: moving it out of the collector's reach keeps full collections short, which
        # otherwise stall every request for a few hundred milliseconds under load.
        gc.collect()
        gc.freeze()
        self.info = info
        self.batcher = batcher
        self.embedder = EmbeddingService(
            self.preprocessors, batcher, self.executor,
            max_chunk=self.settings.queue_size, min_chunk=self.settings.preprocess_workers,
        )
        self.metrics.model_ready.set(1)
        log.info("model %s ready: %s, dimension %d, %s on %s", info.name, ",".join(info.encoders),
                 info.dimension, info.precision, info.device)
        if info.quality:
            log.info("model %s measured quality: %s", info.name,
                     ", ".join(f"{name} {value}" for name, value in info.quality.items()))

    def _require_ready(self) -> EmbeddingService:
        if self.embedder is None:
            if self.load_error is not None:
                raise EngineNotReadyError(f"The model failed to load: {self.load_error}")
            raise EngineNotReadyError("The model is still loading; retry shortly.")
        return self.embedder

    def require_kind(self, kind: str) -> None:
        """Raise UnsupportedKindError when the loaded model has no encoder for input `kind`."""
        self._require_ready()
        assert self.info is not None
        if kind not in self.info.input_kinds:
            raise UnsupportedKindError(self.info.name, kind, self.info.input_kinds)

    async def embed(
        self,
        kind: str,
        payloads: Sequence[Payload],
        params: Sequence[str] | None = None,
        options: Mapping[str, Any] | None = None,
    ) -> Embeddings:
        """Raw vectors of `payloads` (each the bytes of a file, a path to one, or a text), in order.

        Bad input raises `InputError`, named by its entry in `params` when given; a full queue
        `QueueFullError`. `options` are keyword arguments of the kind's preprocessor (IMU: sample_rate,
        accel_unit, gyro_unit).
        """
        self.require_kind(kind)
        return await self._require_ready().embed(kind, payloads, params, options)

    def default_templates(self, kind: str) -> tuple[str, ...]:
        """The prompt templates zero-shot classification uses for `kind` when none are given."""
        return get_kind(kind).prompt_templates

    async def classify(
        self,
        kind: str,
        payload: Payload,
        labels: Sequence[str],
        templates: Sequence[str] | None = None,
        *,
        param: str | None = None,
        options: Mapping[str, Any] | None = None,
    ) -> list[LabelScore]:
        """`labels` ranked for one input of `kind`; templates default to the kind's own (see the registry).
        `param` names the input in error messages; `options` go to its preprocessor (see `embed`)."""
        self.require_kind(kind)
        self.require_kind("text")
        templates = list(templates) if templates is not None else list(self.default_templates(kind))
        embedder = self._require_ready()
        embedded, label_vectors = await asyncio.gather(
            embedder.embed(kind, [payload], [param] if param is not None else None, options),
            label_embeddings(embedder, self.labels, labels, templates),
        )
        return rank_labels(embedded.unit()[0], labels, label_vectors)

    def close(self) -> None:
        """Stop inference and the thread pool."""
        if self._loader.is_alive():
            self._loader.join()
        if self.batcher is not None:
            self.batcher.stop()
        if self.encoder_process is not None:
            self.encoder_process.close()
        if self.executor is not None:
            self.executor.shutdown(wait=True, cancel_futures=True)

    def __enter__(self) -> Engine:
        self.start()
        if not self.wait_ready():
            self.close()
            raise EngineNotReadyError(f"The model failed to load: {self.load_error}")
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
