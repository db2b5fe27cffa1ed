"""The OpenAI-compatible embeddings route, driven by the official `openai` client."""

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import base64

import numpy as np
import openai
import pytest

from live_server import LiveServer, data_uri, live_server, png_bytes


@pytest.fixture(scope="module")
def server() -> LiveServer:
    return live_server()


@pytest.fixture(scope="module")
def client(server: LiveServer) -> openai.OpenAI:
    return openai.OpenAI(base_url=server.url + "/v1", api_key="unused", max_retries=0)


def native(server: LiveServer, modality: str, inputs: list[str]) -> np.ndarray:
    with server.client() as http:
        response = http.post("/v1/embed", json={"modality": modality, "inputs": inputs})
    assert response.status_code == 200, response.text
    return np.array([row["embedding"] for row in response.json()["data"]], dtype=np.float32)


def test_text_in_both_encoding_formats_equals_the_native_route(server, client) -> None:
    texts = ["a dog barking", "rain on a tin roof", "a red car"]
    expected = native(server, "text", texts)
    as_base64 = client.embeddings.create(model="anything", input=texts)  # the SDK asks for base64 by default
    as_float = client.embeddings.create(model="anything", input=texts, encoding_format="float")
    for result in (as_base64, as_float):
        vectors = np.array([row.embedding for row in result.data], dtype=np.float32)
        assert [row.index for row in result.data] == [0, 1, 2]
        np.testing.assert_allclose(vectors, expected, atol=1e-6)
        np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert as_float.model == "tiny-test"
    assert as_float.usage.prompt_tokens == as_float.usage.total_tokens > 3 * 2


def test_base64_is_little_endian_float32(server) -> None:
    with server.client() as http:
        body = http.post("/v1/embeddings", json={"model": "m", "input": "hello", "encoding_format": "base64"}).json()
        floats = http.post("/v1/embeddings", json={"model": "m", "input": "hello"}).json()
    decoded = np.frombuffer(base64.b64decode(body["data"][0]["embedding"]), dtype="<f4")
    np.testing.assert_array_equal(decoded, np.array(floats["data"][0]["embedding"], dtype=np.float32))
    assert body["object"] == "list" and body["data"][0]["object"] == "embedding"


def test_image_data_uri_through_extra_body(server, client) -> None:
    image = data_uri(png_bytes(seed=3), "image/png")
    result = client.embeddings.create(model="m", input=[image], extra_body={"modality": "image"})
    vector = np.array(result.data[0].embedding, dtype=np.float32)
    np.testing.assert_allclose(vector, native(server, "image", [image])[0], atol=1e-6)
    assert result.usage.prompt_tokens == 0


def test_dimensions_must_equal_the_models(client) -> None:
    assert len(client.embeddings.create(model="m", input="x", dimensions=48, encoding_format="float")
               .data[0].embedding) == 48
    with pytest.raises(openai.BadRequestError) as caught:
        client.embeddings.create(model="m", input="x", dimensions=16)
    error = caught.value.body
    assert error["param"] == "dimensions" and error["code"] == "unsupported_dimensions"
    assert "48" in error["message"]


def test_token_arrays_are_refused_with_openai_errors(client) -> None:
    with pytest.raises(openai.BadRequestError) as caught:
        client.embeddings.create(model="m", input=[[1, 2, 3]])
    assert caught.value.body["param"] == "input"
    assert caught.value.body["type"] == "invalid_request_error"


def test_models_list_names_the_served_model(client) -> None:
    models = client.models.list()
    assert [m.id for m in models.data] == ["tiny-test"]
