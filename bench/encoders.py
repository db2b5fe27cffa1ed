"""Encoder throughput, memory and efficiency per modality, and bf16 accuracy on real inputs.

For each model (the default model, and the huge configuration with random weights), modality,
precision (float32, bfloat16) and batch size, one model copy embeds real inputs from the shared data
set: items/s, peak resident memory, achieved FLOP/s (counted analytically from the config, see
`flops_per_item`) and that rate as a fraction of the machine's measured matmul roof for the
precision. The bf16 outputs are compared with the float32 ones of the same inputs (cosine), which
is what `AUTO_REDUCED_MODALITIES` in engine/encoder.py rests on.

Each (model, modality, precision) runs in its own process, so memory figures hold only that
encoder and at most one huge encoder is alive at a time.

    python -m bench.encoders                       # default + huge, batches 1 8 32
    python -m bench.encoders --models default --batches 1 8 --modalities vision text

Writes bench/results/encoders.json and bench/results/encoders.md.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any, Callable

import torch

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"
RESULTS = REPO / "bench" / "results"
DEFAULT_MODEL_DIR = REPO / "models" / "weights" / "default"
FALLBACK_PRESET = "small"  # the largest preset below huge, used when no default model is bundled
GIB = 1024**3

ENCODER_KIND = {"vision": "image", "text": "text", "audio": "audio", "depth": "depth",
                "thermal": "thermal", "imu": "imu"}
UCI_CHANNELS = ("total_acc_x", "total_acc_y", "total_acc_z", "body_gyro_x", "body_gyro_y", "body_gyro_z")
UCI_RATE_HZ = 50
STANDARD_GRAVITY = 9.80665
MAX_ITEMS = 256


# --- real inputs -------------------------------------------------------------------------------

def photo_paths() -> list[Path]:
    data = SHARED_DATA
    return (sorted((data / "coco_mini").rglob("*.jpg")) + sorted((data / "esc50_samples" / "images").glob("*.jpg"))
            + sorted((data / "imagebind_assets").glob("*.jpg")))


def captions() -> list[str]:
    """The first caption of each COCO image, in image-id order."""
    first: dict[int, str] = {}
    for path in sorted((SHARED_DATA / "coco_mini" / "annotations").glob("captions_*.json")):
        for note in json.loads(path.read_text(encoding="utf-8"))["annotations"]:
            first.setdefault(note["image_id"], note["caption"].strip())
    return [first[key] for key in sorted(first)]


def imu_windows(count: int = 64) -> list[bytes]:
    """UCI-HAR windows (accelerometer in g, gyroscope in rad/s, 50 Hz) as T x 6 CSV files."""
    import numpy as np

    folder = SHARED_DATA / "uci_har_test"
    channels = [np.loadtxt(folder / f"{name}_test.csv", delimiter=",", max_rows=count) for name in UCI_CHANNELS]
    windows = np.stack(channels, axis=-1)
    return ["\n".join([",".join(UCI_CHANNELS)] + [",".join(map(str, row)) for row in w]).encode()
            for w in windows]


def real_sources(kind: str) -> list[Any]:
    """Real inputs of one input kind. Depth and thermal have no real captures in the data set, so
    photos stand in for them (read as relative disparity and as a grey-level thermal image)."""
    if kind in ("image", "depth", "thermal"):
        return photo_paths()
    if kind == "text":
        return captions()
    if kind == "audio":
        return sorted((SHARED_DATA / "esc50_samples").glob("*.wav")) + sorted(
            (SHARED_DATA / "imagebind_assets").glob("*.wav"))
    if kind == "imu":
        return imu_windows()
    raise ValueError(f"no real inputs for {kind!r}")


def build_benchmark_preprocessors(config: Any = None) -> dict[str, Callable]:
    """The preprocessors a model's config states (`preprocess_options`; the service's defaults without
    one), with the options the real data needs (UCI-HAR: 50 Hz, acceleration in g)."""
    from bindspace.models.kinds import build_preprocessors, preprocess_options

    options = preprocess_options(config) if config is not None else {}
    options["imu"] = {**options.get("imu", {}), "sample_rate": UCI_RATE_HZ, "acc_scale": STANDARD_GRAVITY}
    return build_preprocessors(**options)


def real_batch(modality: str, count: int, config: Any = None) -> torch.Tensor:
    """`count` preprocessed real inputs for `modality`, as the model of `config` takes them (the sources
    repeat when there are fewer)."""
    kind = ENCODER_KIND[modality]
    sources = real_sources(kind)
    unique = min(count, len(sources), MAX_ITEMS)
    preprocess = build_benchmark_preprocessors(config)[kind]
    tensors = [preprocess(source) for source in sources[:unique]]
    return torch.stack([tensors[i % unique] for i in range(count)])


# --- FLOPs ----------------------------------------------------------------------------------------

def trunk_flops(tokens: int, dim: int, blocks: int, *, extra_keys: int = 0) -> float:
    """Multiply-adds x 2 of `blocks` pre-LN blocks on `tokens` tokens of width `dim` (MLP ratio 4).

    Per block: packed q/k/v projection 6ND^2, QK^T 2NMD, softmax(QK^T)V 2NMD, output projection
    2ND^2, MLP 16ND^2, where M = N + `extra_keys` keys (the learned bias key/value). Causal text
    attention is counted dense, as the fused kernel computes it with an additive mask.
    """
    keys = tokens + extra_keys
    return blocks * (24.0 * tokens * dim * dim + 4.0 * tokens * keys * dim)


def flops_per_item(config: Any, modality: str, *, text_tokens: int | None = None, clips: int = 1) -> float:
    """Matmul FLOPs to embed one input of `modality` with `config` (patch stem, trunk, head).

    LayerNorms, GELU, softmax and additions are not counted (they are not matrix multiplies).
    `text_tokens` is the sequence length the text encoder runs (it cuts after the last end token);
    `clips` is the number of clips per item (3 for audio files).
    """
    c = config
    dim = c.encoder_size(modality, "embed_dim")
    blocks = c.encoder_size(modality, "num_blocks")
    head = 2.0 * dim * c.out_embed_dim
    if modality == "vision":
        frames, kh, kw = c.kernel_size
        patches = (c.image_size // kh) * (c.image_size // kw)
        stem = 2.0 * patches * 3 * frames * kh * kw * dim
        per_clip = stem + trunk_flops(patches + 1, dim, blocks) + head
    elif modality == "text":
        if text_tokens is None:
            raise ValueError("text FLOPs need the sequence length the encoder runs")
        per_clip = trunk_flops(text_tokens, dim, blocks) + head
    elif modality == "audio":
        k, s = c.audio_kernel_size, c.audio_stride
        patches = ((c.audio_num_mel_bins - k) // s + 1) * ((c.audio_target_len - k) // s + 1)
        per_clip = 2.0 * patches * k * k * dim + trunk_flops(patches + 1, dim, blocks, extra_keys=1) + head
    elif modality in ("depth", "thermal"):
        k, size = c.encoder_size(modality, "kernel_size"), c.encoder_size(modality, "image_size")
        patches = (size // k) ** 2
        per_clip = 2.0 * patches * k * k * dim + trunk_flops(patches + 1, dim, blocks, extra_keys=1) + head
    elif modality == "imu":
        windows = c.imu_num_samples // c.imu_kernel_size
        per_clip = 2.0 * windows * 6 * c.imu_kernel_size * dim + trunk_flops(windows + 1, dim, blocks,
                                                                              extra_keys=1) + head
    else:
        raise ValueError(f"unknown modality {modality!r}")
    return clips * per_clip


def item_flops(config: Any, modality: str, batch: torch.Tensor) -> float:
    """FLOPs per item of `batch` as the encoder runs it (text length and clip count read off the batch)."""
    if modality == "text":
        return flops_per_item(config, modality, text_tokens=int(batch.argmax(dim=-1).max()) + 1)
    clips = batch.shape[1] if modality in ("vision", "audio") and batch.ndim == (6 if modality == "vision" else 5) \
        else 1
    return flops_per_item(config, modality, clips=clips)


# --- measuring ------------------------------------------------------------------------------------

class PeakRss:
    """Samples this process's resident memory every few milliseconds; `peak` is the largest seen."""

    def __init__(self, interval_s: float = 0.005) -> None:
        import psutil

        self._process = psutil.Process()
        self._interval = interval_s
        self._stop = threading.Event()
        self.before = self.peak = self._process.memory_info().rss
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            self.peak = max(self.peak, self._process.memory_info().rss)

    def __enter__(self) -> "PeakRss":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self._process.memory_info().rss)


