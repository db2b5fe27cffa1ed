"""Everything one running service holds: model, batcher, preprocessors, index, caches and metrics.

A missing model directory fails at construction, before the server listens. `start` (at application
startup) opens the index and loads the model on a background thread, so that `/healthz` answers at once;
routes that need the model answer 503 until `ready`.
"""

from __future__ import annotations

import gc
import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import torch

from bindspace.app.batching import DynamicBatcher
from bindspace.app.embedding import EmbeddingService
from bindspace.app.errors import ApiError
from bindspace.app.label_cache import LabelCache
from bindspace.app.metrics import Metrics
from bindspace.app.model_source import resolve_model_dir
from bindspace.app.settings import Settings
from bindspace.index import Database
from bindspace.models import load_model
from bindspace.models.factory import model_preprocessing, read_model_config
from bindspace.models.encoder_process import EncoderProcess
from bindspace.models.inference import Encoder
from bindspace.models.preprocess import ENCODER_FOR, INPUT_KINDS, build_preprocessors

log = logging.getLogger("bindspace.runtime")


@dataclass(frozen=True)
class ModelInfo:
    """What the loaded model is: its name, directory, encoders, the input kinds they serve and the dimension."""

    name: str
    path: Path
    modalities: tuple[str, ...]
    input_kinds: tuple[str, ...]
    dimension: int
    precision: str
    device: str
    description: str | None = None
    quality: dict[str, str] | None = None


def load_encoder(settings: Settings, model_dir: Path) -> tuple[Encoder, ModelInfo]:
    """Load the model in `model_dir` for inference in this process, as configured; also describe it."""
    if settings.threads is not None:
        torch.set_num_threads(settings.threads)
    model = load_model(model_dir, device=settings.device)
    encoder = Encoder(model, precision=settings.precision, device=settings.device)
    return encoder, describe_model(settings, model_dir, encoder.modalities, model.config.out_embed_dim)


def start_encoder_process(settings: Settings, model_dir: Path) -> tuple[EncoderProcess, ModelInfo]:
    """Load the model in `model_dir` in a worker process of its own, as configured; also describe it."""
    encoder = EncoderProcess(model_dir, device=settings.device, precision=settings.precision,
                             threads=settings.threads)
    return encoder, describe_model(settings, model_dir, encoder.modalities, encoder.dimension)


def describe_model(settings: Settings, model_dir: Path, modalities: Sequence[str], dimension: int) -> ModelInfo:
    """The `ModelInfo` of a loaded model with these encoder modalities and output dimension."""
    _, described = read_model_config(model_dir)
    return ModelInfo(
        name=settings.model_name or described.get("name") or model_dir.name,
        path=model_dir,
        modalities=tuple(modalities),
        input_kinds=tuple(kind for kind in INPUT_KINDS if ENCODER_FOR[kind] in modalities),
        dimension=dimension,
        precision=settings.precision,
        device=settings.device,
        description=described.get("description"),
        quality={str(k): str(v) for k, v in described["quality"].items()} if described.get("quality") else None,
    )


class Runtime:
    """The service's state; `start` begins loading the model, `close` releases everything."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.model_dir = resolve_model_dir(settings.model)
        self.metrics = Metrics()
        self.preprocessors = build_preprocessors(settings.input_limits(), **model_preprocessing(self.model_dir))
        self.labels = LabelCache(settings.label_cache_size)
        self.executor: ThreadPoolExecutor | None = None
        self.database: Database | None = None
        self.info: ModelInfo | None = None
        self.batcher: DynamicBatcher | None = None
        self.embedder: EmbeddingService | None = None
        self.encoder_process: EncoderProcess | None = None
        self.load_error: str | None = None
        self._loader = threading.Thread(target=self._load, name="bindspace-model-loader", daemon=True)

    @property
    def ready(self) -> bool:
        """Whether the model is loaded and requests can be served."""
        return self.embedder is not None

    def start(self) -> None:
        """Open the index and the preprocessing pool, and begin loading the model in the background."""
        self.database = Database(self.settings.data_dir)
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
                batch_sizes={m: self.settings.batch_size(m) for m in info.modalities},
                max_wait_s={m: self.settings.batch_wait_s(m) for m in info.modalities},
                queue_size=self.settings.queue_size,
                metrics=self.metrics,
                inference_threads=2 if self.settings.inference_process else 1,
            )
            batcher.start()
        except Exception as exc:  # noqa: BLE001 - reported by /readyz and the log instead of crashing the server
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
            self.preprocessors, ENCODER_FOR, batcher, self.executor,
            max_chunk=self.settings.queue_size, min_chunk=self.settings.preprocess_workers,
        )
        self.metrics.model_ready.set(1)
        log.info("model %s ready: %s, dimension %d, %s on %s", info.name, ",".join(info.modalities),
                 info.dimension, info.precision, info.device)
        if info.quality:
            log.info("model %s measured quality: %s", info.name,
                     ", ".join(f"{name} {value}" for name, value in info.quality.items()))

    def require_kind(self, kind: str, param: str) -> None:
        """Raise 400 when the loaded model has no encoder for input `kind`."""
        assert self.info is not None
        if kind not in self.info.input_kinds:
            raise ApiError(400, f"The model '{self.info.name}' has no encoder for {kind} inputs; it serves "
                                f"{', '.join(self.info.input_kinds)}.", param=param, code="unsupported_modality")

    def close(self) -> None:
        """Stop inference, the thread pool and the index."""
        if self._loader.is_alive():
            self._loader.join()
        if self.batcher is not None:
            self.batcher.stop()
        if self.encoder_process is not None:
            self.encoder_process.close()
        if self.executor is not None:
            self.executor.shutdown(wait=True, cancel_futures=True)
        if self.database is not None:
            self.database.close()
