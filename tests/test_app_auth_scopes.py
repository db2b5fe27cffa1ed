"""Scoped API keys: read keys embed and search, write keys also change items, admin keys also manage collections."""

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import pytest

from live_server import LiveServer, b64, live_server, png_bytes

ADMIN, WRITE, READ = "admin-key-0123456789", "write-key-0123456789", "read-key-0123456789"


@pytest.fixture(scope="module")
def server() -> LiveServer:
    return live_server(api_keys=ADMIN, write_api_keys=WRITE, read_api_keys=f"another-read-key,{READ}")


def as_key(key: str) -> dict:
    return {"Authorization": f"Bearer {key}"}


def test_each_scope_allows_its_own_requests_and_those_below(http) -> None:
    item = {"items": [{"id": "a", "vector": [1.0] * 32}]}
    created = http.post("/v1/collections", json={"name": "scoped", "dimension": 32}, headers=as_key(ADMIN))
    assert created.status_code == 201
    reads = [("POST", "/v1/embed", {"modality": "text", "inputs": ["hi"]}),
             ("POST", "/v1/embeddings", {"model": "tiny-test", "input": "hi"}),
             ("POST", "/v1/classify", {"input": {"modality": "text", "text": "a cat"},
                                       "candidate_labels": ["cat", "dog"]}),
             ("POST", "/vectorize", {"images": [b64(png_bytes())]}),
             ("GET", "/v1/collections", None),
             ("GET", "/v1/collections/scoped", None),
             ("POST", "/v1/collections/scoped/search", {"query": {"vector": [1.0] * 32}})]
    for key in (READ, WRITE, ADMIN):
        for method, url, body in reads:
            answer = http.request(method, url, json=body, headers=as_key(key))
            assert answer.status_code == 200, (key, url, answer.text)

    writes = [("POST", "/v1/collections/scoped/items", item),
              ("GET", "/v1/collections/scoped/items/a", None),
              ("POST", "/v1/collections/scoped/items/delete", {"ids": ["a"]})]
    refused = http.post("/v1/collections/scoped/items", json=item, headers=as_key(READ))
    assert refused.status_code == 403
    error = refused.json()["error"]
    assert error["code"] == "insufficient_scope" and error["type"] == "permission_error"
    assert "read scope" in error["message"] and "BINDSPACE_WRITE_API_KEYS" in error["message"]
    delete = http.post("/v1/collections/scoped/items/delete", json={"ids": ["a"]}, headers=as_key(READ))
    assert delete.status_code == 403
    assert http.delete("/v1/collections/scoped/items/a", headers=as_key(READ)).status_code == 403
    for key in (WRITE, ADMIN):
        for method, url, body in writes:
            answer = http.request(method, url, json=body, headers=as_key(key))
            assert answer.status_code == 200, (key, url, answer.text)

    for key in (READ, WRITE):
        create = http.post("/v1/collections", json={"name": "other", "dimension": 4}, headers=as_key(key))
        assert create.status_code == 403 and "BINDSPACE_API_KEYS" in create.json()["error"]["message"]
        assert http.delete("/v1/collections/scoped", headers=as_key(key)).status_code == 403
    assert http.get("/v1/collections/other", headers=as_key(ADMIN)).status_code == 404
    assert http.delete("/v1/collections/scoped", headers=as_key(ADMIN)).status_code == 204
    assert http.post("/v1/embed", json={"modality": "text", "inputs": ["x"]}).status_code == 401
