"""Collections over HTTP: CRUD, upserts of inputs and vectors, search in every query form, filters."""

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import numpy as np
import pytest

from live_server import LiveServer, data_uri, live_server, png_bytes


@pytest.fixture(scope="module")
def server() -> LiveServer:
    return live_server()


def unit_embedding(http, modality: str, value: str) -> np.ndarray:
    response = http.post("/v1/embed", json={"modality": modality, "inputs": [value]})
    assert response.status_code == 200, response.text
    return np.array(response.json()["data"][0]["embedding"], dtype=np.float32)


def text(value: str) -> dict:
    return {"modality": "text", "text": value}


def image(seed: int) -> dict:
    return {"modality": "image", "data": data_uri(png_bytes(seed), "image/png")}


@pytest.fixture()
def gallery(http):
    """A collection of three texts, two images and one precomputed vector, with metadata."""
    name = "gallery"
    http.delete(f"/v1/collections/{name}")
    created = http.post("/v1/collections", json={"name": name})
    assert created.status_code == 201, created.text
    items = [
        {"id": "t-dog", "input": text("a dog"), "metadata": {"album": "pets", "year": 2023}},
        {"id": "t-cat", "input": text("a cat"), "metadata": {"album": "pets", "year": 2024}},
        {"id": "t-car", "input": text("a car"), "metadata": {"album": "cars", "year": 2024}},
        {"id": "i-1", "input": image(1), "metadata": {"album": "pets", "year": 2024}},
        {"id": "i-2", "input": image(2), "metadata": {"album": "cars"}},
        {"id": "v-1", "vector": np.linspace(-1, 1, 48).tolist(), "modality": "image", "metadata": {"album": "raw"}},
    ]
    upserted = http.post(f"/v1/collections/{name}/items", json={"items": items})
    assert upserted.status_code == 200, upserted.text
    assert upserted.json() == {"upserted": 6, "ids": [item["id"] for item in items]}
    yield name
    http.delete(f"/v1/collections/{name}")


def search(http, name: str, body: dict) -> list[dict]:
    response = http.post(f"/v1/collections/{name}/search", json=body)
    assert response.status_code == 200, response.text
    return response.json()["results"]


def test_collection_lifecycle(http) -> None:
    http.delete("/v1/collections/lifecycle")
    created = http.post("/v1/collections", json={"name": "lifecycle", "index": "HNSW16"})
    assert created.status_code == 201
    assert created.json() == {"name": "lifecycle", "dimension": 48, "metric": "cosine", "index": "HNSW16",
                              "count": 0, "counts_by_modality": {}, "media": "none"}
    assert http.post("/v1/collections", json={"name": "lifecycle"}).status_code == 409
    assert "lifecycle" in [c["name"] for c in http.get("/v1/collections").json()["data"]]
    assert http.get("/v1/collections/lifecycle").json()["count"] == 0
    assert http.delete("/v1/collections/lifecycle").status_code == 204
    missing = http.get("/v1/collections/lifecycle")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"
    assert http.delete("/v1/collections/lifecycle").status_code == 404


def test_invalid_collection_definitions_are_422(http) -> None:
    bad_name = http.post("/v1/collections", json={"name": "no spaces allowed"})
    bad_index = http.post("/v1/collections", json={"name": "badindex", "index": "NoSuchIndex"})
    assert bad_name.status_code == 422 and bad_index.status_code == 422
    assert "name" in bad_name.json()["error"]["message"]


def test_k_factor_reranks_an_approximate_collection_and_is_refused_for_an_exact_one(http) -> None:
    http.delete("/v1/collections/reranked")
    created = http.post("/v1/collections", json={"name": "reranked", "index": "HNSW16",
                                                 "search_params": {"efSearch": 16, "k_factor": 4}})
    assert created.status_code == 201, created.text
    vectors = np.random.default_rng(5).standard_normal((40, 48)).astype(np.float32)
    items = [{"id": str(i), "vector": v.tolist()} for i, v in enumerate(vectors)]
    assert http.post("/v1/collections/reranked/items", json={"items": items}).status_code == 200
    query = vectors[7] + 0.1 * vectors[3]
    results = search(http, "reranked", {"query": {"vector": query.tolist()}, "k": 3, "params": {"k_factor": 8}})
    units = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    exact = units @ (query / np.linalg.norm(query))
    assert [r["id"] for r in results] == [str(i) for i in np.argsort(-exact)[:3]]
    assert [r["score"] for r in results] == pytest.approx(np.sort(exact)[::-1][:3].tolist(), abs=1e-5)
    http.delete("/v1/collections/reranked")
    flat = http.post("/v1/collections", json={"name": "flatrerank", "search_params": {"k_factor": 4}})
    assert flat.status_code == 422 and "k_factor" in flat.json()["error"]["message"]


def test_items_are_stored_with_modality_metadata_and_unit_vectors(http, gallery) -> None:
    info = http.get(f"/v1/collections/{gallery}").json()
    assert info["count"] == 6 and info["counts_by_modality"] == {"text": 3, "image": 3}
    item = http.get(f"/v1/collections/{gallery}/items/t-dog", params={"include_vector": "true"}).json()
    assert item["modality"] == "text" and item["metadata"] == {"album": "pets", "year": 2023}
    np.testing.assert_allclose(item["vector"], unit_embedding(http, "text", "a dog"), atol=1e-5)
    assert http.get(f"/v1/collections/{gallery}/items/t-dog").json()["vector"] is None
    assert http.get(f"/v1/collections/{gallery}/items/nope").status_code == 404


