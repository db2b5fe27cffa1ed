"""Bounded load test of the real server on loopback: many concurrent clients, mixed traffic.

    python tests/reliability_load.py --seconds 180 --clients 64     # writes bench/results/load.md

Each client (an asyncio task sharing one httpx.AsyncClient) sends, one after another until the time or
the request budget is spent, a mix of: embeddings (native /v1/embed for text, image, audio and IMU;
OpenAI /v1/embeddings; Weaviate /vectorize), upserts into a Flat collection (precomputed vectors and
text inputs, ids drawn from a fixed pool so the index size levels off) and searches (by vector and by
text). Video is left out: one video costs as much as dozens of images on two cores.

Pass criteria: no 5xx, no transport error, no status other than 2xx and 429 (the only backpressure),
and the resident memory of the server and its encoder worker at the end within 10% of what it was at the
end of the warm-up. Latency percentiles and the machine's load average are reported.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import io
import os
import random
import sys
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import httpx
import numpy as np
from server_process import REPO, ServerProcess, make_tiny_model

COLLECTION = "load"
ID_POOL = 5000
# Operation -> share of the traffic.
MIX = {
    "embed text": 0.18, "embed image": 0.08, "embed audio": 0.04, "embed imu": 0.04,
    "openai embeddings": 0.08, "weaviate vectorize": 0.04,
    "upsert vectors": 0.22, "upsert text": 0.06,
    "search vector": 0.20, "search text": 0.06,
}


def _png(rng: np.random.Generator) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(rng.integers(0, 255, (48, 64, 3), dtype=np.uint8)).save(buffer, format="PNG")
    return buffer.getvalue()


def _wav(rng: np.random.Generator) -> bytes:
    import soundfile

    buffer = io.BytesIO()
    soundfile.write(buffer, (0.1 * rng.standard_normal(16_000)).astype(np.float32), 16_000, format="WAV",
                    subtype="PCM_16")
    return buffer.getvalue()


def _imu(rng: np.random.Generator) -> bytes:
    rows = [",".join(f"{v:.4f}" for v in row) for row in rng.standard_normal((400, 6))]
    return ("ax,ay,az,gx,gy,gz\n" + "\n".join(rows) + "\n").encode()


class Payloads:
    """Small valid media, made once, and request builders for each operation."""

    def __init__(self, dimension: int, seed: int) -> None:
        rng = np.random.default_rng(seed)
        self.dimension = dimension
        self.images = [base64.b64encode(_png(rng)).decode() for _ in range(8)]
        self.sounds = [base64.b64encode(_wav(rng)).decode() for _ in range(4)]
        self.imus = [base64.b64encode(_imu(rng)).decode() for _ in range(4)]
        self.words = ["dog", "cat", "rain", "car", "horn", "beach", "night", "city", "river", "forest", "bird",
                      "engine", "music", "crowd", "wind"]

    def text(self, rng: random.Random) -> str:
        return " ".join(rng.choices(self.words, k=rng.randint(2, 8)))

    def vector(self, rng: random.Random) -> list[float]:
        return [rng.gauss(0, 1) for _ in range(self.dimension)]

    def request(self, operation: str, rng: random.Random) -> tuple[str, str, dict]:
        texts = [self.text(rng) for _ in range(rng.randint(1, 4))]
        if operation == "embed text":
            return "POST", "/v1/embed", {"modality": "text", "inputs": texts}
        if operation == "embed image":
            return "POST", "/v1/embed", {"modality": "image", "inputs": rng.sample(self.images, rng.randint(1, 2))}
        if operation == "embed audio":
            return "POST", "/v1/embed", {"modality": "audio", "inputs": [rng.choice(self.sounds)]}
        if operation == "embed imu":
            return "POST", "/v1/embed", {"modality": "imu", "inputs": [rng.choice(self.imus)]}
        if operation == "openai embeddings":
            return "POST", "/v1/embeddings", {"model": "any", "input": texts, "encoding_format": "base64"}
        if operation == "weaviate vectorize":
            return "POST", "/vectorize", {"texts": texts[:1], "images": [rng.choice(self.images)]}
        if operation == "upsert vectors":
            items = [{"id": f"item-{rng.randrange(ID_POOL)}", "vector": self.vector(rng), "modality": "image",
                      "metadata": {"group": rng.choice("abcd")}} for _ in range(rng.randint(1, 16))]
            return "POST", f"/v1/collections/{COLLECTION}/items", {"items": _unique(items)}
        if operation == "upsert text":
            items = [{"id": f"item-{rng.randrange(ID_POOL)}", "input": {"modality": "text", "text": text},
                      "metadata": {"group": rng.choice("abcd")}} for text in texts]
            return "POST", f"/v1/collections/{COLLECTION}/items", {"items": _unique(items)}
        if operation == "search vector":
            body = {"query": {"vector": self.vector(rng)}, "k": 10}
            if rng.random() < 0.3:
                body["filter"] = {"group": rng.choice("abcd")}
            return "POST", f"/v1/collections/{COLLECTION}/search", body
        if operation == "search text":
            return "POST", f"/v1/collections/{COLLECTION}/search", {
                "query": {"input": {"modality": "text", "text": texts[0]}}, "k": 10}
        raise ValueError(operation)


def _unique(items: list[dict]) -> list[dict]:
    return list({item["id"]: item for item in items}.values())


@dataclass
class LoadReport:
    seconds: float
    clients: int
    warmup_seconds: float
    queue_size: int
    requests: int = 0
    statuses: Counter = field(default_factory=Counter)
    transport_errors: list[str] = field(default_factory=list)
    unexpected: list[str] = field(default_factory=list)
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    rss: list[tuple[float, int]] = field(default_factory=list)
    load_average: tuple[tuple[float, float, float], tuple[float, float, float]] | None = None
    elapsed: float = 0.0
    server_log_tracebacks: int = 0

    def rss_at(self, start: float, end: float) -> float:
        values = [rss for t, rss in self.rss if start <= t <= end]
        return float(np.mean(values)) if values else float("nan")

    @property
    def rss_after_warmup(self) -> float:
        return self.rss_at(self.warmup_seconds - 3, self.warmup_seconds)

    @property
    def rss_at_end(self) -> float:
        last = self.rss[-1][0] if self.rss else 0.0
        return self.rss_at(last - 3, last)

    @property
    def rss_growth(self) -> float:
        return self.rss_at_end / self.rss_after_warmup - 1

    def rss_series(self, points: int = 10) -> str:
        """The resident memory at `points` evenly spaced moments, for the report."""
        if not self.rss:
            return "-"
        end = self.rss[-1][0]
        marks = [end * i / (points - 1) for i in range(points)]
        return ", ".join(f"{t:.0f} s: {min(self.rss, key=lambda s: abs(s[0] - t))[1] / 2**20:.0f}" for t in marks)

    @property
    def server_errors(self) -> int:
        return sum(count for status, count in self.statuses.items() if status >= 500)

    @property
    def ok(self) -> bool:
        return (self.server_errors == 0 and not self.transport_errors and not self.unexpected
                and self.rss_growth < 0.10 and self.server_log_tracebacks == 0)

    def percentiles(self, operation: str | None = None) -> tuple[int, float, float, float, float]:
        values = (self.latencies[operation] if operation else [v for vs in self.latencies.values() for v in vs])
        if not values:
            return 0, float("nan"), float("nan"), float("nan"), float("nan")
        p50, p95, p99 = np.percentile(values, [50, 95, 99]) * 1000
        return len(values), p50, p95, p99, max(values) * 1000

    def markdown(self, command: str) -> str:
        start, end = self.load_average or ((float("nan"),) * 3, (float("nan"),) * 3)
        lines = [
            "# Load test",
            "",
            f"Command: `{command}`",
            "",
            (f"{self.clients} concurrent clients for {self.elapsed:.0f} s on loopback against one server process "
             f"(tiny random-weight model, BINDSPACE_THREADS=1, BINDSPACE_PREPROCESS_WORKERS=2, "
             f"BINDSPACE_QUEUE_SIZE={self.queue_size}), "
             f"{self.requests} requests, {self.requests / max(self.elapsed, 1e-9):.1f} requests/s. "
             f"Load average (1, 5, 15 min) at the start {start[0]:.2f}, {start[1]:.2f}, {start[2]:.2f}; at the end "
             f"{end[0]:.2f}, {end[1]:.2f}, {end[2]:.2f} (2 cores, shared with other work: latencies include waiting "
             "for a core)."),
            "",
            "| operation | requests | p50 ms | p95 ms | p99 ms | max ms |",
            "| --- | ---: | ---: | ---: | ---: | ---: |",
        ]
        for operation in [*MIX, None]:
            count, p50, p95, p99, worst = self.percentiles(operation)
            name = operation or "**all**"
            lines.append(f"| {name} | {count} | {p50:.0f} | {p95:.0f} | {p99:.0f} | {worst:.0f} |")
        statuses = ", ".join(f"{status}: {count}" for status, count in sorted(self.statuses.items()))
        lines += [
            "",
            "| check | result |",
            "| --- | --- |",
            f"| statuses | {statuses} |",
            f"| 5xx | {self.server_errors} |",
            f"| transport errors | {len(self.transport_errors)} |",
            f"| other non-2xx than 429 | {len(self.unexpected)} |",
            f"| server + worker RSS after {self.warmup_seconds:.0f} s warm-up "
            f"| {self.rss_after_warmup / 2**20:.0f} MiB |",
            f"| server + worker RSS at the end | {self.rss_at_end / 2**20:.0f} MiB ({100 * self.rss_growth:+.1f}%) |",
            f"| server + worker RSS peak | {max((r for _, r in self.rss), default=0) / 2**20:.0f} MiB |",
            f"| server + worker RSS over time (MiB) | {self.rss_series()} |",
            f"| tracebacks in the server log | {self.server_log_tracebacks} |",
            f"| verdict | {'pass' if self.ok else 'FAIL'} |",
            "",
        ]
        return "\n".join(lines)


async def _drive(server: ServerProcess, payloads: Payloads, report: LoadReport, seconds: float, clients: int,
                 max_requests: int, seed: int) -> None:
    # Idle connections are dropped by the client after 2 s, before uvicorn's 5 s keep-alive timeout closes
    # them: with equal timeouts a request sent on a connection at the moment the server closes it fails with
    # a ReadError (the keep-alive race every HTTP/1.1 client must avoid; see docs/reliability.md).
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients, keepalive_expiry=2.0)
    started = time.monotonic()
    deadline = started + seconds
    operations, weights = list(MIX), list(MIX.values())
    budget = [max_requests]

    async def client(number: int, http: httpx.AsyncClient) -> None:
        rng = random.Random(seed * 1000 + number)
        while time.monotonic() < deadline and budget[0] > 0:
            budget[0] -= 1
            operation = rng.choices(operations, weights)[0]
            method, path, body = payloads.request(operation, rng)
            sent = time.monotonic()
            try:
                response = await http.request(method, path, json=body)
            except httpx.TransportError as exc:
                report.transport_errors.append(f"{operation}: {type(exc).__name__}: {exc}")
                continue
            report.latencies[operation].append(time.monotonic() - sent)
            report.requests += 1
            report.statuses[response.status_code] += 1
            if response.status_code == 429 and not response.headers.get("retry-after", "").isdigit():
                report.unexpected.append(f"{operation}: 429 without a Retry-After header")
            if response.status_code >= 300 and response.status_code != 429:
                report.unexpected.append(f"{operation}: {response.status_code} {response.text[:200]}")

    async def sample_memory() -> None:
        while time.monotonic() < deadline and budget[0] > 0:
            report.rss.append((time.monotonic() - started, server.rss()))
            await asyncio.sleep(0.5)
        report.rss.append((time.monotonic() - started, server.rss()))

    async with httpx.AsyncClient(base_url=server.url, timeout=300, limits=limits) as http:
        await asyncio.gather(sample_memory(), *(client(n, http) for n in range(clients)))
    report.elapsed = time.monotonic() - started


def run_load_test(work_dir: Path, *, seconds: float, clients: int, warmup: float | None = None,
                  max_requests: int = 1_000_000, launch: str = "fork", seed: int = 0,
                  queue_size: int | None = None, model_dir: Path | None = None) -> LoadReport:
    """Start a server, drive it for `seconds` with `clients` concurrent clients, stop it; the report.
    `queue_size` (BINDSPACE_QUEUE_SIZE) small enough makes the server refuse work with 429."""
    work_dir = Path(work_dir)
    model_dir = model_dir or make_tiny_model(work_dir / "model")
    settings = {"BINDSPACE_QUEUE_SIZE": str(queue_size)} if queue_size else {}
    server = ServerProcess(model_dir, work_dir / "data", work_dir, launch=launch, settings=settings)
    server.start()
    warmup = warmup if warmup is not None else max(5.0, seconds / 4)
    report = LoadReport(seconds=seconds, clients=clients, warmup_seconds=warmup, queue_size=queue_size or 256)
    try:
        with server.client() as http:
            dimension = http.get("/v1/models").json()["data"][0]["dimension"]
            assert http.post("/v1/collections", json={"name": COLLECTION}).status_code == 201
        payloads = Payloads(dimension, seed)
        load_before = os.getloadavg()
        asyncio.run(_drive(server, payloads, report, seconds, clients, max_requests, seed))
        report.load_average = (load_before, os.getloadavg())
        with server.client() as http:
            assert http.get("/readyz").status_code == 200
    finally:
        server.stop()
    report.server_log_tracebacks = server.log_text().count("Traceback")
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=180)
    parser.add_argument("--clients", type=int, default=64)
    parser.add_argument("--warmup", type=float, help="seconds before the memory baseline (default: a quarter)")
    parser.add_argument("--launch", choices=("fork", "exec"), default="exec")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--queue-size", type=int, help="BINDSPACE_QUEUE_SIZE (default: the service's, 256)")
    parser.add_argument("--output", type=Path, default=REPO / "bench" / "results" / "load.md")
    args = parser.parse_args(argv)
    work_dir = Path(tempfile.mkdtemp(prefix="bindspace-load-"))
    report = run_load_test(work_dir, seconds=args.seconds, clients=args.clients, warmup=args.warmup,
                           launch=args.launch, seed=args.seed, queue_size=args.queue_size)
    command = "python tests/reliability_load.py " + " ".join(argv if argv is not None else sys.argv[1:])
    text = report.markdown(command)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(text)
    print(text)
    print(f"server log and data: {work_dir}")
    for problem in (report.transport_errors + report.unexpected)[:20]:
        print("  problem:", problem)
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
