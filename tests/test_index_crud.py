"""Collections and items: create/list/drop, upsert/get/delete semantics, counts, and input errors."""

from __future__ import annotations

import math

import numpy as np
import pytest

from bindspace.index import (
    CollectionExistsError,
    CollectionNotFoundError,
    Database,
    DatabaseClosedError,
    DimensionMismatchError,
    IndexLimits,
    IndexStoreError,
    InvalidIndexSpecError,
    InvalidItemError,
    InvalidNameError,
    Item,
    ItemNotFoundError,
    MaintenanceConfig,
)

D = 8


def vec(seed: int, d: int = D) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal(d).astype(np.float32)


def unit(v: np.ndarray) -> np.ndarray:
    return v / np.linalg.norm(v)


@pytest.fixture
def db(tmp_path):
    with Database(tmp_path / "data", maintenance=MaintenanceConfig(background=False)) as database:
        yield database


def test_create_list_get_drop(db):
    photos = db.create_collection("photos", D)
    db.create_collection("sounds-2", 4, metric="l2", index="HNSW16")
    photos.upsert([Item("a", vec(1), "image"), Item("b", vec(2), "text"), Item("c", vec(3), "image")])
    infos = {info.name: info for info in db.list_collections()}
    assert list(infos) == ["photos", "sounds-2"]
    assert (infos["photos"].dimension, infos["photos"].metric, infos["photos"].index) == (D, "cosine", "Flat")
    assert infos["photos"].count == 3 and infos["photos"].counts_by_modality == {"image": 2, "text": 1}
    assert (infos["sounds-2"].metric, infos["sounds-2"].index, infos["sounds-2"].count) == ("l2", "HNSW16", 0)
    assert db.get_collection("photos") is photos
    with pytest.raises(CollectionExistsError):
        db.create_collection("photos", D)
    db.drop_collection("photos")
    with pytest.raises(CollectionNotFoundError):
        db.get_collection("photos")
    with pytest.raises(CollectionNotFoundError):
        db.drop_collection("photos")
    with pytest.raises(DatabaseClosedError):
        photos.count()
    again = db.create_collection("photos", D)
    assert again.count() == 0


@pytest.mark.parametrize("name", ["", "a b", "../x", ".hidden", "-x", "x" * 65, "é", None, 3])
def test_invalid_collection_names(db, name):
    with pytest.raises(InvalidNameError):
        db.create_collection(name, D)
    if isinstance(name, str):
        with pytest.raises(InvalidNameError):
            db.get_collection(name)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"dimension": 0},
        {"dimension": 100_000},
        {"dimension": 8.0},
        {"metric": "hamming"},
        {"index": "NoSuchIndex"},
        {"index": "IVF4,PQ3"},  # 8 is not a multiple of 3
        {"index": "PCA4,Flat"},  # not a supported family
        {"index": "Flat", "train_size": 100},  # Flat needs no training
        {"index": "IVF16,Flat", "train_size": 8},  # fewer points than centroids
        {"index": "Flat", "search_params": {"nprobe": 4}},
        {"index": "IVF16,Flat", "search_params": {"nprobe": 17}},
    ],
)
def test_invalid_collection_specs(db, kwargs):
    kwargs = {"dimension": D, **kwargs}
    with pytest.raises(InvalidIndexSpecError):
        db.create_collection("bad", kwargs.pop("dimension"), **kwargs)
    assert db.list_collections() == []


def test_unknown_backend(tmp_path):
    with pytest.raises(InvalidIndexSpecError, match="backend"):
        Database(tmp_path, backend="annoy")