def test_upsert_replaces_and_delete_removes(http, gallery) -> None:
    replaced = http.post(f"/v1/collections/{gallery}/items",
                         json={"items": [{"id": "t-dog", "input": text("a puppy"), "metadata": {"album": "new"}}]})
    assert replaced.status_code == 200
    assert http.get(f"/v1/collections/{gallery}/items/t-dog").json()["metadata"] == {"album": "new"}
    assert http.get(f"/v1/collections/{gallery}").json()["count"] == 6
    assert http.delete(f"/v1/collections/{gallery}/items/t-dog").json() == {"deleted": 1}
    assert http.delete(f"/v1/collections/{gallery}/items/t-dog").status_code == 404
    assert http.post(f"/v1/collections/{gallery}/items/delete", json={"ids": ["t-cat", "zzz"]}).json() == {"deleted": 1}
    assert http.get(f"/v1/collections/{gallery}").json()["count"] == 4


def test_search_by_text_image_and_vector(http, gallery) -> None:
    by_text = search(http, gallery, {"query": {"input": text("a cat")}, "k": 3})
    assert by_text[0]["id"] == "t-cat" and by_text[0]["score"] == pytest.approx(1.0, abs=1e-4)
    assert by_text[0]["metadata"] == {"album": "pets", "year": 2024} and by_text[0]["modality"] == "text"
    assert len(by_text) == 3 and by_text[0]["score"] >= by_text[1]["score"] >= by_text[2]["score"]

    by_image = search(http, gallery, {"query": {"input": image(2)}, "k": 1})
    assert by_image[0]["id"] == "i-2" and by_image[0]["score"] == pytest.approx(1.0, abs=1e-4)

    raw = np.linspace(-1, 1, 48) * 7.0
    by_vector = search(http, gallery, {"query": {"vector": raw.tolist()}, "k": 1})
    assert by_vector[0]["id"] == "v-1" and by_vector[0]["score"] == pytest.approx(1.0, abs=1e-4)


def test_weighted_combination_is_the_renormalized_sum_of_unit_embeddings(http, gallery) -> None:
    dog, car = unit_embedding(http, "text", "a dog"), unit_embedding(http, "text", "a car")
    img = unit_embedding(http, "image", image(1)["data"])
    expected = 0.7 * dog - 0.2 * car + 0.5 * img
    expected /= np.linalg.norm(expected)
    combo = {"combine": [{"weight": 0.7, "input": text("a dog")}, {"weight": -0.2, "input": text("a car")},
                         {"weight": 0.5, "input": image(1)}]}
    results = search(http, gallery, {"query": combo, "k": 6})
    by_vector = search(http, gallery, {"query": {"vector": expected.tolist()}, "k": 6})
    assert [r["id"] for r in results] == [r["id"] for r in by_vector]
    np.testing.assert_allclose([r["score"] for r in results], [r["score"] for r in by_vector], atol=1e-5)
    zero = {"combine": [{"weight": 1.0, "input": text("a dog")}, {"weight": -1.0, "input": text("a dog")}]}
    response = http.post(f"/v1/collections/{gallery}/search", json={"query": zero})
    assert response.status_code == 422 and response.json()["error"]["code"] == "invalid_vector"


def test_modality_and_metadata_filters(http, gallery) -> None:
    images_only = search(http, gallery, {"query": {"input": text("a dog")}, "k": 10, "modalities": ["image"]})
    assert {r["id"] for r in images_only} == {"i-1", "i-2", "v-1"}
    pets_2024 = search(http, gallery, {"query": {"input": text("a dog")}, "k": 10,
                                       "filter": {"album": "pets", "year": 2024}})
    assert {r["id"] for r in pets_2024} == {"t-cat", "i-1"}
    either = search(http, gallery, {"query": {"input": text("a dog")}, "k": 10, "filter": {"album": ["cars", "raw"]}})
    assert {r["id"] for r in either} == {"t-car", "i-2", "v-1"}
    both = search(http, gallery, {"query": {"input": text("x")}, "k": 10, "modalities": ["text"],
                                  "filter": {"album": "cars"}})
    assert [r["id"] for r in both] == ["t-car"]


def test_bad_items_and_queries_are_4xx(http, gallery) -> None:
    wrong_dim = http.post(f"/v1/collections/{gallery}/items", json={"items": [{"id": "x", "vector": [1.0, 2.0]}]})
    assert wrong_dim.status_code == 422 and wrong_dim.json()["error"]["code"] == "dimension_mismatch"
    both = http.post(f"/v1/collections/{gallery}/items",
                     json={"items": [{"id": "x", "vector": [1.0] * 48, "input": text("a")}]})
    assert both.status_code == 422
    bad_k = http.post(f"/v1/collections/{gallery}/search", json={"query": {"input": text("a")}, "k": 0})
    assert bad_k.status_code == 422 and bad_k.json()["error"]["param"] == "k"
    bad_filter = http.post(f"/v1/collections/{gallery}/search",
                           json={"query": {"input": text("a")}, "filter": {"album": []}})
    assert bad_filter.status_code == 422
    bad_params = http.post(f"/v1/collections/{gallery}/search",
                           json={"query": {"input": text("a")}, "params": {"nprobe": "many"}})
    assert bad_params.status_code == 422
    no_collection = http.post("/v1/collections/nothing/search", json={"query": {"input": text("a")}})
    assert no_collection.status_code == 404
