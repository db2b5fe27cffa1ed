"""Facts about the machine the benchmarks run on, and its measured matrix-multiply roofs.

The roof of a precision is the best rate of a square 2048^3 matrix multiply over a few repeats
(2 x 2048^3 FLOPs each), with torch's intra-op threads as the benchmarks use them: the faster of
`torch.matmul` and oneDNN's prepacked kernel that the encoders use. Encoder efficiency is reported
as a fraction of it.

    python -m bench.machine            # print the facts as JSON
"""

from __future__ import annotations

import json
import os
import platform
import sys
import time
from importlib import metadata
from pathlib import Path

import torch

from bindspace.engine.encoder import configure_threads, cpu_has_native_bf16, physical_cores
from bindspace.engine.inference_model import packable

MATMUL_SIZE = 2048
PACKAGES = ("torch", "torchvision", "open_clip_torch", "numpy", "pillow", "safetensors", "faiss-cpu",
            "fastapi", "uvicorn", "psutil", "matplotlib")
CPU_FLAGS = ("avx2", "avx512f", "avx512_bf16", "avx512_fp16", "amx_bf16", "amx_tile")


def cpu_model() -> str:
    """The CPU's model name from /proc/cpuinfo (the platform's processor string elsewhere)."""
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace").splitlines():
            key, _, value = line.partition(":")
            if key.strip() in ("model name", "Model", "Hardware") and value.strip():
                return value.strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def cpu_flags() -> list[str]:
    """Which of the instruction-set flags that matter for matmul speed this CPU reports."""
    try:
        text = Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return []
    words: set[str] = set()
    for line in text.splitlines():
        key, _, value = line.partition(":")
        if key.strip() in ("flags", "Features"):
            words.update(value.split())
    return [flag for flag in CPU_FLAGS if flag in words]


def memory_bytes() -> int:
    import psutil

    return psutil.virtual_memory().total


def package_versions() -> dict[str, str]:
    """Installed versions of the packages the numbers depend on (missing ones are left out)."""
    versions = {"python": sys.version.split()[0]}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return versions


def matmul_rate(dtype: torch.dtype, *, size: int = MATMUL_SIZE, repeats: int = 10,
                device: str | torch.device = "cpu") -> dict[str, float]:
    """Best and median FLOP/s of `size`^3 matrix multiplies in `dtype` on `device`.

    On CPUs the faster of `torch.matmul` and oneDNN's prepacked linear kernel (what bindspace's
    encoders run, see engine/inference_model.py) counts; both rates are returned as well.
    """
    device = torch.device(device)
    generator = torch.Generator(device="cpu").manual_seed(0)
    a = torch.randn(size, size, generator=generator).to(device, dtype)
    b = torch.randn(size, size, generator=generator).to(device, dtype)
    synchronize = torch.cuda.synchronize if device.type == "cuda" else (lambda: None)
    kernels = {"torch.matmul": lambda: torch.matmul(a, b)}
    if device.type == "cpu" and packable(dtype):
        packed = torch.ops.mkldnn._reorder_linear_weight(b.t().contiguous())
        kernels["onednn_packed"] = lambda: torch.ops.mkldnn._linear_pointwise(a, packed, None, "none", [], "")
    flops = 2.0 * size**3
    rates: dict[str, float] = {}
    best: list[float] = []
    with torch.inference_mode():
        for name, run in kernels.items():
            for _ in range(3):
                run()
            synchronize()
            times = []
            for _ in range(repeats):
                started = time.perf_counter()
                run()
                synchronize()
                times.append(time.perf_counter() - started)
            rates[name] = flops / min(times)
            if not best or min(times) < min(best):
                best = times
    best.sort()
    return {"best": flops / best[0], "median": flops / best[len(best) // 2], "by_kernel": rates}


def measure(device: str | torch.device = "cpu", *, repeats: int = 10) -> dict:
    """Every fact about the machine, with the measured matmul roofs (FLOP/s) per precision."""
    device = torch.device(device)
    facts = {
        "cpu": cpu_model(),
        "logical_cpus": os.cpu_count(),
        "physical_cores": physical_cores(),
        "memory_bytes": memory_bytes(),
        "cpu_flags": cpu_flags(),
        "torch_cpu_capability": torch.backends.cpu.get_cpu_capability(),
        "native_bf16": cpu_has_native_bf16(),
        "torch_threads": torch.get_num_threads(),
        "torch_interop_threads": torch.get_num_interop_threads(),
        "platform": platform.platform(),
        "device": str(device),
        "gpu": torch.cuda.get_device_name(device) if device.type == "cuda" else None,
        "packages": package_versions(),
        "load_average": os.getloadavg(),
    }
    dtypes = {"float32": torch.float32, "bfloat16": torch.bfloat16}
    if device.type == "cuda":
        dtypes["float16"] = torch.float16
    facts["matmul"] = {
        name: matmul_rate(dtype, device=device, repeats=repeats) for name, dtype in dtypes.items()
    }
    facts["matmul_size"] = MATMUL_SIZE
    return facts


def main() -> None:
    configure_threads()  # as every benchmark runs
    print(json.dumps(measure(), indent=2))


if __name__ == "__main__":
    main()
