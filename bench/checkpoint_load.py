"""Wall time and peak memory of loading a huge-shaped checkpoint with `load_model(..., config="huge")`.

Writes random weights in the ImageBind-huge layout once (about 4.8 GB per format), then loads each
file in a fresh subprocess, first with the file evicted from the page cache (cold) and then again
(warm). Loading memory-maps the file and assigns the tensors into a meta-built model, so the load
itself reads almost nothing; "touch" then reads every weight once, which is what the first
embedding of every modality would do. Peak RSS is the process's `ru_maxrss`, including the
~0.5 GB of the torch import. Target: peak RSS below 1.3 x the checkpoint size.

    python bench/checkpoint_load.py [--dir /tmp/bindspace-bench] [--formats safetensors pth] [--keep]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shlex
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "bench" / "results" / "checkpoint_load.md"
GIB = 1024**3


def write_checkpoint(path: Path) -> None:
    """Random huge-shaped weights (fresh init of the huge config) saved in `path`'s format."""
    import torch
    from safetensors.torch import save_file

    from bindspace.models import build_model

    torch.manual_seed(0)
    state = build_model("huge").state_dict()
    tmp = path.with_name(path.name + ".tmp")
    if path.suffix == ".safetensors":
        save_file(state, tmp)
    else:
        torch.save(state, tmp)
    os.replace(tmp, path)


def measure(path: Path) -> dict[str, float]:
    """Load `path` on the meta path, then read every weight; times and memory in this process."""
    import psutil
    import torch

    from bindspace.models import load_model

    process = psutil.Process()
    baseline = process.memory_info().rss
    start = time.perf_counter()
    model = load_model(path, config="huge")
    loaded = time.perf_counter()
    rss_loaded = process.memory_info().rss
    with torch.no_grad():
        for tensor in model.state_dict().values():
            tensor.sum()
    touched = time.perf_counter()
    return {
        "load_s": loaded - start,
        "touch_s": touched - loaded,
        "rss_baseline": baseline,
        "rss_loaded": rss_loaded,
        "rss_touched": process.memory_info().rss,
        "peak_rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
    }


def evict_from_page_cache(path: Path) -> None:
    with open(path, "rb") as file:
        os.fsync(file.fileno())
        os.posix_fadvise(file.fileno(), 0, 0, os.POSIX_FADV_DONTNEED)


def run_child(*args: str) -> str:
    env = dict(os.environ, HF_HUB_OFFLINE="1", PYTHONPATH=str(REPO))
    result = subprocess.run(
        [sys.executable, __file__, *args], cwd=REPO, env=env, check=True, stdout=subprocess.PIPE, text=True
    )
    return result.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", type=Path, default=Path("/tmp/bindspace-bench"))
    parser.add_argument("--formats", nargs="+", choices=["safetensors", "pth"], default=["safetensors", "pth"])
    parser.add_argument("--keep", action="store_true", help="keep the checkpoint files")
    parser.add_argument("--write", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--measure", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.write:
        write_checkpoint(args.write)
        print(f"writer peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2:.2f} GiB", file=sys.stderr)
        return
    if args.measure:
        print(json.dumps(measure(args.measure)))
        return

    command = "python " + " ".join(shlex.quote(a) for a in [os.path.relpath(__file__, REPO), *sys.argv[1:]])
    args.dir.mkdir(parents=True, exist_ok=True)
    load_before = os.getloadavg()[0]
    rows = []
    for fmt in args.formats:
        path = args.dir / f"imagebind_huge_random.{fmt}"
        try:
            if not path.exists():
                started = time.perf_counter()
                run_child("--write", str(path))
                print(f"wrote {path} in {time.perf_counter() - started:.0f} s", file=sys.stderr)
            size = path.stat().st_size
            for cache in ("cold", "warm"):
                if cache == "cold":
                    evict_from_page_cache(path)
                result = json.loads(run_child("--measure", str(path)))
                rows.append((fmt, size, cache, result))
                print(fmt, cache, result, file=sys.stderr)
        finally:
            if not args.keep:
                path.unlink(missing_ok=True)

    lines = [
        "# Checkpoint loading: huge layout, random weights",
        "",
        f"Command: `{command}`",
        f"Machine: {os.cpu_count()} CPUs; {sys.platform}; Python {sys.version.split()[0]}; "
        f"1-minute load average {load_before:.1f} before, {os.getloadavg()[0]:.1f} after",
        "",
        "| format | file | page cache | load_model | RSS after load | read every weight | RSS after reading "
        "| peak RSS | peak / file |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for fmt, size, cache, r in rows:
        lines.append(
            f"| {fmt} | {size / GIB:.2f} GiB | {cache} | {r['load_s']:.2f} s | {r['rss_loaded'] / GIB:.2f} GiB "
            f"| {r['touch_s']:.1f} s | {r['rss_touched'] / GIB:.2f} GiB | {r['peak_rss'] / GIB:.2f} GiB "
            f"| {r['peak_rss'] / size:.2f} |"
        )
    lines += [
        "",
        f"RSS before loading (torch and models imported): {rows[0][3]['rss_baseline'] / GIB:.2f} GiB. "
        "`load_model` memory-maps the file and assigns its tensors, so pages are read on first use; "
        "\"read every weight\" sums all tensors once.",
    ]
    table = "\n".join(lines) + "\n"
    print(table)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(table)


if __name__ == "__main__":
    main()