def time_calls(run: Callable[[], Any], *, repeats: int, budget_s: float, warmup_limit_s: float = 20.0
               ) -> tuple[list[float], Any]:
    """Seconds of timed calls of `run` (after one warm-up call) and the last call's result.

    A warm-up call longer than `warmup_limit_s` counts as a timed call: one-time costs are negligible
    next to it. Timing stops after `repeats` calls or once `budget_s` is spent (at least one call).
    """
    started = time.perf_counter()
    result = run()
    first = time.perf_counter() - started
    times = [first] if first > warmup_limit_s else []
    spent = first
    while len(times) < repeats and (not times or spent < budget_s):
        started = time.perf_counter()
        result = run()
        times.append(time.perf_counter() - started)
        spent += times[-1]
    return times, result


def median(values: list[float]) -> float:
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else 0.5 * (ordered[middle - 1] + ordered[middle])


# --- models ---------------------------------------------------------------------------------------

def bundled_default(imagebind_layout: bool) -> bool:
    """Whether the bundled default model stands for "default": it must exist and, for the benchmarks of
    ImageBind-layout encoders (FLOPs, bfloat16, open_clip), be of that family."""
    from bindspace.models.factory import IMAGEBIND_FAMILY, model_family

    if not (DEFAULT_MODEL_DIR / "config.json").is_file():
        return False
    return not imagebind_layout or model_family(DEFAULT_MODEL_DIR) == IMAGEBIND_FAMILY