def test_upsert_get_roundtrip_normalizes_for_cosine(db):
    c = db.create_collection("c", D)
    meta = {"album": "2024", "n": 3, "nested": {"a": [1, 2]}, "ok": True, "none": None}
    c.upsert([Item("a", vec(1) * 5, "image", meta), Item("ü/ß 1", vec(2), "text")])
    a, missing, b = c.get(["a", "nope", "ü/ß 1"])
    assert missing is None
    assert a.id == "a" and a.modality == "image" and a.metadata == meta
    np.testing.assert_allclose(a.vector, unit(vec(1)), atol=1e-6)
    assert a.vector.dtype == np.float32 and b.metadata == {}
    assert c.get_item("a").metadata == meta
    with pytest.raises(ItemNotFoundError):
        c.get_item("nope")


def test_upsert_replaces_vector_metadata_and_modality(db):
    c = db.create_collection("c", D)
    c.upsert([Item(str(i), vec(i), "image", {"v": 1}) for i in range(5)])
    c.upsert([Item("3", vec(100), "audio", {"v": 2})])
    assert c.count() == 5
    assert c.counts_by_modality() == {"image": 4, "audio": 1}
    item = c.get_item("3")
    assert item.metadata == {"v": 2} and item.modality == "audio"
    np.testing.assert_allclose(item.vector, unit(vec(100)), atol=1e-6)
    # The old vector is gone from the index: searching it scores item 3 by its new vector.
    hits = c.search(vec(3)[None], 5)[0]
    assert [h.id for h in hits].count("3") == 1
    score = next(h.score for h in hits if h.id == "3")
    assert score == pytest.approx(float(unit(vec(3)) @ unit(vec(100))), abs=1e-5)


def test_delete_and_counts(db):
    c = db.create_collection("c", D)
    c.upsert([Item(str(i), vec(i), ("image", "text")[i % 2]) for i in range(10)])
    assert c.delete(["0", "1", "nope", "1"]) == 2
    assert c.delete(["nope"]) == 0
    assert c.delete([]) == 0
    assert c.count() == 8 and c.count("image") == 4 and c.count("text") == 4 and c.count("audio") == 0
    assert c.get(["0", "2"])[0] is None
    assert {h.id for h in c.search(vec(0)[None], 10)[0]} == {str(i) for i in range(2, 10)}
    c.upsert([Item("0", vec(0), "image")])
    assert c.count() == 9


def test_ip_and_l2_metrics(db):
    ip = db.create_collection("ip", D, metric="ip")
    l2 = db.create_collection("l2", D, metric="l2")
    vectors = [vec(i) * (i + 1) for i in range(6)]
    for c in (ip, l2):
        c.upsert([Item(str(i), v, "image") for i, v in enumerate(vectors)])
    q = vec(42)
    ip_hits = ip.search(q[None], 6)[0]
    expected = sorted(((float(q @ v), str(i)) for i, v in enumerate(vectors)), reverse=True)
    assert [h.id for h in ip_hits] == [i for _, i in expected]
    assert [h.score for h in ip_hits] == pytest.approx([s for s, _ in expected], rel=1e-5)
    np.testing.assert_allclose(ip.get_item("5").vector, vectors[5])  # not normalized
    l2_hits = l2.search(q[None], 6)[0]
    expected = sorted((float(((q - v) ** 2).sum()), str(i)) for i, v in enumerate(vectors))
    assert [h.id for h in l2_hits] == [i for _, i in expected]
    assert [h.score for h in l2_hits] == pytest.approx([s for s, _ in expected], rel=1e-4)


