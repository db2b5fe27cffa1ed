"""Memory of the server while many large images are decoded at once, with and without the pixel budget.

Starts `bindspace serve` (a tiny random-weight model, so that decoding dominates) once per value of
`BINDSPACE_MAX_PIXELS_IN_FLIGHT`, sends `--clients` concurrent `POST /v1/embed` requests each carrying one
`--side` x `--side` PNG (a smooth gradient, so the PNG itself is small), and samples the resident memory of
the server and its encoder worker every 50 ms: before the burst, its peak during the burst, and 10 s after.

    python bench/decode_memory.py                                # 16 clients, 7000 x 7000, budgets 100 MP and unbounded
    python bench/decode_memory.py --clients 8 --side 5000 --budgets 50000000,1000000000000

Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import io
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import httpx  # noqa: E402
import numpy as np  # noqa: E402
import psutil  # noqa: E402
from PIL import Image  # noqa: E402

MIB = 1 << 20


def gradient_png(side: int) -> bytes:
    ramp = np.linspace(0, 255, side, dtype=np.float32)
    pixels = np.stack([np.broadcast_to(ramp[None, :], (side, side)),
                       np.broadcast_to(ramp[:, None], (side, side)),
                       np.full((side, side), 128, np.float32)], axis=-1).astype(np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="PNG", compress_level=9)
    return buffer.getvalue()


def tree_rss(pid: int) -> int:
    process = psutil.Process(pid)
    total = process.memory_info().rss
    for child in process.children(recursive=True):
        try:
            total += child.memory_info().rss
        except psutil.NoSuchProcess:
            pass
    return total


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def run(model: Path, budget: int, clients: int, payload: str, work: Path) -> dict[str, float]:
    port = free_port()
    env = {**os.environ, "BINDSPACE_MODEL": str(model), "BINDSPACE_DATA_DIR": str(work / f"data-{budget}"),
           "BINDSPACE_PORT": str(port), "BINDSPACE_LOG_LEVEL": "warning", "BINDSPACE_THREADS": "1",
           "BINDSPACE_MAX_PIXELS_IN_FLIGHT": str(budget), "BINDSPACE_MAX_BODY_BYTES": str(256 * MIB),
           "BINDSPACE_MAX_INPUT_BYTES": str(128 * MIB)}
    server = subprocess.Popen([sys.executable, "-m", "bindspace.app", "serve"], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.2)
        before = tree_rss(server.pid)
        peak = before
        sampling = True

        def sample() -> None:
            nonlocal peak
            while sampling:
                peak = max(peak, tree_rss(server.pid))
                time.sleep(0.05)

        sampler = threading.Thread(target=sample)
        sampler.start()

        async def burst() -> list[int]:
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=600) as http:
                answers = await asyncio.gather(*(http.post("/v1/embed", json={"modality": "image", "inputs": [payload]})
                                                 for _ in range(clients)))
            return [answer.status_code for answer in answers]

        started = time.monotonic()
        statuses = asyncio.run(burst())
        seconds = time.monotonic() - started
        time.sleep(10)
        sampling = False
        sampler.join()
        after = tree_rss(server.pid)
        return {"before": before / MIB, "peak": peak / MIB, "after": after / MIB, "seconds": seconds,
                "ok": sum(status == 200 for status in statuses)}
    finally:
        server.terminate()
        server.wait(60)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--side", type=int, default=7000)
    parser.add_argument("--budgets", default="100000000,1000000000000",
                        help="comma-separated BINDSPACE_MAX_PIXELS_IN_FLIGHT values")
    args = parser.parse_args()
    payload = "data:image/png;base64," + base64.b64encode(gradient_png(args.side)).decode()
    with tempfile.TemporaryDirectory(prefix="bindspace-decode-memory-") as temp:
        work = Path(temp)
        model = work / "tiny"
        code = ("import sys, torch; from bindspace import models; torch.manual_seed(0); "
                "models.save_model(models.build_model('tiny'), sys.argv[1], name='tiny')")
        subprocess.run([sys.executable, "-c", code, str(model)], check=True, timeout=300)
        print(f"{args.clients} concurrent {args.side} x {args.side} PNGs ({len(payload) / MIB:.1f} MiB as a data URI), "
              "resident memory of server and encoder worker:\n")
        print("| pixels in flight | before MiB | peak MiB | 10 s after MiB | burst s | answered 200 |")
        print("| ---: | ---: | ---: | ---: | ---: | ---: |")
        for budget in (int(value) for value in args.budgets.split(",")):
            row = run(model, budget, args.clients, payload, work)
            print(f"| {budget:,} | {row['before']:.0f} | {row['peak']:.0f} | {row['after']:.0f} | "
                  f"{row['seconds']:.1f} | {row['ok']} |", flush=True)


if __name__ == "__main__":
    main()
