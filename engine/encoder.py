"""Running a model for inference: no autograd, reduced precision where it is accurate, thread settings.

Precision is chosen per encoder modality. "auto" (the default) runs a modality in the device's fast
reduced-precision type (bfloat16 on CPUs with native bf16 instructions, bfloat16 or float16 on GPUs)
when that type keeps every output within cosine `AUTO_MIN_COSINE` of float32, which was measured on
real inputs for the modalities in `AUTO_REDUCED_MODALITIES` (docs/performance.md); all other
modalities, and CPUs without native bf16, run in float32.

The `Encoder` runs an optimised inference model (engine/inference_model.py): weights converted to the
modality's precision once, prepacked oneDNN matmuls on CPUs, a folded image stem. The model passed
in is left as it is (apart from being moved to the device), and the copy shares every tensor it
does not change; drop the model after making the `Encoder` if memory matters.
"""

from __future__ import annotations

import math
import os
import shutil
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from itertools import islice
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F

from bindspace.engine.inference_model import build_inference_model
from bindspace.models.config import ModelConfig
from bindspace.models.model import ImageBindModel
from bindspace.models.tower_model import TowerModel

PRECISIONS: dict[str, torch.dtype | None] = {
    "auto": None,
    "float32": torch.float32,
    "bfloat16": torch.bfloat16,
    "float16": torch.float16,
}

AUTO_MIN_COSINE = 0.999
"""The smallest cosine to float32 outputs that "auto" accepts for a reduced-precision modality."""

AUTO_REDUCED_MODALITIES: frozenset[str] = frozenset({"vision", "text", "audio", "depth", "thermal", "imu"})
"""Modalities whose bfloat16 outputs stayed at cosine >= `AUTO_MIN_COSINE` to float32 on real inputs."""

MAX_TOKEN_ROWS = 4608
"""Token rows (items x tokens) one forward pass takes; larger batches run in equal micro-batches.

oneDNN's bf16 matrix multiplies lose about a quarter of their speed once a batch reaches ~8k rows
(32 images of 257 tokens), while 16 images run at full speed; docs/performance.md has the figures.
"""

STREAM_AHEAD = 2  # batches `Encoder.encode_stream` preprocesses while the model runs one

CPU_BF16_FLAGS = ("avx512_bf16", "amx_bf16")  # x86 /proc/cpuinfo flags of native bf16 dot products
ARM_BF16_FEATURE = "bf16"  # aarch64 /proc/cpuinfo feature


class CompileUnavailable(RuntimeError):
    """`torch.compile` was requested but cannot run on this machine (the message says why)."""


def cpu_has_native_bf16(cpuinfo: str | os.PathLike = "/proc/cpuinfo") -> bool:
    """Whether this CPU multiplies bf16 natively (AVX512-BF16, AMX or ARM BF16) and oneDNN can use it.

    Without such instructions oneDNN emulates bf16, which is slower than float32, so "auto" stays
    float32. Torch's own CPU probe is asked first; the `cpuinfo` flags cover what it does not know.
    """
    if not (torch.backends.mkldnn.is_available() and torch.ops.mkldnn._is_mkldnn_bf16_supported()):
        return False
    if _torch_reports_native_bf16():
        return True
    try:
        text = Path(cpuinfo).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False
    words: set[str] = set()
    for line in text.splitlines():
        key, _, value = line.partition(":")
        if key.strip() in ("flags", "Features"):
            words.update(value.split())
    return any(flag in words for flag in CPU_BF16_FLAGS) or ARM_BF16_FEATURE in words


def _torch_reports_native_bf16() -> bool | None:
    """Torch's x86 probe (AVX512-BF16 or AMX), or None where this torch has none."""
    probes = [getattr(torch.cpu, name, None) for name in ("_is_avx512_bf16_supported", "_is_amx_tile_supported")]
    if not all(callable(probe) for probe in probes):
        return None
    return any(probe() for probe in probes)


def fast_reduced_dtype(device: str | torch.device) -> torch.dtype | None:
    """The reduced-precision type that is faster than float32 on `device`, or None if none is."""
    device = torch.device(device)
    if device.type == "cuda":
        return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
    if device.type == "cpu":
        return torch.bfloat16 if cpu_has_native_bf16() else None
    return None


