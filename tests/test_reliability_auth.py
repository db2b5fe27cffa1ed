"""Authentication, beyond the route table (tests/auth_routes.py, checked by test_app_auth): the schema agrees with that table, tricks do not
get around the key check, every configured key is compared in constant time, and no key reaches the logs
of a real server process, whatever happens to the request.
"""

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import base64
import hmac
import socket
from types import SimpleNamespace

import pytest
from auth_routes import KEY, OPEN_ROUTES, app_routes
from live_server import LiveServer, live_server
from server_process import ServerProcess, shared_tiny_model

from bindspace.app import auth


@pytest.fixture(scope="module")
def keyed() -> LiveServer:
    """The in-process server of test_app_auth (the same settings, so the same server when both run)."""
    return live_server(api_keys=f"other-key,{KEY}", cors_origins="https://app.example", log_format="json",
                       log_level="info")


PROTECTED_SAMPLE = [("POST", "/v1/embed"), ("GET", "/v1/models"), ("GET", "/v1/collections"), ("GET", "/meta"),
                    ("POST", "/vectorize"), ("POST", "/v1/classify"), ("POST", "/v1/embeddings")]


def test_the_schema_declares_security_exactly_on_the_protected_routes(keyed) -> None:
    spec = keyed.app.openapi()
    documented = {(method.upper(), path) for path, item in spec["paths"].items() for method in item}
    served = {(method, path.replace(":path}", "}")): (method, path) for method, path in app_routes(keyed)}
    assert documented <= set(served)
    for method, path in sorted(documented):
        operation = spec["paths"][path][method.lower()]
        secured = bool(operation.get("security"))
        if served[method, path] in OPEN_ROUTES:
            assert not secured, f"{method} {path} is open but the schema asks for a key"
        else:
            assert secured, f"{method} {path} needs a key but the schema does not say so"
            assert "401" in operation["responses"], f"{method} {path} does not document its 401"


@pytest.mark.parametrize("header", [
    None,
    "Bearer",
    f"Bearer {KEY}x",
    f"Bearer {KEY[:-1]}",
    f"Bearer  {KEY} extra",
    f"Basic {base64.b64encode(f'user:{KEY}'.encode()).decode()}",
    f"Token {KEY}",
    KEY,
    f"Bearer {KEY.upper()}",
    f"Bearer other-key{KEY}",
], ids=["none", "scheme-only", "suffix", "prefix", "extra-words", "basic", "token", "bare", "case",
        "concatenated"])
def test_near_misses_are_refused(keyed, header) -> None:
    headers = {"Authorization": header} if header is not None else {}
    with keyed.client() as http:
        for method, path in PROTECTED_SAMPLE:
            response = http.request(method, path, headers=headers, json={})
            assert response.status_code == 401, (header, method, path, response.status_code, response.text)
            assert KEY not in response.text


def test_the_key_is_only_read_from_the_authorization_header(keyed) -> None:
    with keyed.client() as http:
        for attempt in ({"params": {"api_key": KEY}}, {"params": {"key": KEY}}, {"headers": {"X-API-Key": KEY}},
                        {"headers": {"api-key": KEY}}, {"headers": {"Cookie": f"Authorization=Bearer {KEY}"}}):
            response = http.get("/v1/models", **attempt)
            assert response.status_code == 401, (attempt, response.status_code)


@pytest.mark.parametrize("path", ["/v1/models/", "//v1/models", "/v1/./models", "/v1/%6Dodels", "/V1/MODELS",
                                  "/v1/models;x=1", "/v1/models%00", "/healthz/../v1/models"])
def test_path_tricks_do_not_reach_a_protected_route(keyed, path) -> None:
    """Odd spellings of a protected path either miss every route or still need the key."""
    with socket.create_connection(("127.0.0.1", keyed.port), timeout=30) as sock:
        sock.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode())
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    status = int(answer.split(b" ", 2)[1])
    assert status in (400, 401, 404, 405, 307), (path, answer[:300])
    assert b'"object":"list"' not in answer, f"{path} served the model list without a key"


def test_every_configured_key_is_compared_in_constant_time(keyed, monkeypatch) -> None:
    """Each request compares the given key with every configured key through hmac.compare_digest (no
    short cut on the first match, no `==`), so the answer time does not depend on which key matched."""
    calls = []

    def spy(given, expected):
        calls.append((given, expected))
        return hmac.compare_digest(given, expected)

    monkeypatch.setattr(auth, "hmac", SimpleNamespace(compare_digest=spy))
    configured = [key.get_secret_value().encode() for key in keyed.settings.api_keys]
    assert len(configured) == 2
    with keyed.client() as http:
        for given in (KEY, "other-key", "wrong-key", KEY[:-1]):
            calls.clear()
            status = http.get("/v1/models", headers={"Authorization": f"Bearer {given}"}).status_code
            assert status == (200 if given in (KEY, "other-key") else 401)
            assert sorted(expected for _, expected in calls) == sorted(configured), given
            assert all(isinstance(g, bytes) and g == given.encode() for g, _ in calls)


def test_keys_never_reach_the_logs_of_a_real_server(tmp_path) -> None:
    secret, wrong = "live-secret-3f9a61c2", "wrong-secret-77d0b4e9"
    server = ServerProcess(shared_tiny_model(), tmp_path / "data", tmp_path,
                           settings={"BINDSPACE_API_KEYS": secret, "BINDSPACE_LOG_LEVEL": "debug"})
    server.start()
    bodies = []
    try:
        good = {"Authorization": f"Bearer {secret}"}
        with server.client() as http:
            for headers in (good, {"Authorization": f"Bearer {wrong}"}, {"Authorization": wrong}, {}):
                bodies += [
                    http.post("/v1/embed", json={"modality": "text", "inputs": ["hello"]}, headers=headers),
                    http.post("/v1/embed", json={"modality": "image", "inputs": ["not-base64!"]}, headers=headers),
                    http.post("/v1/embed", content=b"{broken", headers={**headers, "content-type": "application/json"}),
                    http.post("/v1/collections", json={"name": "c", "dimension": 4}, headers=headers),
                    http.post("/v1/collections/c/items", json={"items": [{"id": "a", "vector": [1, 0, 0, 0]}]},
                              headers=headers),
                    http.get("/v1/collections/missing", headers=headers),
                    http.post("/vectorize", json={"texts": ["x"]}, headers=headers),
                    http.delete("/v1/models", headers=headers),
                    http.get("/metrics", headers=headers),
                    http.get("/readyz", headers=headers),
                ]
        statuses = [response.status_code for response in bodies]
        assert 200 in statuses and 401 in statuses and 400 in statuses and 404 in statuses and 405 in statuses
    finally:
        server.stop()
    log = server.log_text()
    assert "bindspace.access" in log and " 401 " in log, "the access log was not captured"
    for key in (secret, wrong):
        assert key not in log, f"a key was logged:\n{log[-3000:]}"
        assert not any(key in response.text for response in bodies)
