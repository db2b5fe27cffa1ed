"""`python -m bench`: run every benchmark and write BENCHMARKS.md.

    python -m bench                    # everything, full length (about an hour on 2 cores)
    python -m bench --quick            # short variants (a few minutes); heavy steps reuse old results
    python -m bench --only encoders openclip
    python -m bench --reuse            # run bindspace's own benchmarks, read the others' results
    python -m bench --report-only      # rebuild BENCHMARKS.md from bench/results
    python -m bench --max-load 1.5     # wait (up to --wait minutes) for a quiet machine before each step

Each step runs in its own process; bench/results/commands.json records its command, exit status,
duration and the load average around it, and BENCHMARKS.md shows them.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import shlex
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "bench" / "results"
DEFAULT_MODEL = REPO / "models" / "weights" / "default"


def _served_model() -> str:
    return "default" if (DEFAULT_MODEL / "config.json").is_file() else "tiny"


@dataclass(frozen=True)
class Step:
    """One benchmark: how to run it in full and quick mode (None: not run in that mode)."""

    name: str
    own: bool
    full: Callable[[], list[str] | None]
    quick: Callable[[], list[str] | None]
    script: str


STEPS = (
    Step("machine", True, lambda: ["-m", "bench.machine"], lambda: ["-m", "bench.machine"], "bench/machine.py"),
    Step("encoders", True, lambda: ["-m", "bench.encoders"],
         lambda: ["-m", "bench.encoders", "--models", "default", "--batches", "1", "8", "--repeats", "2",
                  "--accuracy-items", "64"], "bench/encoders.py"),
    Step("huge-vision", True, lambda: None,
         lambda: ["-m", "bench.encoders", "--models", "huge", "--modalities", "vision", "--precisions", "float32",
                  "bfloat16", "--batches", "8", "32", "--repeats", "2", "--out", "bench/results/encoders_huge.json"],
         "bench/encoders.py"),
    Step("openclip", True, lambda: ["-m", "bench.openclip_compare"],
         lambda: ["-m", "bench.openclip_compare", "--sizes", "default", "--repeats", "2"], "bench/openclip_compare.py"),
    Step("compile", True,
         lambda: ["-m", "bench.encoders", "--models", "default", "--modalities", "vision", "text", "--batches", "1",
                  "8", "--compile", "--out", "bench/results/encoders_compiled.json"],
         lambda: None, "bench/encoders.py"),
    Step("pipeline", True, lambda: ["-m", "bench.pipeline"], lambda: ["-m", "bench.pipeline", "--seconds", "2"],
         "bench/pipeline.py"),
    Step("preprocess", False, lambda: ["bench/preprocess_bench.py"],
         lambda: ["bench/preprocess_bench.py", "--seconds", "1"], "bench/preprocess_bench.py"),
    Step("serve", False, lambda: ["bench/serve_bench.py", "--model", _served_model(), "--inputs-per-request", "1,16"],
         lambda: ["bench/serve_bench.py", "--model", _served_model(), "--seconds", "3", "--clients", "1,8"],
         "bench/serve_bench.py"),
    Step("serve-small", False,
         lambda: ["bench/serve_bench.py", "--model", "small", "--modalities", "text", "--inputs-per-request", "1,16",
                  "--out", "bench/results/serve_small.md"],
         lambda: None, "bench/serve_bench.py"),
    Step("index", False, lambda: ["bench/index_bench.py"], lambda: ["bench/index_bench.py", "--quick"],
         "bench/index_bench.py"),
    Step("index-rerank", False,
         lambda: ["bench/index_bench.py", "--sizes", "100000", "--data", "clustered", "--indexes", "IVF1024,PQ64",
                  "--nprobe", "8", "32", "128", "--k-factors", "1", "4", "16", "--out",
                  "bench/results/index_rerank.md"],
         lambda: None, "bench/index_bench.py"),
    Step("milvus", False, lambda: ["bench/milvus_bench.py", "--sizes", "100000", "1000000"],
         lambda: ["bench/milvus_bench.py", "--sizes", "10000", "--queries", "50"], "bench/milvus_bench.py"),
    Step("bulk-import", False, lambda: ["bench/bulk_import_bench.py"],
         lambda: ["bench/bulk_import_bench.py", "--images", "40", "--texts", "40"], "bench/bulk_import_bench.py"),
    Step("checkpoint", False, lambda: ["bench/checkpoint_load.py"], lambda: None, "bench/checkpoint_load.py"),
    Step("training", False, lambda: ["bench/training_report.py"], lambda: None, "bench/training_report.py"),
    Step("har", False, lambda: ["bench/har_report.py"], lambda: None, "bench/har_report.py"),
    Step("real-data", False, lambda: ["-m", "bench.real_data"], lambda: None,
         "bench/real_data.py"),
    Step("bridge", False, lambda: ["-m", "bench.bridge_variants"], lambda: None, "bench/bridge_variants.py"),
    Step("serve-towers", False,
         lambda: ["bench/serve_bench.py", "--model", "default", "--modalities", "text", "--clients", "32",
                  "--inputs-per-request", "16", "--out", "bench/results/serve_towers.md"],
         lambda: None, "bench/serve_bench.py"),
    Step("minilm-reference", False, lambda: ["-m", "bench.minilm_reference"], lambda: None,
         "bench/minilm_reference.py"),
)
STEP_NAMES = [step.name for step in STEPS]


def wait_for_quiet(max_load: float | None, minutes: float) -> None:
    """Poll the 1-minute load average until it is below `max_load` or `minutes` have passed."""
    if max_load is None:
        return
    deadline = time.monotonic() + 60 * minutes
    while os.getloadavg()[0] >= max_load and time.monotonic() < deadline:
        print(f"bench: load {os.getloadavg()[0]:.2f} >= {max_load}; waiting", file=sys.stderr, flush=True)
        time.sleep(30)


def run_step(step: Step, argv: list[str], args: argparse.Namespace) -> dict:
    wait_for_quiet(args.max_load, args.wait)
    command = "python " + " ".join(shlex.quote(a) for a in argv)
    print(f"bench: {command}", file=sys.stderr, flush=True)
    env = dict(os.environ, HF_HUB_OFFLINE="1", PYTHONPATH=str(REPO))
    load_before, started = os.getloadavg()[0], time.perf_counter()
    if step.name == "machine":
        result = subprocess.run([sys.executable, *argv], cwd=REPO, env=env, stdout=subprocess.PIPE, text=True)
        if result.returncode == 0:
            (RESULTS / "machine.json").write_text(result.stdout, encoding="utf-8")
    else:
        result = subprocess.run([sys.executable, *argv], cwd=REPO, env=env)
    return {"command": command, "status": "ok" if result.returncode == 0 else f"failed ({result.returncode})",
            "seconds": time.perf_counter() - started, "load_before": load_before, "load_after": os.getloadavg()[0]}


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    parser.add_argument("--quick", action="store_true", help="short variants; steps without one keep old results")
    parser.add_argument("--only", nargs="+", choices=STEP_NAMES, metavar="STEP",
                        help=f"run only these steps ({', '.join(STEP_NAMES)})")
    parser.add_argument("--skip", nargs="+", choices=STEP_NAMES, default=[], metavar="STEP", help="steps not to run")
    parser.add_argument("--reuse", action="store_true",
                        help="do not run the other benchmarks' scripts; include their existing results")
    parser.add_argument("--report-only", action="store_true", help="only rebuild BENCHMARKS.md")
    parser.add_argument("--max-load", type=float, default=None,
                        help="before each step, wait until the 1-minute load average is below this")
    parser.add_argument("--wait", type=float, default=30.0, help="minutes to wait for --max-load per step")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Run the selected benchmarks, then write BENCHMARKS.md; returns the exit status."""
    from bench import report

    args = parse_args(argv)
    if importlib.util.find_spec("matplotlib") is None:
        # Checked first: the report draws its plots after the benchmarks, which can take an hour.
        print("bench: BENCHMARKS.md's plots need matplotlib: pip install -e '.[bench]'", file=sys.stderr)
        return 2
    shown = sys.argv[1:] if argv is None else argv
    RESULTS.mkdir(parents=True, exist_ok=True)
    log_path = RESULTS / "commands.json"
    log = json.loads(log_path.read_text(encoding="utf-8")) if log_path.is_file() else {}
    failed = []
    if not args.report_only:
        started = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
        for step in STEPS:
            if (args.only and step.name not in args.only) or step.name in args.skip:
                continue
            if not step.own and args.reuse:
                continue
            if not (REPO / step.script).is_file():
                print(f"bench: {step.script} does not exist; skipping {step.name}", file=sys.stderr)
                continue
            step_argv = step.quick() if args.quick else step.full()
            if step_argv is None:
                mode = "quick" if args.quick else "full"
                print(f"bench: {step.name} has no {mode} variant; keeping its previous results", file=sys.stderr)
                continue
            log[step.name] = run_step(step, step_argv, args)
            if log[step.name]["status"] != "ok":
                failed.append(step.name)
            log_path.write_text(json.dumps(log, indent=1), encoding="utf-8")
        log["_run"] = {"command": " ".join(["python -m bench", *map(shlex.quote, shown)]),
                       "mode": "quick" if args.quick else "full", "started": started,
                       "finished": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")}
        log_path.write_text(json.dumps(log, indent=1), encoding="utf-8")
    print(f"bench: wrote {report.build()}", file=sys.stderr)
    if failed:
        print(f"bench: failed steps: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
