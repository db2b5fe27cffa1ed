"""Metadata depth and size are limited when an item is written, so no stored item can break a later read."""

from __future__ import annotations

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import numpy as np
import pytest

from bindspace.index import Database, IndexLimits, InvalidItemError, Item
from bindspace.index.validation import nesting_depth
from live_server import live_server


def nested(levels: int) -> dict:
    """A metadata object whose objects nest `levels` deep (the outer object is level 1)."""
    value: dict = {"leaf": 1}
    for _ in range(levels - 1):
        value = {"a": value}
    return value


def test_nesting_depth_counts_objects_and_arrays() -> None:
    assert nesting_depth(1, 5) == 0
    assert nesting_depth({"a": [1, {"b": []}]}, 10) == 4
    assert nesting_depth(nested(40), 100) == 40
    assert nesting_depth(nested(40), 5) == 6  # stops once past the limit


def test_metadata_deeper_than_the_limit_is_refused_and_nothing_is_written(tmp_path) -> None:
    with Database(tmp_path / "db", limits=IndexLimits(max_metadata_depth=4)) as db:
        collection = db.create_collection("c", 4)
        collection.upsert([Item("ok", np.ones(4), "vector", nested(4))])
        with pytest.raises(InvalidItemError, match="more than 4 levels deep"):
            collection.upsert([Item("deep", np.ones(4), "vector", {"x": [[[{"y": 1}]]]})])
        assert collection.count() == 1


def test_deep_metadata_over_http_is_422_and_the_collection_keeps_answering() -> None:
    server = live_server(max_metadata_depth=16, max_metadata_bytes=1000)
    with server.client() as http:
        assert http.post("/v1/collections", json={"name": "meta", "dimension": 4}).status_code == 201
        items = "/v1/collections/meta/items"
        refused = http.post(items, json={"items": [{"id": "deep", "vector": [1, 0, 0, 0], "metadata": nested(260)}]})
        assert refused.status_code == 422, refused.text
        error = refused.json()["error"]
        assert "more than 16 levels deep" in error["message"] and "deep" in error["message"]
        big = http.post(items, json={"items": [{"id": "big", "vector": [1, 0, 0, 0], "metadata": {"t": "x" * 2000}}]})
        assert big.status_code == 422 and "over the limit of 1000 bytes" in big.json()["error"]["message"]
        accepted = http.post(items, json={"items": [{"id": "ok", "vector": [1, 0, 0, 0], "metadata": nested(16)}]})
        assert accepted.status_code == 200, accepted.text
        assert http.get(f"{items}/ok").status_code == 200
        assert http.get(f"{items}/deep").status_code == 404
        hits = http.post("/v1/collections/meta/search", json={"query": {"vector": [1, 0, 0, 0]}, "k": 5})
        assert hits.status_code == 200 and [hit["id"] for hit in hits.json()["results"]] == ["ok"]
