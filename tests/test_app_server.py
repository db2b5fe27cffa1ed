"""Basic checks of a live server: health, the OpenAPI document, the docs page, unknown routes, a missing model."""

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from pathlib import Path

import pytest

from live_server import live_server, LiveServer

from bindspace.engine.settings import Settings
from bindspace.app.main import create_app


@pytest.fixture(scope="module")
def server() -> LiveServer:
    return live_server()


def test_health_and_readiness(server: LiveServer) -> None:
    with server.client() as client:
        assert client.get("/healthz").json() == {"status": "ok"}
        ready = client.get("/readyz")
        assert ready.status_code == 200 and ready.json() == {"status": "ready", "model": "tiny-test"}


def _has_example(spec: dict, content: dict | None) -> bool:
    """Whether a media-type object carries an example, itself or through its (referenced) schema."""
    if not content:
        return False
    if "example" in content or "examples" in content:
        return True
    schemas = spec["components"]["schemas"]
    schema = content.get("schema", {})
    for candidate in [schema, *schema.get("anyOf", []), schema.get("items", {})]:
        resolved = schemas.get(candidate.get("$ref", "").split("/")[-1], candidate)
        if "examples" in resolved:
            return True
    return False


def test_openapi_documents_every_route_with_examples(server: LiveServer) -> None:
    with server.client() as client:
        spec = client.get("/openapi.json").json()
    assert {"/v1/embed", "/v1/embeddings", "/v1/classify", "/v1/models", "/vectorize", "/meta",
            "/v1/collections", "/v1/collections/{name}/search", "/healthz", "/readyz", "/metrics"} <= set(spec["paths"])
    for path, item in spec["paths"].items():
        for method, op in item.items():
            where = f"{method.upper()} {path}"
            assert op.get("summary"), f"{where} has no summary"
            body = op.get("requestBody", {}).get("content", {})
            if "application/json" in body:
                assert _has_example(spec, body["application/json"]), f"{where} has no request example"
            success = {code: r for code, r in op["responses"].items() if code.startswith("2")}
            assert any(code == "204" or any(_has_example(spec, c) for c in r.get("content", {}).values())
                       for code, r in success.items()), f"{where} has no response example"
            if path.startswith("/v1") and "422" in op["responses"]:
                schema = op["responses"]["422"]["content"]["application/json"]["schema"]
                assert schema["$ref"].endswith("/ErrorEnvelope"), f"{where} documents another error body"


def test_offline_docs_page_has_no_external_assets(server: LiveServer) -> None:
    with server.client() as client:
        page = client.get("/docs")
    assert page.status_code == 200 and "openapi.json" in page.text
    assert "http://" not in page.text and "https://" not in page.text


def test_unknown_route_answers_the_envelope(server: LiveServer) -> None:
    with server.client() as client:
        response = client.get("/v1/nothing-here")
    assert response.status_code == 404
    assert set(response.json()["error"]) == {"message", "type", "param", "code"}


def test_missing_model_fails_at_start_with_instructions(tmp_path: Path) -> None:
    from bindspace.engine.model_source import ModelNotFoundError

    with pytest.raises(ModelNotFoundError, match="BINDSPACE_MODEL"):
        create_app(Settings(model=tmp_path / "nowhere", data_dir=tmp_path / "data"))