def resolve_precisions(
    precision: str, device: str | torch.device, modalities: Iterable[str]
) -> dict[str, torch.dtype]:
    """`{modality: dtype}` that `precision` means on `device` ("auto": see the module docstring)."""
    if precision not in PRECISIONS:
        raise ValueError(f"unknown precision {precision!r}; choose one of {list(PRECISIONS)}")
    fixed = PRECISIONS[precision]
    if fixed is not None:
        return {m: fixed for m in modalities}
    fast = fast_reduced_dtype(device)
    return {
        m: fast if fast is not None and m in AUTO_REDUCED_MODALITIES else torch.float32 for m in modalities
    }


def physical_cores() -> int:
    """Physical CPU cores available to this process (logical CPUs when that cannot be told)."""
    try:
        import psutil

        cores = psutil.cpu_count(logical=False)
    except ImportError:
        cores = None
    available = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    return max(1, min(cores or available, available))


def configure_threads(threads: int | None = None, interop_threads: int | None = None) -> tuple[int, int]:
    """Set torch's intra-op threads (default: the physical cores) and inter-op threads (default 1).

    One intra-op thread per physical core is what matrix multiplies run best with; the encoders do
    not use inter-op parallelism, so one inter-op thread avoids idle pools. Inter-op threads can only
    be set before torch first runs parallel work; later calls leave them as they are. Returns the
    values in effect.
    """
    for name, value in (("threads", threads), ("interop_threads", interop_threads)):
        if value is not None and (not isinstance(value, int) or isinstance(value, bool) or value < 1):
            raise ValueError(f"{name} must be a positive integer, got {value!r}")
    torch.set_num_threads(threads or physical_cores())
    wanted = interop_threads or 1
    if torch.get_num_interop_threads() != wanted:
        try:
            torch.set_num_interop_threads(wanted)
        except RuntimeError:
            pass  # parallel work already ran in this process; the pool size is fixed from now on
    return torch.get_num_threads(), torch.get_num_interop_threads()


def compile_unavailable_reason(device: str | torch.device) -> str | None:
    """Why `torch.compile` cannot be used on `device` here, or None when it can."""
    device = torch.device(device)
    if not hasattr(torch, "compile"):
        return f"torch {torch.__version__} has no torch.compile"
    if device.type == "cpu":
        compiler = os.environ.get("CXX", "g++")
        if shutil.which(compiler) is None and shutil.which("c++") is None:
            return f"torch.compile on the CPU needs a C++ compiler ({compiler!r} or 'c++' on PATH)"
    return None