def describe_model(name: str, imagebind_layout: bool = True) -> str:
    if name == "huge":
        return "ImageBind-huge configuration (models.PRESETS['huge']), random weights (seed 0)"
    if bundled_default(imagebind_layout):
        return f"the bundled default model ({DEFAULT_MODEL_DIR.relative_to(REPO)})"
    return (f"the '{FALLBACK_PRESET}' preset with random weights (seed 0), standing in for the bundled default model "
            f"({DEFAULT_MODEL_DIR.relative_to(REPO)}), which is missing or not an ImageBind-layout model")


def load_benchmark_model(name: str, modalities: tuple[str, ...], imagebind_layout: bool = True):
    """The default model (or its stand-in) or the huge configuration, holding only `modalities`."""
    from bindspace import models

    if name == "default" and bundled_default(imagebind_layout):
        return models.load_model(DEFAULT_MODEL_DIR, modalities=modalities)
    torch.manual_seed(0)
    return models.build_model("huge" if name == "huge" else FALLBACK_PRESET, modalities=modalities)


def model_modalities(name: str, imagebind_layout: bool = True) -> tuple[str, ...]:
    from bindspace import models

    if name == "default" and bundled_default(imagebind_layout):
        from bindspace.models.factory import read_model_config

        config = read_model_config(DEFAULT_MODEL_DIR)[0]
        return tuple(config.towers) if hasattr(config, "towers") else config.modalities
    return models.MODALITIES


# --- one (model, modality, precision) in a worker process ------------------------------------------

