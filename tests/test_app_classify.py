"""Zero-shot classification, the model description and the Prometheus metrics."""

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import numpy as np
import pytest

from live_server import LiveServer, data_uri, live_server, png_bytes


@pytest.fixture(scope="module")
def server() -> LiveServer:
    return live_server()


def units(http, modality: str, inputs: list[str]) -> np.ndarray:
    response = http.post("/v1/embed", json={"modality": modality, "inputs": inputs})
    assert response.status_code == 200, response.text
    return np.array([row["embedding"] for row in response.json()["data"]], dtype=np.float64)


def expected_scores(query: np.ndarray, label_vectors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    cosines = label_vectors @ query
    logits = 100.0 * cosines
    weights = np.exp(logits - logits.max())
    return weights / weights.sum(), cosines


def test_the_label_equal_to_the_text_wins(http) -> None:
    labels = ["a blue bird", "a red car", "a green tree"]
    response = http.post("/v1/classify", json={"input": {"modality": "text", "text": "a red car"},
                                               "candidate_labels": labels, "hypothesis_template": "{}"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["model"] == "tiny-test" and body["modality"] == "text"
    assert body["results"][0]["label"] == "a red car"
    assert body["results"][0]["cosine"] == pytest.approx(1.0, abs=1e-4)
    assert sum(r["score"] for r in body["results"]) == pytest.approx(1.0, abs=1e-6)


def test_image_scores_match_prompt_ensembling_computed_from_embeddings(http) -> None:
    picture = data_uri(png_bytes(seed=11), "image/png")
    labels = ["dog", "cat", "truck"]
    templates = ["a photo of a {}.", "a drawing of a {}."]
    response = http.post("/v1/classify", json={"input": {"modality": "image", "data": picture},
                                               "candidate_labels": labels, "hypothesis_template": templates})
    assert response.status_code == 200, response.text
    results = response.json()["results"]

    query = units(http, "image", [picture])[0]
    label_vectors = []
    for label in labels:
        prompts = units(http, "text", [t.replace("{}", label) for t in templates])
        mean = prompts.mean(axis=0)
        label_vectors.append(mean / np.linalg.norm(mean))
    scores, cosines = expected_scores(query, np.stack(label_vectors))
    order = np.argsort(-scores)
    assert [r["label"] for r in results] == [labels[i] for i in order]
    np.testing.assert_allclose([r["score"] for r in results], scores[order], rtol=1e-3, atol=1e-6)
    np.testing.assert_allclose([r["cosine"] for r in results], cosines[order], atol=1e-5)


def test_hugging_face_task_shape(http) -> None:
    response = http.post("/v1/classify", json={
        "inputs": "a red car",
        "parameters": {"candidate_labels": "a blue bird, a red car", "hypothesis_template": "{}"},
    })
    assert response.status_code == 200, response.text
    results = response.json()
    assert isinstance(results, list) and [r["label"] for r in results][0] == "a red car"
    assert set(results[0]) == {"label", "score", "cosine"}
    assert results[0]["score"] >= results[1]["score"]
    image = http.post("/v1/classify", json={
        "inputs": data_uri(png_bytes(1), "image/png"),
        "parameters": {"candidate_labels": ["dog", "cat"], "modality": "image"},
    })
    assert image.status_code == 200 and len(image.json()) == 2


def test_classification_errors(http) -> None:
    no_placeholder = http.post("/v1/classify", json={"input": {"modality": "text", "text": "x"},
                                                     "candidate_labels": ["a"], "hypothesis_template": "no slot"})
    assert no_placeholder.status_code == 422 and no_placeholder.json()["error"]["param"] == "hypothesis_template"
    duplicates = http.post("/v1/classify", json={"input": {"modality": "text", "text": "x"},
                                                 "candidate_labels": ["a", "a"]})
    assert duplicates.status_code == 422
    multi = http.post("/v1/classify",
                      json={"inputs": "x", "parameters": {"candidate_labels": ["a"], "multi_label": True}})
    assert multi.status_code == 422


def test_label_embeddings_are_cached_and_bounded() -> None:
    server = live_server(label_cache_size=3)
    cache = server.app.state.runtime.labels
    body = {"input": {"modality": "text", "text": "x"}, "candidate_labels": ["a", "b"], "hypothesis_template": "{}"}
    with server.client() as http:
        first = http.post("/v1/classify", json=body).json()
        hits = cache.hits
        second = http.post("/v1/classify", json=body).json()
        assert cache.hits == hits + 2
        # Equal up to float rounding: the query may share a model batch with the labels or not.
        assert [r["label"] for r in first["results"]] == [r["label"] for r in second["results"]]
        np.testing.assert_allclose([r["cosine"] for r in first["results"]],
                                   [r["cosine"] for r in second["results"]], atol=1e-5)
        http.post("/v1/classify", json={**body, "candidate_labels": ["c", "d", "e"]})
    assert len(cache) == 3


def test_models_route_describes_model_and_queues(http) -> None:
    card = http.get("/v1/models").json()["data"][0]
    assert card["id"] == "tiny-test" and card["dimension"] == 48 and card["object"] == "model"
    assert card["encoders"] == ["vision", "text", "audio", "depth", "thermal", "imu"]
    assert card["input_kinds"] == ["image", "video", "text", "audio", "depth", "thermal", "imu"]
    assert card["queues"]["text"]["max_batch_size"] == 64 and card["queues"]["text"]["queue_depth"] == 0
    assert card["queues"]["vision"]["max_wait_ms"] == pytest.approx(5.0)


def test_metrics_expose_requests_queues_batches_and_encoder_latency(http) -> None:
    http.post("/v1/embed", json={"modality": "text", "inputs": ["metrics please"]})
    http.get("/v1/collections/does-not-exist")
    text = http.get("/metrics").text
    assert 'bindspace_http_requests_total{method="POST",route="/v1/embed",status="200"}' in text
    assert 'bindspace_http_requests_total{method="GET",route="/v1/collections/{name}",status="404"}' in text
    assert 'bindspace_http_request_duration_seconds_bucket{le="0.005",method="POST",route="/v1/embed"}' in text
    assert 'bindspace_queue_depth{modality="text"} 0.0' in text
    assert 'bindspace_batch_size_count{modality="text"}' in text
    assert 'bindspace_encode_seconds_count{modality="text"}' in text
    assert "bindspace_model_ready 1.0" in text
