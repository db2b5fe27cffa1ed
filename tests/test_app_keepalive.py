"""An unexpected server error answers 500 and leaves the keep-alive connection usable."""

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from live_server import live_server


def test_the_connection_serves_the_next_request_after_a_500() -> None:
    server = live_server(max_items_per_request=9)
    runtime = server.app.state.runtime
    original = runtime.embedder.embed

    async def broken(kind, payloads):
        raise RuntimeError("boom")

    with server.client() as http:
        runtime.embedder.embed = broken
        try:
            failed = http.post("/v1/embed", json={"modality": "text", "inputs": ["x"]})
        finally:
            runtime.embedder.embed = original
        assert failed.status_code == 500 and failed.json()["error"]["code"] == "internal_error"
        assert failed.headers.get("connection", "").lower() != "close"
        after = http.post("/v1/embed", json={"modality": "text", "inputs": ["x"]})
        assert after.status_code == 200
        assert http.get("/healthz").status_code == 200
