"""sentence-transformers' own in-process `encode` throughput on all-MiniLM-L6-v2, the reference for serving.

    HF_HUB_OFFLINE=1 .venv/bin/python -m bench.minilm_reference [--seconds 10]

Encodes all COCO-mini captions (5 per photo, about 11 words each; the texts bench/serve_bench.py
sends) in batches of 64 on 2 torch threads for a fixed time; writes sentences/s to
bench/results/minilm_reference.json and .md, to set beside `bench/serve_bench.py --model
models/weights/default --modalities text` (serve_towers.md).
"""

from __future__ import annotations

import argparse
import json
import os
import time

from pathlib import Path

import torch

from bench.real_data_sets import all_captions

RESULTS = Path(__file__).resolve().parent / "results"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--batch-size", type=int, default=64)
    args = parser.parse_args()
    from sentence_transformers import SentenceTransformer

    from bindspace.models.pretrained_files import package_file
    from bindspace.models.tower_presets import PINNED_FILES

    torch.set_num_threads(2)
    model = SentenceTransformer(str(package_file(PINNED_FILES["all-minilm-l6-v2"]).parent), device="cpu")
    texts = [text for _, group in sorted(all_captions().items()) for text in group]
    model.encode(texts[: args.batch_size], batch_size=args.batch_size)
    done, started = 0, time.perf_counter()
    while time.perf_counter() - started < args.seconds:
        model.encode(texts, batch_size=args.batch_size)
        done += len(texts)
    elapsed = time.perf_counter() - started
    result = {"sentences_per_s": round(done / elapsed, 1), "batch_size": args.batch_size, "threads": 2,
              "load_average_1m": round(os.getloadavg()[0], 2)}
    (RESULTS / "minilm_reference.json").write_text(json.dumps(result) + "\n", encoding="utf-8")
    (RESULTS / "minilm_reference.md").write_text(
        "# sentence-transformers' own encode\n\n"
        f"Command: `HF_HUB_OFFLINE=1 .venv/bin/python -m bench.minilm_reference --seconds {args.seconds:g}`. "
        f"all-MiniLM-L6-v2 `encode`, batch {args.batch_size}, 2 torch threads, COCO-mini captions: "
        f"**{result['sentences_per_s']} sentences/s** (1-minute load average {result['load_average_1m']} at the "
        "end; the machine is shared). Compare with the served text throughput of the towers model above.\n",
        encoding="utf-8")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
