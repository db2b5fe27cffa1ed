"""API keys on every protected route (checked from the app's own route list), CORS, and JSON logs."""

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import json

import pytest

from auth_routes import KEY, OPEN_ROUTES, app_routes
from live_server import LiveServer, live_server


@pytest.fixture(scope="module")
def server() -> LiveServer:
    return live_server(api_keys=f"other-key,{KEY}", cors_origins="https://app.example", log_format="json",
                       log_level="info")


def concrete(path: str) -> str:
    return path.replace("{name}", "somecollection").replace("{item_id:path}", "some/item").replace("{item_id}", "x").replace("{asset}", "page.js")


def test_every_route_is_either_open_or_protected(server) -> None:
    routes = app_routes(server)
    assert len(routes) > len(OPEN_ROUTES)
    assert OPEN_ROUTES <= set(routes), "an open route in the table no longer exists"
    with server.client() as http:
        for method, path in routes:
            url = concrete(path)
            anonymous = http.request(method, url)
            wrong = http.request(method, url, headers={"Authorization": "Bearer wrong-key"})
            right = http.request(method, url, headers={"Authorization": f"Bearer {KEY}"})
            if (method, path) in OPEN_ROUTES:
                assert anonymous.status_code < 400, (method, path, anonymous.status_code)
                continue
            for response in (anonymous, wrong):
                assert response.status_code == 401, (method, path, response.status_code)
                assert response.headers["www-authenticate"] == "Bearer"
                if path.startswith("/v1"):
                    assert response.json()["error"]["type"] == "authentication_error"
                else:
                    assert isinstance(response.json()["error"], str)
            assert anonymous.json() != wrong.json()  # missing and wrong keys are told apart
            assert right.status_code != 401, (method, path)


def test_a_right_key_works_and_keys_never_reach_the_logs(server, capsys) -> None:
    with server.client() as http:
        response = http.post("/v1/embed", json={"modality": "text", "inputs": ["hi"]},
                             headers={"Authorization": f"Bearer {KEY}"})
        http.get("/v1/models", headers={"Authorization": "Bearer a-wrong-key-to-log"})
    assert response.status_code == 200
    logged = capsys.readouterr().err
    lines = [json.loads(line) for line in logged.splitlines() if line.startswith("{")]
    access = [entry for entry in lines if entry.get("route") == "/v1/embed"]
    assert access and access[0]["status"] == 200 and access[0]["level"] == "info"
    assert KEY not in logged and "a-wrong-key-to-log" not in logged


def test_cors_preflight_for_configured_origin(server) -> None:
    with server.client() as http:
        allowed = http.options("/v1/embed", headers={"Origin": "https://app.example",
                                                     "Access-Control-Request-Method": "POST",
                                                     "Access-Control-Request-Headers": "authorization,content-type"})
        other = http.options("/v1/embed", headers={"Origin": "https://evil.example",
                                                   "Access-Control-Request-Method": "POST"})
    assert allowed.status_code == 200
    assert allowed.headers["access-control-allow-origin"] == "https://app.example"
    assert "access-control-allow-origin" not in other.headers
