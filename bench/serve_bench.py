"""Serving throughput: concurrent HTTP clients against `bindspace serve`, batching on vs off.

For each modality (text, image), batching setting (on, off), request size (`--inputs-per-request`: 1 is
Weaviate's import pattern, one object per call; larger is an OpenAI-style client sending lists) and
client count (1, 8, 32), clients send `POST /v1/embed` requests back to back for a fixed time.
Reported: inputs/s and p50/p99 latency, next to the in-process batched encoder's throughput (model
only, no HTTP, no preprocessing) as the ceiling, and the serving targets for text.

    python bench/serve_bench.py                      # the bundled default model
    python bench/serve_bench.py --model tiny         # a random-weight preset model made on the fly
    python bench/serve_bench.py --model /path/to/model --seconds 10
    python bench/serve_bench.py --modalities text --inputs-per-request 1,16

Writes the table to bench/results/serve.md as well as stdout.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import io
import json
import os
import platform
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import httpx  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402
from PIL import Image  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.real_data_sets import all_captions  # noqa: E402

PRESET_NAMES = ("tiny", "small", "huge")


def resolve_model(choice: str) -> tuple[Path, str]:
    """The model directory to serve and how to describe it."""
    from bindspace.engine.model_source import DEFAULT_MODEL_DIR

    if choice == "default":
        if not (DEFAULT_MODEL_DIR / "config.json").is_file():
            raise SystemExit(f"no default model at {DEFAULT_MODEL_DIR}; pass --model tiny or --model PATH")
        return DEFAULT_MODEL_DIR, "bundled default model"
    from bindspace import models

    if choice in PRESET_NAMES:
        torch.manual_seed(0)
        path = Path(tempfile.mkdtemp(prefix=f"bindspace-bench-{choice}-"))
        models.save_model(models.build_model(choice), path, name=choice)
        return path, f"{choice} random-weight model (models.build_model('{choice}'))"
    return Path(choice), f"model directory {choice}"


def payloads(modality: str, count: int) -> list[str]:
    """Request inputs: COCO-mini's captions (real sentences of varied length, the texts
    bench/minilm_reference.py encodes), or distinct 320x240 PNG photos-to-be, base64-encoded."""
    if modality == "text":
        captions = [text for _, texts in sorted(all_captions().items()) for text in texts]
        return [captions[i % len(captions)] for i in range(count)]
    rng = np.random.default_rng(0)
    images = []
    for _ in range(count):
        buffer = io.BytesIO()
        Image.fromarray(rng.integers(0, 255, (240, 320, 3), dtype=np.uint8)).save(buffer, format="PNG")
        images.append("data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode())
    return images


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ServerProcess:
    """`python -m bindspace.app serve` in a subprocess with the given BINDSPACE_* settings."""

    def __init__(self, model: Path, batching: bool, threads: str | None) -> None:
        self.port = free_port()
        self.data_dir = tempfile.mkdtemp(prefix="bindspace-bench-data-")
        env = {**os.environ, "BINDSPACE_MODEL": str(model), "BINDSPACE_DATA_DIR": self.data_dir,
               "BINDSPACE_PORT": str(self.port), "BINDSPACE_BATCHING": str(batching).lower(),
               "BINDSPACE_QUEUE_SIZE": "1024", "BINDSPACE_LOG_LEVEL": "warning"}
        if threads is not None:
            env["BINDSPACE_THREADS"] = threads
        self.process = subprocess.Popen([sys.executable, "-m", "bindspace.app", "serve"], cwd=ROOT, env=env)
        self.url = f"http://127.0.0.1:{self.port}"
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            try:
                if httpx.get(self.url + "/readyz", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            if self.process.poll() is not None:
                raise SystemExit(f"the server exited with status {self.process.returncode}")
            time.sleep(0.2)
        self.stop()
        raise SystemExit("the server did not become ready in 300 s")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(30)
        shutil.rmtree(self.data_dir, ignore_errors=True)


class Connection:
    """One keep-alive HTTP/1.1 connection speaking just enough of the protocol for the benchmark.

    The load generator shares the machine with the server, so it must cost little CPU: an asyncio
    stream and a hand-written request line cost a few microseconds per call where a full client
    library costs hundreds.
    """

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer

    @classmethod
    async def open(cls, port: int) -> Connection:
        return cls(*await asyncio.open_connection("127.0.0.1", port))

    async def post_json(self, path: str, body: bytes) -> int:
        """POST `body`, read the whole answer, return its status code."""
        self.writer.write(b"POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                          b"Content-Length: %d\r\n\r\n%s" % (path.encode(), len(body), body))
        head = await self.reader.readuntil(b"\r\n\r\n")
        lines = head.split(b"\r\n")
        length = next(int(line.split(b":", 1)[1]) for line in lines if line.lower().startswith(b"content-length:"))
        await self.reader.readexactly(length)
        return int(lines[0].split()[1])

    def close(self) -> None:
        self.writer.close()


def request_bodies(modality: str, inputs: list[str], per_request: int) -> list[bytes]:
    """`POST /v1/embed` bodies of `per_request` consecutive inputs each, cycling through `inputs`."""
    bodies = []
    for start in range(0, len(inputs), per_request):
        chunk = [inputs[(start + i) % len(inputs)] for i in range(per_request)]
        bodies.append(json.dumps({"modality": modality, "inputs": chunk}).encode())
    return bodies


async def load(port: int, bodies: list[bytes], per_request: int, clients: int, seconds: float) -> dict:
    """`clients` concurrent connections sending requests back to back for `seconds` after a 1 s warm-up."""
    latencies: list[float] = []
    errors = 0
    connections = [await Connection.open(port) for _ in range(clients)]
    measure_from = time.perf_counter() + 1.0
    deadline = measure_from + seconds

    async def worker(connection: Connection, offset: int) -> None:
        nonlocal errors
        i = offset
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            status = await connection.post_json("/v1/embed", bodies[i % len(bodies)])
            i += clients
            if started < measure_from:
                continue
            if status == 200:
                latencies.append(time.perf_counter() - started)
            else:
                errors += 1

    try:
        await asyncio.gather(*(worker(c, n) for n, c in enumerate(connections)))
    finally:
        for connection in connections:
            connection.close()
    # No request may finish within `seconds` on a slow model: its latencies are then unknown (NaN).
    values = np.array(latencies) * 1000 if latencies else np.array([np.nan])
    return {"throughput": len(latencies) * per_request / seconds, "p50": float(np.percentile(values, 50)),
            "p99": float(np.percentile(values, 99)), "requests": len(latencies), "errors": errors}


def encoder_throughput(settings, modality: str, inputs: list[str], batch: int, seconds: float) -> float:
    """Inputs/s of the in-process encoder on preprocessed batches of `batch` (the model alone)."""
    from bindspace.engine.engine import load_encoder
    from bench.pipeline import encoder_rate
    from bindspace.models.factory import read_model_config
    from bindspace.models.kinds import build_preprocessors, encoder_of, preprocess_options

    encoder, _ = load_encoder(settings, settings.model)
    kind = "text" if modality == "text" else "image"
    preprocess = build_preprocessors(settings.input_limits(), **preprocess_options(read_model_config(settings.model)[0]))[kind]
    raw = [base64.b64decode(x.split(",", 1)[1]) if kind == "image" else x for x in inputs[:batch]]
    tensor = torch.stack([preprocess(x) for x in raw])
    return encoder_rate(encoder, encoder_of(kind), tensor, seconds)


def target_lines(rows: list[tuple], ceilings: dict[str, tuple[int, float]]) -> list[str]:
    """The serving targets for text at the largest client count: batched vs in-process and vs unbatched."""
    most = max(clients for _, _, _, clients, _ in rows)
    cells = {(batching, per_request): r["throughput"] for modality, batching, per_request, clients, r in rows
             if modality == "text" and clients == most}
    if "text" not in ceilings or not cells:
        return []
    ceiling = ceilings["text"][1]
    lines = ["", f"Targets for text with {most} clients: batched serving >= 80% of the in-process encoder and "
             ">= 4x unbatched serving.", "",
             "| inputs/request | batched inputs/s | % of in-process | x unbatched | met |",
             "| ---: | ---: | ---: | ---: | --- |"]
    for per_request in sorted({p for _, p in cells}):
        on, off = cells.get(("on", per_request)), cells.get(("off", per_request))
        if on is None or off is None:
            continue
        share, speedup = on / ceiling, on / off
        met = "yes" if share >= 0.8 and speedup >= 4 else "no"
        lines.append(f"| {per_request} | {on:.1f} | {100 * share:.0f}% | {speedup:.2f} | {met} |")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="default",
                        help="'default', a preset name for random weights ('tiny', 'small'), or a model directory")
    parser.add_argument("--modalities", default="text,image")
    parser.add_argument("--clients", default="1,8,32")
    parser.add_argument("--inputs-per-request", default="1",
                        help="comma-separated inputs per request, e.g. 1,16 (each value is a separate cell)")
    parser.add_argument("--seconds", type=float, default=8.0, help="measurement time per cell")
    parser.add_argument("--threads", default=None,
                        help="BINDSPACE_THREADS for the server: a number, or 'none' for torch's default "
                        "(default: the setting's default, CPU cores - 1)")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "serve.md")
    args = parser.parse_args()

    from bindspace.engine.settings import Settings

    model_dir, model_text = resolve_model(args.model)
    modalities = args.modalities.split(",")
    client_counts = [int(c) for c in args.clients.split(",")]
    per_request_counts = [int(n) for n in args.inputs_per_request.split(",")]
    thread_override = {} if args.threads is None else {"threads": None if args.threads == "none" else int(args.threads)}
    defaults = Settings(model=model_dir, **thread_override)
    server_threads = args.threads or str(defaults.threads)
    inputs = {m: payloads(m, 256) for m in modalities}

    load_before = os.getloadavg()[0]
    rows = []
    for batching in (True, False):
        server = ServerProcess(model_dir, batching, args.threads)
        state = "on" if batching else "off"
        try:
            for modality in modalities:
                for per_request in per_request_counts:
                    bodies = request_bodies(modality, inputs[modality], per_request)
                    for clients in client_counts:
                        result = asyncio.run(load(server.port, bodies, per_request, clients, args.seconds))
                        rows.append((modality, state, per_request, clients, result))
                        print(f"{modality} batching={state} inputs/request={per_request} clients={clients}: "
                              f"{result['throughput']:.1f}/s p50 {result['p50']:.1f} ms p99 {result['p99']:.1f} ms",
                              file=sys.stderr)
        finally:
            server.stop()

    ceilings = {}
    for modality in modalities:
        batch = defaults.batch_sizes["text" if modality == "text" else "vision"]
        ceilings[modality] = (batch, encoder_throughput(defaults, modality, inputs[modality], batch, args.seconds))

    lines = [
        "# Serving throughput",
        "",
        f"Model: {model_text}. Machine: {platform.machine()}, {os.cpu_count()} CPU cores, torch "
        f"{torch.__version__}, {torch.get_num_threads()} torch threads for the in-process encoder; the server and "
        f"the load generator share the machine (1-minute load average {load_before:.1f} before the run, "
        f"{os.getloadavg()[0]:.1f} after: other processes on the machine count too).",
        "",
        f"Server torch threads (BINDSPACE_THREADS): {server_threads}.",
        "",
        f"Command: `python bench/serve_bench.py {' '.join(sys.argv[1:])}` "
        "(the server runs as `BINDSPACE_BATCHING=true|false python -m bindspace.app serve`; requests are "
        "`POST /v1/embed` over keep-alive connections, measured for the given seconds after a 1 s warm-up; "
        "images are 320x240 PNGs).",
        "",
        "| modality | batching | inputs/request | clients | inputs/s | p50 ms | p99 ms | requests | errors |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for modality, batching, per_request, clients, r in rows:
        lines.append(f"| {modality} | {batching} | {per_request} | {clients} | {r['throughput']:.1f} | "
                     f"{r['p50']:.1f} | {r['p99']:.1f} | {r['requests']} | {r['errors']} |")
    lines += ["", "In-process encoder (model only: preprocessed batch, no HTTP):", "",
              "| modality | batch | inputs/s |", "| --- | ---: | ---: |"]
    for modality, (batch, rate) in ceilings.items():
        lines.append(f"| {modality} | {batch} | {rate:.1f} |")
    lines += target_lines(rows, ceilings)
    if args.model in PRESET_NAMES:
        shutil.rmtree(model_dir, ignore_errors=True)
    table = "\n".join(lines) + "\n"
    print(table)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(table, encoding="utf-8")


if __name__ == "__main__":
    main()
