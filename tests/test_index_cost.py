"""Index descriptions are costed before anything is built: over-limit ones are refused at once, by name."""

from __future__ import annotations

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import time

import faiss
import numpy as np
import psutil
import pytest

from bindspace.index import Database, IndexLimits, InvalidIndexSpecError
from bindspace.index.config import CollectionSpec
from bindspace.index.index_cost import estimate_cost, parse_index
from live_server import live_server


@pytest.mark.parametrize("index", ["Flat", "HNSW32", "HNSW16,Flat", "HNSW32,SQ8", "IVF16,Flat", "IVF16,PQ8",
                                   "IVF16_HNSW32,Flat", "IVF16,SQfp16", "IVF16,PQ8x4"])
def test_every_supported_description_parses_and_builds(tmp_path, index) -> None:
    parse_index(index, 64)
    with Database(tmp_path) as db:
        db.create_collection("c", 64, index=index)


@pytest.mark.parametrize("index, words", [
    ("PCA4,Flat", "not an index description this service supports"),
    ("HNSW", "not an index description"),
    ("IVF16,PQ8x4fs", "not an index description"),
    ("HNSW1,Flat", "at least 2 links"),
    ("IVF0,Flat", "at least 1 list"),
    ("IVF4,PQ3", "dimension (64) must be a multiple of 3"),
    ("IVF4,PQ8x20", "1 to 16 bits"),
])
def test_unusable_descriptions_are_explained_without_faiss_internals(tmp_path, index, words) -> None:
    with Database(tmp_path) as db, pytest.raises(InvalidIndexSpecError) as caught:
        db.create_collection("c", 64, index=index)
    assert words in str(caught.value) and "failed" not in str(caught.value)


def test_estimates_follow_what_faiss_allocates() -> None:
    flat = estimate_cost(CollectionSpec("c", 128, index="Flat"))
    assert flat == type(flat)(0, 128 * 4 + 8)
    hnsw = estimate_cost(CollectionSpec("c", 128, index="HNSW32"))
    assert 128 * 4 + 8 * 32 < hnsw.per_item < 128 * 4 + 8 * 32 + 64
    ivf = estimate_cost(CollectionSpec("c", 128, index="IVF1000,PQ16", train_size=2000))
    assert ivf.base == 1000 * (160 + 512) + 256 * 512 + 2000 * 512
    # The fixed part of an IVF index measured against FAISS itself: within a factor of two.
    process = psutil.Process()
    before = process.memory_info().rss
    index = faiss.index_factory(128, "IVF200000,Flat")
    quantizer = faiss.downcast_index(index.quantizer)
    quantizer.add(np.zeros((200_000, 128), dtype=np.float32))  # what training leaves behind: the centroids
    grown = process.memory_info().rss - before
    lists_and_centroids = 200_000 * (160 + 4 * 128)
    assert lists_and_centroids / 2 < grown < lists_and_centroids * 2


@pytest.mark.parametrize("index, limit_name", [
    ("IVF10000000,Flat", "BINDSPACE_MAX_INDEX_MEMORY_BYTES"),
    ("IVF99999999,PQ4", "BINDSPACE_MAX_INDEX_MEMORY_BYTES"),
    ("HNSW1000000", "BINDSPACE_MAX_INDEX_ITEM_BYTES"),
])
def test_costly_descriptions_are_refused_before_any_allocation(tmp_path, index, limit_name) -> None:
    process = psutil.Process()
    before = process.memory_info().rss
    started = time.perf_counter()
    with Database(tmp_path) as db, pytest.raises(InvalidIndexSpecError, match=limit_name):
        db.create_collection("c", 1024, index=index)
    assert time.perf_counter() - started < 1.0
    assert process.memory_info().rss - before < 50 << 20


def test_the_limits_are_configurable(tmp_path) -> None:
    with Database(tmp_path, limits=IndexLimits(max_index_memory_bytes=10 << 20, max_index_item_bytes=300)) as db:
        db.create_collection("flat", 64)
        with pytest.raises(InvalidIndexSpecError, match=r"over the limit of 10.0 MiB per collection"):
            db.create_collection("ivf", 64, index="IVF1024,Flat")
        db.create_collection("ivf", 64, index="IVF1024,Flat", train_size=1024)
        with pytest.raises(InvalidIndexSpecError, match="over the limit of 300 bytes per item"):
            db.create_collection("hnsw", 64, index="HNSW64")


def test_over_http_the_refusal_is_a_422_naming_the_cap() -> None:
    server = live_server(max_index_memory_bytes=64 << 20)
    with server.client() as http:
        answer = http.post("/v1/collections", json={"name": "huge", "index": "IVF10000000,Flat"})
        assert answer.status_code == 422
        message = answer.json()["error"]["message"]
        assert "over the limit of 64.0 MiB per collection (BINDSPACE_MAX_INDEX_MEMORY_BYTES)" in message
        assert http.get("/v1/collections/huge").status_code == 404