class Encoder:
    """Holds a model on a device and embeds batches under `inference_mode` in the chosen precision.

    `precision` is "auto", "float32", "bfloat16" or "float16" (see the module docstring);
    `precisions` tells what each modality runs in. `compile=True` compiles each trunk with
    `torch.compile` (the first batch of each shape then takes longer); `CompileUnavailable` is raised
    when that cannot work here. `threads` sets torch's intra-op threads (see `configure_threads`).
    Outputs are always float32 on the CPU.
    """

    def __init__(
        self,
        model: ImageBindModel | TowerModel,
        *,
        device: str | torch.device = "cpu",
        precision: str = "auto",
        compile: bool = False,
        threads: int | None = None,
    ) -> None:
        self.device = torch.device(device)
        self.precision = precision
        if not isinstance(model, ImageBindModel):
            # Other families (models/tower_model.py) run as they are, in float32: the optimised
            # inference copy and the measured reduced-precision choices are ImageBind's.
            if compile:
                raise CompileUnavailable(f"compile is only available for ImageBind models, not {type(model).__name__}")
            self.precisions = {m: torch.float32 for m in model.modalities}
            self.model = model.to(self.device).eval()
            self.compiled = False
            return
        self.precisions = resolve_precisions(precision, self.device, model.modalities)
        if compile:
            reason = compile_unavailable_reason(self.device)
            if reason is not None:
                raise CompileUnavailable(reason)
        if threads is not None:
            configure_threads(threads)
        self.model = build_inference_model(model.to(self.device), self.precisions, self.device, pack=not compile)
        self.compiled = compile
        if compile:
            for trunk in self.model.modality_trunks.values():
                # Freezing lets inductor treat the weights as constants and prepack them for oneDNN.
                trunk.compile(dynamic=True, options={"freezing": True})

    @property
    def modalities(self) -> tuple[str, ...]:
        return self.model.modalities

    def encode(self, modality: str, batch: torch.Tensor) -> torch.Tensor:
        """Raw (scaled) embeddings `(B, out_embed_dim)`, as the model returns them."""
        dtype = self.precisions.get(modality, torch.float32)
        with torch.inference_mode(), torch.autocast(
            self.device.type, dtype=dtype, enabled=dtype != torch.float32
        ):
            parts = [self.model.encode(modality, _to(part, self.device))
                     for part in self._micro_batches(modality, batch)]
        return (parts[0] if len(parts) == 1 else torch.cat(parts)).float().cpu()

    def _micro_batches(self, modality: str, batch: torch.Tensor) -> list[torch.Tensor]:
        """`batch` split by `micro_batch_size`; left whole when it is not a valid batch (the model says why)."""
        if not isinstance(batch, torch.Tensor) or batch.ndim < 2 or len(batch) < 2 or modality not in self.modalities \
                or not isinstance(self.model.config, ModelConfig):
            return [batch]
        return list(batch.split(micro_batch_size(self.model.config, modality, batch)))

    def normalized(self, modality: str, batch: torch.Tensor) -> torch.Tensor:
        """Unit-length embeddings, ready for cosine search."""
        return F.normalize(self.encode(modality, batch), dim=-1)

    def encode_stream(
        self,
        modality: str,
        sources: Iterable[Any],
        preprocess: Callable[[Any], torch.Tensor],
        *,
        batch_size: int,
        workers: int = 2,
    ) -> Iterator[torch.Tensor]:
        """Raw embeddings of `sources` batch by batch, in order, preprocessing ahead on `workers` threads.

        While the model runs one batch, the thread pool decodes and preprocesses the next
        `STREAM_AHEAD` batches, so preprocessing time hides behind the model's. A preprocessor whose
        `releases_gil` is False (text) runs in the calling thread instead: threads cannot run it in
        parallel with anything. Errors raised by `preprocess` propagate when their batch is reached.
        """
        if batch_size < 1 or workers < 1:
            raise ValueError(f"batch_size and workers must be positive, got {batch_size} and {workers}")
        items = iter(sources)
        if not getattr(preprocess, "releases_gil", True):
            while chunk := list(islice(items, batch_size)):
                yield self.encode(modality, torch.stack([preprocess(source) for source in chunk]))
            return
        with ThreadPoolExecutor(workers, thread_name_prefix="bindspace-preprocess") as pool:

            def submit_next_batch() -> None:
                chunk = list(islice(items, batch_size))
                if chunk:
                    pending.append([pool.submit(preprocess, source) for source in chunk])

            pending: list[list[Future]] = []
            for _ in range(STREAM_AHEAD):
                submit_next_batch()
            while pending:
                batch = torch.stack([future.result() for future in pending.pop(0)])
                submit_next_batch()
                yield self.encode(modality, batch)


def _to(batch: Any, device: torch.device) -> Any:
    """A tensor moved to `device`; anything else as it is, for the model to reject with `InputError`."""
    return batch.to(device) if isinstance(batch, torch.Tensor) else batch


def token_rows(config: Any, modality: str, batch: torch.Tensor) -> int:
    """Rows (tokens x clips) the trunk processes for one item of `batch`."""
    c = config
    if modality == "text":
        return int(batch.argmax(dim=-1).max()) + 1 if batch.numel() else 0
    if modality == "vision":
        clips = batch.shape[1] if batch.ndim == 6 else 1
        height, width = batch.shape[-2:]
        return clips * ((height // c.kernel_size[1]) * (width // c.kernel_size[2]) + 1)
    if modality == "audio":
        clips = batch.shape[1] if batch.ndim == 5 else 1
        k, s = c.audio_kernel_size, c.audio_stride
        return clips * (((c.audio_num_mel_bins - k) // s + 1) * ((c.audio_target_len - k) // s + 1) + 1)
    if modality in ("depth", "thermal"):
        k = c.encoder_size(modality, "kernel_size")
        return (batch.shape[-2] // k) * (batch.shape[-1] // k) + 1
    return c.imu_num_samples // c.imu_kernel_size + 1


def micro_batch_size(config: Any, modality: str, batch: torch.Tensor) -> int:
    """Items per forward pass: all of `batch`, or near-equal parts of at most `MAX_TOKEN_ROWS` rows each."""
    items = len(batch)
    largest = max(1, MAX_TOKEN_ROWS // max(1, token_rows(config, modality, batch)))
    parts = max(1, math.ceil(items / largest))
    return max(1, math.ceil(items / parts))
