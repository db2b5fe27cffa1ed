"""Does preprocessing keep up with the encoder? Per modality, with the service's default settings.

For each encoder modality of the default model (or its stand-in, see bench/encoders.py):

- preprocessing: files/s of the input kind's preprocessor over real files held in memory as bytes
  (what the service receives), on a thread pool of `preprocess_workers` threads (the service's
  setting, default from engine/settings.py), or in the calling thread for text, as the service does
  (its preprocessor holds the GIL, so threads only slow it down);
- encoder: items/s of the default model in the service's precision ("auto" unless --precision)
  on preprocessed batches of the service's batch size for that modality;
- pipeline: items/s end to end through `Encoder.encode_stream`, which preprocesses the next batches
  on the same number of threads while the model runs the current one (both share the CPU).

Preprocessing keeps up when its files/s is at least the encoder's items/s.

    python -m bench.pipeline [--seconds 5] [--workers N] [--precision auto]

Writes bench/results/pipeline.json and bench/results/pipeline.md.
"""

from __future__ import annotations

import argparse
import itertools
import os
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import torch

from bench.encoders import (ENCODER_KIND, RESULTS, build_benchmark_preprocessors, command_line, describe_model,
                            load_benchmark_model, model_modalities, real_sources, write_results)


def as_bytes(source: Any) -> Any:
    """File inputs as the bytes a client would upload; text stays a string."""
    return source.read_bytes() if isinstance(source, Path) else source


def preprocess_rate(preprocess, sources: list, workers: int, seconds: float) -> float:
    """Files/s of `preprocess` mapped over `sources` (cycled) on `workers` threads for about `seconds`;
    in the calling thread when `workers` is 0."""
    preprocess(sources[0])
    done = 0
    started = time.perf_counter()
    if workers == 0:
        for source in itertools.cycle(sources):
            preprocess(source)
            done += 1
            if done % 64 == 0 and time.perf_counter() - started >= seconds:
                break
        return done / (time.perf_counter() - started)
    with ThreadPoolExecutor(workers) as pool:
        cycle = itertools.cycle(sources)
        while time.perf_counter() - started < seconds:
            chunk = [next(cycle) for _ in range(4 * workers)]
            done += len(list(pool.map(preprocess, chunk)))
    return done / (time.perf_counter() - started)


def encoder_rate(encoder, modality: str, batch: torch.Tensor, seconds: float) -> float:
    encoder.encode(modality, batch)
    done = 0
    started = time.perf_counter()
    while time.perf_counter() - started < seconds or done == 0:
        encoder.encode(modality, batch)
        done += len(batch)
    return done / (time.perf_counter() - started)


def pipeline_rate(encoder, modality: str, preprocess, sources: list, batch_size: int, workers: int,
                  seconds: float) -> float:
    """Items/s of `encode_stream` over enough cycled sources to run for about `seconds`."""
    started = time.perf_counter()
    done = 0
    stream = encoder.encode_stream(modality, itertools.cycle(sources), preprocess,
                                   batch_size=batch_size, workers=workers)
    for out in stream:
        done += len(out)
        if time.perf_counter() - started >= seconds:
            break
    stream.close()
    return done / (time.perf_counter() - started)


def run(args: argparse.Namespace) -> list[dict]:
    from bindspace.engine.settings import Settings
    from bindspace.engine.encoder import Encoder

    settings = Settings()
    workers = args.workers or settings.preprocess_workers
    rows = []
    for modality in model_modalities("default", imagebind_layout=False):
        model = load_benchmark_model("default", (modality,), imagebind_layout=False)
        preprocessors = build_benchmark_preprocessors(model.config)
        kind = ENCODER_KIND[modality]
        sources = [as_bytes(s) for s in real_sources(kind)[:64]]
        preprocess = preprocessors[kind]
        # As in the service: preprocessing that holds the GIL runs in the calling thread.
        threads = workers if preprocess.releases_gil else 0
        batch_size = settings.batch_sizes[modality]
        encoder = Encoder(model, precision=args.precision)
        batch = torch.stack([preprocess(sources[i % len(sources)]) for i in range(batch_size)])
        row = {
            "modality": modality, "kind": kind, "files": len(sources), "workers": threads,
            "batch": batch_size, "precision": str(encoder.precisions[modality]).removeprefix("torch."),
            "preprocess_per_s": preprocess_rate(preprocess, sources, threads, args.seconds),
            "encoder_per_s": encoder_rate(encoder, modality, batch, args.seconds),
            "pipeline_per_s": pipeline_rate(encoder, modality, preprocess, sources, batch_size, workers,
                                            args.seconds),
        }
        row["keeps_up"] = row["preprocess_per_s"] >= row["encoder_per_s"]
        rows.append(row)
        print(f"  {modality}: preprocess {row['preprocess_per_s']:.1f}/s, encoder {row['encoder_per_s']:.1f}/s, "
              f"pipeline {row['pipeline_per_s']:.1f}/s", file=sys.stderr, flush=True)
    return rows


def write_markdown(report: dict, path: Path) -> None:
    lines = ["# Preprocessing against the encoder", "", f"Command: `{report['command']}`", "",
             f"Model: {report['model']}.", "",
             "| modality | input | workers | preprocess files/s | batch | precision | encoder items/s "
             "| pipeline items/s | keeps up |", "| --- | --- | ---: | ---: | ---: | --- | ---: | ---: | --- |"]
    for r in report["rows"]:
        lines.append(f"| {r['modality']} | {r['kind']} | {r['workers']} | {r['preprocess_per_s']:.1f} | {r['batch']} "
                     f"| {r['precision']} | {r['encoder_per_s']:.1f} | {r['pipeline_per_s']:.1f} "
                     f"| {'yes' if r['keeps_up'] else 'no'} |")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.pipeline", description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="measuring time of each rate")
    parser.add_argument("--workers", type=int, default=None, help="preprocessing threads (default: the setting)")
    parser.add_argument("--precision", default="auto", choices=["auto", "float32", "bfloat16"])
    parser.add_argument("--out", type=Path, default=RESULTS / "pipeline.json")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> dict:
    from bindspace.engine.encoder import configure_threads

    args = parse_args(argv)
    threads, _ = configure_threads()
    report = {"command": command_line("bench.pipeline", argv),
              "model": describe_model("default", imagebind_layout=False), "threads": threads,
              "load_before": os.getloadavg()}
    report["rows"] = run(args)
    return write_results(report, args.out, write_markdown)


if __name__ == "__main__":
    main()
