"""Error messages name the input and the limit in words a client can act on."""

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import pytest

from live_server import LiveServer, data_uri, live_server, png_bytes

DEEP = "[" * 100_000 + "]" * 100_000
LONG_NUMBER = "1" * 5_000
ROUTES = [("/v1/embeddings", '{{"model": "m", "input": {}}}'),
          ("/vectorize", '{{"texts": {}}}'),
          ("/v1/collections/messages/items", '{{"items": {}}}'),
          ("/v1/collections/messages/search", '{{"query": {}}}'),
          ("/v1/embed", '{{"modality": "text", "inputs": {}}}')]


@pytest.fixture(scope="module")
def server() -> LiveServer:
    server = live_server()
    with server.client() as http:
        http.post("/v1/collections", json={"name": "messages", "dimension": 8})
    return server


def error_of(answer) -> dict:
    body = answer.json()["error"]
    return body if isinstance(body, dict) else {"message": body}


@pytest.mark.parametrize("path, template", ROUTES)
def test_deep_json_and_long_integers_are_explained(http, path, template) -> None:
    for value, words in ((DEEP, "nest too deeply"), (LONG_NUMBER, "integer longer than 4300 digits")):
        answer = http.post(path, content=template.format(value), headers={"content-type": "application/json"})
        assert answer.status_code == 400, (path, answer.text[:200])
        error = error_of(answer)
        if path != "/vectorize":
            assert error["code"] == "invalid_json", error
        if path != "/v1/embed":  # /v1/embed's own parser states its reason in its words
            assert words in error["message"], (path, error)
        assert "error parsing the body" not in error["message"]


def test_overflowing_combination_weights_are_not_called_a_zero_vector(http) -> None:
    query = {"combine": [{"vector": [1.0] * 8, "weight": 1e308}, {"vector": [0.5] * 8, "weight": 1.0}]}
    answer = http.post("/v1/collections/messages/search", json={"query": query})
    assert answer.status_code == 422
    message = answer.json()["error"]["message"]
    assert "zero vector" not in message and "weights are too large" in message


def test_undecodable_media_names_its_input(http) -> None:
    answer = http.post("/v1/embed", json={"modality": "audio", "inputs": [data_uri(b"not audio at all", "audio/wav")]})
    error = answer.json()["error"]
    assert answer.status_code == 422 and error["param"] == "inputs[0]"
    assert error["message"].startswith("inputs[0]: audio: cannot decode") and "object at 0x" not in error["message"]


def test_media_type_errors_use_the_right_article(http) -> None:
    answer = http.post("/v1/embed", json={"modality": "audio", "inputs": [data_uri(png_bytes(), "image/png")]})
    assert answer.status_code == 415 and "for an audio input" in answer.json()["error"]["message"]


def test_index_descriptions_are_explained_without_faiss_internals(http) -> None:
    answer = http.post("/v1/collections", json={"name": "pq", "dimension": 8, "index": "IVF4,PQ3"})
    message = answer.json()["error"]["message"]
    assert answer.status_code == 422 and "multiple of 3" in message and "failed" not in message