@pytest.mark.parametrize(
    "items, error",
    [
        ([Item("a", np.full(D, np.nan), "image")], InvalidItemError),
        ([Item("a", np.full(D, np.inf), "image")], InvalidItemError),
        ([Item("a", np.full(D, 1e39), "image")], InvalidItemError),  # overflows float32
        ([Item("a", np.zeros(D), "image")], InvalidItemError),  # no direction for cosine
        ([Item("a", np.ones(D + 1), "image")], DimensionMismatchError),
        ([Item("a", np.ones((1, D)), "image")], DimensionMismatchError),
        ([Item("a", ["x"] * D, "image")], InvalidItemError),
        ([Item("a", np.ones(D), "image"), Item("a", np.ones(D), "image")], InvalidItemError),
        ([Item("", np.ones(D), "image")], InvalidItemError),
        ([Item(7, np.ones(D), "image")], InvalidItemError),
        ([Item("a\nb", np.ones(D), "image")], InvalidItemError),
        ([Item("x" * 513, np.ones(D), "image")], InvalidItemError),
        ([Item("a", np.ones(D), "im age")], InvalidNameError),
        ([Item("a", np.ones(D), "")], InvalidNameError),
        ([Item("a", np.ones(D), "image", ["not", "a", "dict"])], InvalidItemError),
        ([Item("a", np.ones(D), "image", {1: "int key"})], InvalidItemError),
        ([Item("a", np.ones(D), "image", {"x": float("nan")})], InvalidItemError),
        ([Item("a", np.ones(D), "image", {"x": object()})], InvalidItemError),
        ([Item("a", np.ones(D), "image", {"x": "y" * 20_000})], InvalidItemError),
        ([("a", np.ones(D), "image")], InvalidItemError),
        (Item("a", np.ones(D), "image"), InvalidItemError),
    ],
)
def test_invalid_items_are_rejected_and_nothing_is_written(db, items, error):
    c = db.create_collection("c", D)
    good = Item("good", np.ones(D), "image")
    batch = [good, *items] if isinstance(items, list) else items
    with pytest.raises(error):
        c.upsert(batch)
    assert c.count() == 0 and c.get(["good"]) == [None]


def test_limits_are_configurable(tmp_path):
    limits = IndexLimits(max_id_bytes=4, max_metadata_bytes=20, max_batch_items=2)
    with Database(tmp_path, limits=limits) as db:
        c = db.create_collection("c", D)
        c.upsert([Item("abcd", np.ones(D), "image", {"k": "v"})])
        with pytest.raises(InvalidItemError, match="limit is 4"):
            c.upsert([Item("abcde", np.ones(D), "image")])
        with pytest.raises(InvalidItemError, match="limit of 20 bytes"):
            c.upsert([Item("a", np.ones(D), "image", {"k": "v" * 20})])
        with pytest.raises(InvalidItemError, match="at most 2"):
            c.upsert([Item(str(i), np.ones(D), "image") for i in range(3)])
        with pytest.raises(InvalidItemError, match="at most 2"):
            c.get(["a", "b", "c"])


def test_ids_argument_must_be_a_list(db):
    c = db.create_collection("c", D)
    for bad in ("abc", None, 5):
        with pytest.raises(InvalidItemError):
            c.delete(bad)
        with pytest.raises(InvalidItemError):
            c.get(bad)


def test_closed_database_refuses_work(tmp_path):
    db = Database(tmp_path)
    c = db.create_collection("c", D)
    db.close()
    db.close()
    for call in (lambda: c.count(), lambda: c.upsert([Item("a", np.ones(D), "image")]),
                 lambda: c.search(np.ones((1, D)), 1), lambda: db.list_collections(),
                 lambda: db.create_collection("d", D), lambda: c.get(["a"])):
        with pytest.raises(DatabaseClosedError):
            call()


def test_every_error_is_an_index_store_error():
    import bindspace.index.errors as errors

    classes = [v for v in vars(errors).values() if isinstance(v, type) and issubclass(v, Exception)]
    assert len(classes) > 10
    assert all(issubclass(cls, IndexStoreError) for cls in classes)


def test_scores_are_cosine_similarities(db):
    c = db.create_collection("c", D)
    c.upsert([Item("a", vec(1), "image")])
    (hit,) = c.search(vec(2)[None] * 7, 1)[0]
    assert hit.score == pytest.approx(float(unit(vec(1)) @ unit(vec(2))), abs=1e-6)
    assert math.isfinite(hit.score) and hit.modality == "image" and hit.metadata == {}