def run_worker(spec: dict) -> dict:
    """Measure every batch size of one (model, modality, precision); save outputs for accuracy checks."""
    from bindspace.engine.encoder import Encoder, configure_threads

    threads, interop = configure_threads(spec.get("threads"))
    modality, precision = spec["modality"], spec["precision"]
    with PeakRss() as load_rss:
        model = load_benchmark_model(spec["model"], (modality,))
        encoder = Encoder(model, precision=precision, compile=spec.get("compile", False))
        del model
    config = encoder.model.config
    tensors = {id(t): t for t in [*encoder.model.parameters(), *encoder.model.buffers()]}
    weights = sum(t.numel() * t.element_size() for t in tensors.values())
    largest = max(spec["batches"])
    inputs = real_batch(modality, max(largest, spec["accuracy_items"]), config)
    cells = []
    outputs = {}
    for batch_size in spec["batches"]:
        batch = inputs[:batch_size]
        with PeakRss() as rss:
            # A compiled encoder's first call of a shape compiles: never count it.
            times, out = time_calls(lambda: encoder.encode(modality, batch), repeats=spec["repeats"],
                                    budget_s=spec["budget_s"],
                                    warmup_limit_s=float("inf") if spec.get("compile") else 20.0)
        outputs[batch_size] = out
        seconds = median(times)
        flops = item_flops(config, modality, batch)
        cells.append({
            "batch": batch_size, "seconds_per_batch": seconds, "items_per_s": batch_size / seconds,
            "timed_calls": len(times), "flops_per_item": flops, "flops_per_s": flops * batch_size / seconds,
            "peak_rss": rss.peak, "rss_before": rss.before,
        })
        print(f"  {spec['model']} {modality} {precision} batch {batch_size}: {batch_size / seconds:.2f} items/s",
              file=sys.stderr, flush=True)
    count = spec["accuracy_items"]
    if count <= largest:
        accuracy_outputs = outputs[largest][:count]
    else:
        accuracy_outputs = torch.cat([encoder.encode(modality, inputs[i:i + largest])
                                      for i in range(0, count, largest)])[:count]
    torch.save(accuracy_outputs, spec["outputs_path"])
    return {
        "model": spec["model"], "modality": modality, "precision": precision,
        "resolved_dtype": str(encoder.precisions[modality]).removeprefix("torch."),
        "threads": threads, "interop_threads": interop, "weight_bytes": weights,
        "rss_after_load": load_rss.peak, "cells": cells,
    }


def spawn_worker(spec: dict) -> dict:
    env = dict(os.environ, HF_HUB_OFFLINE="1", PYTHONPATH=str(REPO))
    result = subprocess.run([sys.executable, "-m", "bench.encoders", "--worker", json.dumps(spec)],
                            cwd=REPO, env=env, stdout=subprocess.PIPE, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"benchmark worker {spec['model']}/{spec['modality']}/{spec['precision']} "
                           f"failed with status {result.returncode}")
    return json.loads(result.stdout.strip().splitlines()[-1])


# --- the whole benchmark ----------------------------------------------------------------------------

def run(args: argparse.Namespace, machine: dict) -> dict:
    runs, accuracy = [], []
    with tempfile.TemporaryDirectory(prefix="bindspace-bench-") as scratch:
        for name in args.models:
            available = model_modalities(name)
            for modality in [m for m in args.modalities if m in available]:
                outputs = {}
                for precision in args.precisions:
                    spec = {
                        "model": name, "modality": modality, "precision": precision,
                        "batches": args.batches, "repeats": args.repeats, "budget_s": args.budget,
                        "accuracy_items": args.accuracy_items if name == "default" else max(args.batches),
                        "outputs_path": str(Path(scratch) / f"{name}-{modality}-{precision}.pt"),
                        "threads": args.threads, "compile": args.compile,
                    }
                    result = spawn_worker(spec)
                    roof = machine["matmul"].get(result["resolved_dtype"], {}).get("best")
                    for cell in result["cells"]:
                        cell["fraction_of_roof"] = cell["flops_per_s"] / roof if roof else None
                    runs.append(result)
                    outputs[precision] = torch.load(spec["outputs_path"])
                if "float32" in outputs:
                    reference = outputs["float32"]
                    for precision, out in outputs.items():
                        if precision == "float32":
                            continue
                        cosine = torch.nn.functional.cosine_similarity(out, reference, dim=-1)
                        accuracy.append({"model": name, "modality": modality, "precision": precision,
                                         "items": len(out), "min_cosine": float(cosine.min()),
                                         "mean_cosine": float(cosine.mean())})
    return {"runs": runs, "accuracy": accuracy}


