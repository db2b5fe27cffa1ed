"""Every documented limit and malformed input answers its 4xx with the error envelope; bugs answer 500."""

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import asyncio
import json

import numpy as np
import pytest

from bindspace.app.body_limit import BodySizeLimitMiddleware
from live_server import LiveServer, b64, data_uri, imu_csv_bytes, live_server, mp4_bytes, png_bytes, wav_bytes

LIMITS = dict(max_body_bytes=300_000, max_items_per_request=4, max_image_pixels=10_000, max_audio_seconds=2.0,
              max_video_seconds=1.0, max_imu_samples=100, max_text_chars=50)


@pytest.fixture(scope="module")
def server() -> LiveServer:
    return live_server(**LIMITS)


def assert_envelope(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert set(error) == {"message", "type", "param", "code"} and error["message"]
    if code is not None:
        assert error["code"] == code, error
    return error


def embed(http, modality: str, inputs: list[str]):
    return http.post("/v1/embed", json={"modality": modality, "inputs": inputs})


def test_body_size_is_413_from_content_length(http) -> None:
    big = "x" * 400_000
    assert_envelope(embed(http, "text", [big]), 413, "body_too_large")


def test_body_size_is_413_for_chunked_bodies(http) -> None:
    payload = json.dumps({"modality": "text", "inputs": ["y" * 400_000]}).encode()
    chunks = (payload[i:i + 65_536] for i in range(0, len(payload), 65_536))
    response = http.post("/v1/embed", content=chunks, headers={"content-type": "application/json"})
    assert_envelope(response, 413, "body_too_large")


def test_the_body_limit_stops_reading_once_exceeded() -> None:
    """The middleware refuses after the chunk that crosses the limit, without reading the rest."""
    received = []

    async def endless_receive():
        received.append(1)
        return {"type": "http.request", "body": b"z" * 1000, "more_body": True}

    async def app(scope, receive, send):
        while True:
            await receive()

    sent = []

    async def send(message):
        sent.append(message)

    middleware = BodySizeLimitMiddleware(app, max_bytes=10_000)
    scope = {"type": "http", "path": "/v1/embed", "headers": [], "method": "POST"}
    asyncio.run(middleware(scope, endless_receive, send))
    assert len(received) == 11
    assert sent[0]["status"] == 413
    assert json.loads(sent[1]["body"])["error"]["code"] == "body_too_large"


def test_items_per_request(http) -> None:
    five = ["a", "b", "c", "d", "e"]
    assert_envelope(embed(http, "text", five), 413, "too_many_items")
    assert_envelope(http.post("/v1/embeddings", json={"model": "m", "input": five}), 413, "too_many_items")
    items = [{"id": str(i), "vector": [1.0] * 48} for i in range(5)]
    http.post("/v1/collections", json={"name": "limits"})
    assert_envelope(http.post("/v1/collections/limits/items", json={"items": items}), 413, "too_many_items")
    weaviate = http.post("/vectorize", json={"texts": five})
    assert weaviate.status_code == 413 and "4" in weaviate.json()["error"]
    assert embed(http, "text", five[:4]).status_code == 200


def test_image_pixels(http) -> None:
    error = assert_envelope(embed(http, "image", [data_uri(png_bytes(size=(200, 100)), "image/png")]), 422,
                            "invalid_input")
    assert "10000" in error["message"].replace(",", "").replace("_", "")
    assert embed(http, "image", [data_uri(png_bytes(size=(100, 100)), "image/png")]).status_code == 200


def test_audio_duration(http) -> None:
    assert_envelope(embed(http, "audio", [b64(wav_bytes(seconds=3.0))]), 422, "invalid_input")
    assert embed(http, "audio", [b64(wav_bytes(seconds=1.5))]).status_code == 200


def test_video_duration(http) -> None:
    assert_envelope(embed(http, "video", [b64(mp4_bytes(frames=30, fps=10))]), 422, "invalid_input")


def test_imu_length(http) -> None:
    assert_envelope(embed(http, "imu", [b64(imu_csv_bytes(rows=500))]), 422, "invalid_input")
    assert embed(http, "imu", [b64(imu_csv_bytes(rows=80))]).status_code == 200


def test_text_length(http) -> None:
    assert_envelope(embed(http, "text", ["w" * 60]), 422, "invalid_input")


def test_unsupported_media_types_are_415(http) -> None:
    pdf = "data:application/pdf;base64," + b64(b"%PDF-1.4")
    error = assert_envelope(embed(http, "image", [pdf]), 415, "unsupported_media_type")
    assert error["param"] == "inputs[0]"
    assert_envelope(http.post("/v1/embeddings", json={"model": "m", "input": [pdf], "modality": "audio"}), 415)
    upload = http.post("/v1/embed", data={"modality": "image"},
                       files={"file": ("doc.pdf", b"%PDF-1.4", "application/pdf")})
    assert_envelope(upload, 415, "unsupported_media_type")
    plain = http.post("/v1/embed", content=b"hello", headers={"content-type": "text/plain"})
    assert_envelope(plain, 415, "unsupported_media_type")


def test_malformed_base64_json_and_schema(http) -> None:
    assert_envelope(embed(http, "image", ["not*base64"]), 400, "invalid_base64")
    assert_envelope(embed(http, "image", ["data:image/png;base64,@@@"]), 400, "invalid_base64")
    assert_envelope(embed(http, "image", ["data:image/png"]), 400, "invalid_data_uri")
    broken = http.post("/v1/embed", content=b'{"modality": "text", "inputs": [',
                       headers={"content-type": "application/json"})
    assert_envelope(broken, 400, "invalid_json")
    broken_openai = http.post("/v1/embeddings", content=b"{nope", headers={"content-type": "application/json"})
    assert_envelope(broken_openai, 400, "invalid_json")
    assert_envelope(embed(http, "smell", ["x"]), 422, "invalid_request")
    assert_envelope(http.post("/v1/embed", json={"modality": "text"}), 422, "invalid_request")
    assert_envelope(http.post("/v1/embed", json={"modality": "text", "inputs": ["a"], "extra": 1}), 422)
    assert_envelope(embed(http, "text", []), 400, "empty_input")
    assert_envelope(embed(http, "image", [b64(b"not an image at all")]), 422, "invalid_input")


def test_multipart_uploads_match_json_inputs(http) -> None:
    pictures = [png_bytes(seed=5), png_bytes(seed=6)]
    upload = http.post("/v1/embed", data={"modality": "image"},
                       files=[("file", ("a.png", pictures[0], "image/png")),
                              ("file", ("b.png", pictures[1], "image/png"))])
    assert upload.status_code == 200, upload.text
    as_json = embed(http, "image", [b64(p) for p in pictures]).json()
    np.testing.assert_allclose([d["embedding"] for d in upload.json()["data"]],
                               [d["embedding"] for d in as_json["data"]], atol=1e-6)
    texts = http.post("/v1/embed", data={"modality": "text", "text": ["one", "two"], "normalize": "false"})
    assert texts.status_code == 200 and texts.json()["normalized"] is False and len(texts.json()["data"]) == 2
    too_many = http.post("/v1/embed", data={"modality": "image"},
                         files=[("file", (f"{i}.png", pictures[0], "image/png")) for i in range(5)])
    assert_envelope(too_many, 413, "too_many_items")


def test_a_bug_is_a_logged_500_with_the_envelope() -> None:
    server = live_server(max_items_per_request=7)
    runtime = server.app.state.runtime
    original = runtime.embedder.embed

    async def broken(kind, payloads):
        raise RuntimeError("secret internal detail")

    runtime.embedder.embed = broken
    try:
        with server.client() as http:
            response = embed(http, "text", ["x"])
    finally:
        runtime.embedder.embed = original
    error = assert_envelope(response, 500, "internal_error")
    assert error["type"] == "server_error" and "secret" not in error["message"]
