"""Running a model for inference: no autograd, reduced precision where it is accurate, thread settings.

Precision is chosen per encoder modality. "auto" (the default) runs a modality in the device's fast
reduced-precision type (bfloat16 on CPUs with native bf16 instructions, bfloat16 or float16 on GPUs)
when that type keeps every output within cosine `AUTO_MIN_COSINE` of float32, which was measured on
real inputs for the modalities in `AUTO_REDUCED_MODALITIES` (docs/performance.md); all other
modalities, and CPUs without native bf16, run in float32.

In reduced precision the matrix-multiply weights (linear layers, packed attention projections, patch
stems) are converted once, when the `Encoder` is made, into a separate inference copy of those
modules; LayerNorms, embeddings and the residual stream stay float32 under autocast. The model
passed in is left unchanged; the copy shares every tensor that is not converted.
"""

from __future__ import annotations

import copy
import os
import shutil
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from itertools import islice
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from .model import ImageBindModel
from .transformer import Attention

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

# Modules whose own parameters feed matrix multiplies; their weights are converted for reduced precision.
MATMUL_MODULES = (nn.Linear, nn.Conv2d, nn.Conv3d, Attention)

CPU_BF16_FLAGS = ("avx512_bf16", "amx_bf16")  # x86 /proc/cpuinfo flags of native bf16 dot products
ARM_BF16_FEATURE = "bf16"  # aarch64 /proc/cpuinfo feature


class CompileUnavailable(RuntimeError):
    """`torch.compile` was requested but cannot run on this machine (the message says why)."""


def cpu_has_native_bf16(cpuinfo: str | os.PathLike = "/proc/cpuinfo") -> bool:
    """Whether this CPU multiplies bf16 natively (AVX512-BF16, AMX or ARM BF16) and oneDNN can use it.

    Without such instructions oneDNN emulates bf16, which is slower than float32, so "auto" stays float32.
    """
    if not (torch.backends.mkldnn.is_available() and torch.ops.mkldnn._is_mkldnn_bf16_supported()):
        return False
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
        model: ImageBindModel,
        *,
        device: str | torch.device = "cpu",
        precision: str = "auto",
        compile: bool = False,
        threads: int | None = None,
    ) -> None:
        self.device = torch.device(device)
        self.precision = precision
        self.precisions = resolve_precisions(precision, self.device, model.modalities)
        if compile:
            reason = compile_unavailable_reason(self.device)
            if reason is not None:
                raise CompileUnavailable(reason)
        if threads is not None:
            configure_threads(threads)
        self.model = _inference_copy(model.to(self.device), self.precisions).eval()
        self.compiled = compile
        if compile:
            for trunk in self.model.modality_trunks.values():
                trunk.compile(dynamic=True)

    @property
    def modalities(self) -> tuple[str, ...]:
        return self.model.modalities

    def encode(self, modality: str, batch: torch.Tensor) -> torch.Tensor:
        """Raw (scaled) embeddings `(B, out_embed_dim)`, as the model returns them."""
        dtype = self.precisions.get(modality, torch.float32)
        with torch.inference_mode(), torch.autocast(
            self.device.type, dtype=dtype, enabled=dtype != torch.float32
        ):
            out = self.model.encode(modality, batch.to(self.device))
        return out.float().cpu()

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

        While the model runs one batch, the thread pool decodes and preprocesses the next ones (at
        most two batches ahead), so preprocessing time hides behind the model's. Errors raised by
        `preprocess` propagate when their batch is reached.
        """
        if batch_size < 1 or workers < 1:
            raise ValueError(f"batch_size and workers must be positive, got {batch_size} and {workers}")
        items = iter(sources)
        with ThreadPoolExecutor(workers, thread_name_prefix="bindspace-preprocess") as pool:
            pending = []
            for _ in range(3):  # the batch to encode next plus two prepared ahead
                chunk = list(islice(items, batch_size))
                if chunk:
                    pending.append([pool.submit(preprocess, source) for source in chunk])
            while pending:
                futures = pending.pop(0)
                batch = torch.stack([future.result() for future in futures])
                chunk = list(islice(items, batch_size))
                if chunk:
                    pending.append([pool.submit(preprocess, source) for source in chunk])
                yield self.encode(modality, batch)


def _inference_copy(model: ImageBindModel, precisions: dict[str, torch.dtype]) -> ImageBindModel:
    """A copy of `model`'s modules whose matmul weights are converted to each modality's precision.

    The copy shares every tensor it does not convert, so it costs only the converted weights, and
    setting it up (eval mode, compilation) leaves the caller's model as it was.
    """
    reduced = {m: d for m, d in precisions.items() if d != torch.float32}
    memo: dict[int, Any] = {}
    for name, module in model.named_modules():
        dtype = reduced.get(_modality_of(name))
        convert = dtype is not None and isinstance(module, MATMUL_MODULES)
        for parameter in module.parameters(recurse=False):
            memo[id(parameter)] = (
                nn.Parameter(parameter.detach().to(dtype), requires_grad=False) if convert else parameter
            )
        for buffer in module.buffers(recurse=False):
            memo[id(buffer)] = buffer
    return copy.deepcopy(model, memo)


def _modality_of(module_name: str) -> str | None:
    """`modality_trunks.vision.blocks.0.attn` -> `vision`."""
    parts = module_name.split(".")
    return parts[1] if len(parts) > 1 and parts[0].startswith("modality_") else None
