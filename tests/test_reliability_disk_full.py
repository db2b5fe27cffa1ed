"""The real server on a data directory whose small file system fills up while clients write.

Writes that no longer fit answer 507 (never 500), `/readyz` reports `degraded`, reads keep working and the
process stays up; after a restart every acknowledged item is there, and once space is freed writes succeed
again. The file system is a size-limited tmpfs the test mounts (it skips where the kernel refuses).
"""

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import signal
import threading
import time

import numpy as np
from server_process import ServerProcess, shared_tiny_model

D = 256
CLIENTS = 4
BATCH = 20


def items(client: int, start: int) -> list[dict]:
    rng = np.random.default_rng(client * 1_000_000 + start)
    return [{"id": f"c{client}-{start + i}", "vector": rng.standard_normal(D).round(4).tolist(),
             "metadata": {"client": client, "note": "n" * 500}} for i in range(BATCH)]


def test_a_filling_disk_answers_507_keeps_acknowledged_items_and_recovers(small_filesystem, tmp_path) -> None:
    data_fs = small_filesystem("6m", "datafs")
    ballast = data_fs / "ballast"
    ballast.write_bytes(bytes(1 << 20))  # freed at the end, as an operator would free space
    server = ServerProcess(shared_tiny_model(), data_fs / "data", tmp_path / "work")
    server.start()
    acknowledged: list[str] = []
    statuses: dict[int, int] = {}
    lock = threading.Lock()

    def client(number: int) -> None:
        refusals, start, deadline = 0, 0, time.monotonic() + 180
        with server.client() as http:
            while refusals < 3 and time.monotonic() < deadline:
                batch = items(number, start)
                answer = http.post("/v1/collections/full/items", json={"items": batch})
                with lock:
                    statuses[answer.status_code] = statuses.get(answer.status_code, 0) + 1
                    if answer.status_code == 200:
                        acknowledged.extend(item["id"] for item in batch)
                if answer.status_code == 507:
                    refusals += 1
                    assert answer.json()["error"]["code"] == "storage_full"
                elif answer.status_code != 200:
                    return
                start += BATCH

    try:
        with server.client() as http:
            assert http.post("/v1/collections", json={"name": "full", "dimension": D}).status_code == 201
        threads = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(240)
        assert set(statuses) <= {200, 507} and statuses.get(507, 0) >= CLIENTS, statuses
        assert server.alive()
        with server.client() as http:
            ready = http.get("/readyz")
            assert ready.status_code == 503 and ready.json()["status"] == "degraded", ready.text
            assert "full" in ready.json()["error"]
            assert http.get(f"/v1/collections/full/items/{acknowledged[0]}").status_code == 200
            assert http.post("/v1/collections", json={"name": "more", "dimension": D}).status_code == 507
        assert server.stop() in (0, -signal.SIGTERM), server.log_tail()  # uvicorn re-raises SIGTERM
        assert "Application shutdown complete" in server.log_text()

        ballast.unlink()
        server.start()
        with server.client() as http:
            assert http.get("/v1/collections/full").json()["count"] == len(acknowledged)
            for item_id in acknowledged[:: max(1, len(acknowledged) // 200)] + acknowledged[-CLIENTS:]:
                assert http.get(f"/v1/collections/full/items/{item_id}").status_code == 200, item_id
            assert http.post("/v1/collections/full/items", json={"items": items(99, 0)}).status_code == 200
            assert http.get("/readyz").status_code == 200
        assert "Traceback" not in server.log_text() and "internal_error" not in server.log_text()
    finally:
        server.stop()
    print(f"disk full: {len(acknowledged)} items acknowledged, answers {statuses}")