def write_markdown(report: dict, path: Path) -> None:
    lines = ["# Encoder throughput", "", f"Command: `{report['command']}`", ""]
    for name, text in report["models"].items():
        lines.append(f"- `{name}`: {text}")
    lines += ["", "| model | modality | precision | batch | items/s | s/batch | GFLOP/item | GFLOP/s "
              "| of roof | peak RSS GiB |", "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for run in report["runs"]:
        for cell in run["cells"]:
            fraction = cell["fraction_of_roof"]
            lines.append(
                f"| {run['model']} | {run['modality']} | {run['precision']} | {cell['batch']} "
                f"| {cell['items_per_s']:.2f} | {cell['seconds_per_batch']:.3f} | {cell['flops_per_item'] / 1e9:.2f} "
                f"| {cell['flops_per_s'] / 1e9:.1f} | {'-' if fraction is None else f'{fraction:.0%}'} "
                f"| {cell['peak_rss'] / GIB:.2f} |")
    if report["accuracy"]:
        lines += ["", "Reduced precision against float32 on the same real inputs:", "",
                  "| model | modality | precision | items | min cosine | mean cosine |",
                  "| --- | --- | --- | ---: | ---: | ---: |"]
        for row in report["accuracy"]:
            lines.append(f"| {row['model']} | {row['modality']} | {row['precision']} | {row['items']} "
                         f"| {row['min_cosine']:.6f} | {row['mean_cosine']:.6f} |")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    from bindspace.models import MODALITIES

    parser = argparse.ArgumentParser(prog="python -m bench.encoders", description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="+", choices=["default", "huge"], default=["default", "huge"])
    parser.add_argument("--modalities", nargs="+", choices=MODALITIES, default=list(MODALITIES))
    parser.add_argument("--precisions", nargs="+", choices=["float32", "bfloat16", "float16", "auto"],
                        default=["float32", "bfloat16"])
    parser.add_argument("--batches", nargs="+", type=int, default=[1, 8, 32])
    parser.add_argument("--repeats", type=int, default=3, help="timed calls per cell (after a warm-up call)")
    parser.add_argument("--budget", type=float, default=30.0, help="seconds after which a cell stops repeating")
    parser.add_argument("--accuracy-items", type=int, default=MAX_ITEMS,
                        help="real inputs compared across precisions for the default model (huge: the largest batch)")
    parser.add_argument("--threads", type=int, default=None, help="torch intra-op threads (default: physical cores)")
    parser.add_argument("--compile", action="store_true", help="run the encoders with torch.compile")
    parser.add_argument("--out", type=Path, default=RESULTS / "encoders.json")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> dict | None:
    args = parse_args(argv)
    if args.worker:
        print(json.dumps(run_worker(json.loads(args.worker))))
        return None
    from bench import machine as machine_facts

    machine = machine_facts.measure()
    report = {"command": command_line("bench.encoders", argv), "machine": machine, "load_before": os.getloadavg(),
              "models": {name: describe_model(name) for name in args.models}}
    report.update(run(args, machine))
    return write_results(report, args.out, write_markdown)


def command_line(module: str, argv: list[str] | None) -> str:
    """The command that ran benchmark `module` with `argv` (None: this process's arguments)."""
    shown = sys.argv[1:] if argv is None else argv
    return " ".join([f"python -m {module}", *map(shlex.quote, shown)])


def write_results(report: dict, out: Path, write_markdown: Callable[[dict, Path], None]) -> dict:
    """Stamp `report` with the load average now, write it as JSON to `out` and as markdown beside it."""
    report["load_after"] = os.getloadavg()
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=1), encoding="utf-8")
    write_markdown(report, out.with_suffix(".md"))
    return report


if __name__ == "__main__":
    main()
