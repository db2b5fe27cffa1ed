"""Two bindspace servers sharing one Milvus Lite server: what one writes the other finds at once
(consistency level Strong), and SIGKILL of one while it writes loses nothing it acknowledged."""

from __future__ import annotations

import threading
import time

import httpx
import numpy as np
import pytest
from bindspace_process import BindspaceProcess
from server_process import make_tiny_model

D = 16


def vector(seed: int) -> list[float]:
    return np.random.default_rng(seed).standard_normal(D).astype(np.float32).tolist()


@pytest.fixture(scope="module")
def replicas(tmp_path_factory, milvus_server):
    """Two servers on the session's Milvus Lite server (the crash test, last, kills the first)."""
    root = tmp_path_factory.mktemp("replicas")
    settings = {"BINDSPACE_INDEX_BACKEND": "milvus", "BINDSPACE_MILVUS_URI": milvus_server.uri,
                "BINDSPACE_MODEL": str(make_tiny_model(root / "model")), "BINDSPACE_INFERENCE_PROCESS": "false",
                "BINDSPACE_DATA_DIR": str(root / "unused")}
    servers = []
    try:
        for name in ("a", "b"):
            servers.append(BindspaceProcess(settings, root / f"{name}.log"))
        yield servers
    finally:
        for server in servers:
            server.stop()
    assert not (root / "unused").exists(), "a Milvus-backed server wrote a FAISS data directory"


def test_writes_through_one_replica_are_found_through_the_other(replicas):
    a, b = replicas
    with a.client() as http_a, b.client() as http_b:
        assert http_a.post("/v1/collections", json={"name": "shared", "dimension": D, "index": "HNSW16"}).status_code == 201
        assert http_b.get("/v1/collections/shared").json()["count"] == 0
        items = [{"id": f"a-{i}", "vector": vector(i), "modality": "image", "metadata": {"n": i}} for i in range(20)]
        assert http_a.post("/v1/collections/shared/items", json={"items": items}).status_code == 200
        assert http_b.get("/v1/collections/shared").json()["count"] == 20
        found = http_b.post("/v1/collections/shared/search",
                            json={"query": {"vector": vector(3)}, "k": 1, "filter": {"n": {"$lt": 10}}}).json()
        assert found["results"][0]["id"] == "a-3"
        assert http_b.patch("/v1/collections/shared/items/a-4/metadata", json={"metadata": {"by": "b"}}).status_code == 200
        assert http_a.get("/v1/collections/shared/items/a-4").json()["metadata"] == {"n": 4, "by": "b"}
        assert http_b.post("/v1/collections/shared/items/delete", json={"ids": ["a-0", "a-1"]}).json() == {"deleted": 2}
        listed = http_a.post("/v1/collections/shared/items/list", json={"limit": 100}).json()
        assert sorted(item["id"] for item in listed["items"]) == sorted(f"a-{i}" for i in range(2, 20))
        assert http_b.delete("/v1/collections/shared").status_code == 204
        assert http_a.get("/v1/collections/shared").status_code == 404


def test_sigkill_of_a_replica_loses_nothing_it_acknowledged(replicas):
    a, b = replicas
    with b.client() as http_b:
        assert http_b.post("/v1/collections", json={"name": "crash", "dimension": D}).status_code == 201
    acknowledged: list[str] = []
    stop = threading.Event()

    def write(writer: int) -> None:
        with a.client() as http:
            for batch in range(10_000):
                if stop.is_set():
                    return
                ids = [f"w{writer}-{batch}-{i}" for i in range(4)]
                items = [{"id": i, "vector": vector(hash(i) % 10_000), "metadata": {"writer": writer}} for i in ids]
                try:
                    response = http.post("/v1/collections/crash/items", json={"items": items})
                except httpx.TransportError:
                    return
                if response.status_code == 200:
                    acknowledged.extend(ids)

    writers = [threading.Thread(target=write, args=(n,)) for n in range(3)]
    for thread in writers:
        thread.start()
    deadline = time.monotonic() + 30
    while len(acknowledged) < 200 and time.monotonic() < deadline:
        time.sleep(0.05)
    a.kill()
    stop.set()
    for thread in writers:
        thread.join(30)
    assert len(acknowledged) >= 200, "the writers barely wrote before the kill"
    with b.client() as http_b:
        stored = set()
        cursor = None
        while True:
            page = http_b.post("/v1/collections/crash/items/list", json={"limit": 1000, "cursor": cursor}).json()
            stored |= {item["id"] for item in page["items"]}
            cursor = page["next_cursor"]
            if cursor is None:
                break
        lost = set(acknowledged) - stored
        assert not lost, f"{len(lost)} acknowledged items lost, e.g. {sorted(lost)[:5]}"
        assert http_b.get("/v1/collections/crash").json()["count"] == len(stored) >= len(acknowledged)
        assert http_b.delete("/v1/collections/crash").status_code == 204
