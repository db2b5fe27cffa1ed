"""The filter language on both backends: every operator, nesting, JSON typing, missing fields, invalid
filters naming their problem; listing pages with a cursor; partial metadata updates."""

from __future__ import annotations

import numpy as np
import pytest

from bindspace.index import InvalidFilterError, InvalidItemError, Item, ItemNotFoundError

D = 8
METADATA = {
    "a": {"year": 2019, "album": "trip", "tags": ["beach", "sun"], "rating": 4.5, "public": True},
    "b": {"year": 2021, "album": "trip", "tags": ["city"], "rating": 3, "public": False},
    "c": {"year": 2023, "album": "home", "tags": ["beach", 1], "public": True},
    "d": {"year": "2023", "album": "home", "tags": "beach", "rating": None},
    "e": {"year": 2024.0, "tags": [True], "rating": 5},
    "f": {},
}


def vectors(n: int, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal((n, D)).astype(np.float32)


@pytest.fixture
def photos(open_index):
    with open_index() as db:
        collection = db.create_collection("photos", D, index="HNSW16")
        collection.upsert([Item(item_id, v, "image" if item_id < "d" else "text", meta)
                           for (item_id, meta), v in zip(METADATA.items(), vectors(len(METADATA), 1))])
        yield collection


def matching(collection, filter, modalities=None) -> list[str]:
    hits = collection.search(vectors(1, 2), 10, filter=filter, modalities=modalities)[0]
    listed = collection.list_items(filter=filter, modalities=modalities, limit=10)
    assert sorted(hit.id for hit in hits) == [item.id for item in listed.items]
    return [item.id for item in listed.items]


@pytest.mark.parametrize(
    "filter, expected",
    [
        ({"album": "trip"}, ["a", "b"]),
        ({"album": ["home", "none"]}, ["c", "d"]),
        ({"album": {"$eq": "home"}}, ["c", "d"]),
        ({"album": {"$in": ["trip"]}}, ["a", "b"]),
        ({"album": {"$ne": "trip"}}, ["c", "d", "e", "f"]),  # items without the field match too
        ({"album": {"$nin": ["trip", "home"]}}, ["e", "f"]),
        ({"year": 2023}, ["c"]),  # the string "2023" is not the number 2023
        ({"year": "2023"}, ["d"]),
        ({"year": 2024}, ["e"]),  # 2024.0 is the number 2024
        ({"public": True}, ["a", "c"]),
        ({"rating": None}, ["d"]),  # null, not missing
        ({"year": {"$gte": 2021}}, ["b", "c", "e"]),  # strings are not numbers
        ({"year": {"$gt": 2019, "$lt": 2024}}, ["b", "c"]),
        ({"rating": {"$lte": 4.5}}, ["a", "b"]),
        ({"public": {"$gte": 0}}, []),  # booleans are not numbers
        ({"tags": {"$contains": "beach"}}, ["a", "c"]),  # "d" holds a string, not an array
        ({"tags": {"$contains": 1}}, ["c"]),  # not the true in "e"
        ({"tags": {"$contains": True}}, ["e"]),
        ({"$or": [{"album": "home"}, {"rating": {"$gte": 5}}]}, ["c", "d", "e"]),
        ({"$or": [{"year": {"$lt": 2020}}, {"$and": [{"album": "home"}, {"public": True}]}]}, ["a", "c"]),
        ({"album": "trip", "$or": [{"public": False}, {"tags": {"$contains": "sun"}}]}, ["a", "b"]),
        ({"$and": [{"year": {"$gte": 2019}}, {"year": {"$ne": 2021}}]}, ["a", "c", "e"]),
        ({"album": {"$ne": "trip", "$nin": ["home"]}, "tags": {"$contains": True}}, ["e"]),
    ],
)
def test_operators(photos, filter, expected):
    assert matching(photos, filter) == expected


def test_filters_combine_with_modalities(photos):
    assert matching(photos, {"tags": {"$contains": "beach"}}, modalities=["image"]) == ["a", "c"]
    assert matching(photos, {"album": {"$ne": "trip"}}, modalities="text") == ["d", "e", "f"]


@pytest.mark.parametrize(
    "filter, named",
    [
        ({"year": {"$gte": "2020"}}, "filter.year.$gte"),
        ({"year": {"$between": [1, 2]}}, "unknown operator '$between'"),
        ({"year": {}}, "filter.year is an empty object"),
        ({"$or": []}, "filter.$or must be a non-empty list"),
        ({"$or": [{"a": 1}, "b"]}, "filter.$or[1] must be an object"),
        ({"$not": {"a": 1}}, "'$not' is not a field name"),
        ({"tags": {"$contains": [1]}}, "filter.tags.$contains"),
        ({"album": {"$in": "trip"}}, "filter.album.$in must be a non-empty list"),
        ({"album": {"$nin": [[1]]}}, "filter.album.$nin[0]"),
        ({'al"bum': 1}, "is not a field name"),
        ({"year": {"$lt": float("inf")}}, "must be a finite number"),
        ({"year": {"$lt": True}}, "must be a finite number"),
        ({"album": "\ud800"}, "filter.album is not valid Unicode text"),
    ],
)
def test_invalid_filters_name_the_problem(photos, filter, named):
    with pytest.raises(InvalidFilterError, match=named.replace("$", r"\$").replace("[", r"\[")):
        photos.search(vectors(1, 3), 3, filter=filter)
    with pytest.raises(InvalidFilterError):
        photos.list_items(filter=filter)


def test_filter_nesting_and_size_are_limited(photos):
    deep: dict = {"a": 1}
    for _ in range(20):
        deep = {"$or": [deep]}
    with pytest.raises(InvalidFilterError, match="nest"):
        photos.search(vectors(1, 3), 3, filter=deep)
    with pytest.raises(InvalidFilterError, match="at most 1024 values"):
        photos.search(vectors(1, 3), 3, filter={"$or": [{"a": list(range(600))}, {"b": list(range(600))}]})


def test_listing_pages_through_everything_in_id_order(open_index):
    with open_index() as db:
        c = db.create_collection("c", D)
        ids = [f"item-{i:03d}" for i in range(250)]
        c.upsert([Item(i, v, ("image", "text")[n % 2], {"n": n}) for n, (i, v) in enumerate(zip(ids, vectors(250, 4)))])
        seen, cursor = [], None
        while True:
            page = c.list_items(limit=64, cursor=cursor)
            seen += [item.id for item in page.items]
            cursor = page.next_cursor
            if cursor is None:
                break
        assert seen == ids
        page = c.list_items(filter={"n": {"$gte": 100}}, modalities="text", limit=5, cursor="item-150")
        assert [item.id for item in page.items] == [f"item-{i}" for i in (151, 153, 155, 157, 159)]
        assert page.next_cursor == "item-159" and page.items[0].metadata == {"n": 151}
        assert page.items[0].modality == "text"
        last = c.list_items(filter={"n": {"$gte": 245}}, limit=5)
        assert len(last.items) == 5 and last.next_cursor is None
        for bad in (0, 1001, "5", True):
            with pytest.raises(InvalidItemError, match="page size"):
                c.list_items(limit=bad)


def test_partial_metadata_update(open_index):
    with open_index() as db:
        c = db.create_collection("c", D)
        v = vectors(2, 5)
        c.upsert([Item("x", v[0], "image", {"album": "trip", "year": 2020, "keep": [1]}), Item("y", v[1], "text")])
        updated = c.update_metadata("x", {"year": 2021, "album": None, "new": "yes"})
        assert updated.metadata == {"keep": [1], "year": 2021, "new": "yes"}
        stored = c.get_item("x")
        assert stored.metadata == updated.metadata and stored.modality == "image"
        np.testing.assert_allclose(stored.vector, v[0] / np.linalg.norm(v[0]), atol=1e-6)
        assert [h.id for h in c.search(v[:1], 2, filter={"year": {"$gt": 2020}})[0]] == ["x"]
        assert c.search(v[:1], 2, filter={"album": "trip"})[0] == []
        assert c.count() == 2
        with pytest.raises(ItemNotFoundError):
            c.update_metadata("nope", {"a": 1})
        with pytest.raises(InvalidItemError):
            c.update_metadata("x", ["not", "an", "object"])
        with pytest.raises(InvalidItemError):
            c.update_metadata("x", {"big": "z" * 20_000})
        with pytest.raises(InvalidItemError, match="Unicode"):
            c.update_metadata("x", {"bad": "\udfff"})
        assert c.get_item("x").metadata == updated.metadata
