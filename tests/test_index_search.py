"""Search: filters never come back short, modality restriction, filter semantics, search parameters,
training of IVF/PQ indexes and HNSW deletions, for every index type."""

from __future__ import annotations

import numpy as np
import pytest

from bindspace.index import (
    Database,
    DimensionMismatchError,
    InvalidFilterError,
    InvalidSearchError,
    Item,
    MaintenanceConfig,
)

D = 32
# Every index type, with a training size small enough for the tests, and parameters that make it
# search exhaustively at this size.
INDEX_TYPES = {
    "Flat": ({}, {}),
    "HNSW32": ({}, {"efSearch": 512}),
    "IVF16,Flat": ({"train_size": 320}, {"nprobe": 16}),
    "IVF16,PQ8": ({"train_size": 512}, {"nprobe": 16}),
}


def unit_vectors(n: int, seed: int, d: int = D) -> np.ndarray:
    v = np.random.default_rng(seed).standard_normal((n, d)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def open_db(path, **policy) -> Database:
    return Database(path, maintenance=MaintenanceConfig(background=False, **policy))


def open_on(open_index, **policy):
    """A database on the backend `open_index` stands for, maintained in the foreground."""
    return open_index(maintenance=MaintenanceConfig(background=False, **policy))


def make(db: Database, index: str, name: str = "c"):
    options, _ = INDEX_TYPES[index]
    return db.create_collection(name, D, index=index, **options)


def ids(rows) -> list[list[str]]:
    return [[hit.id for hit in row] for row in rows]


@pytest.fixture(params=list(INDEX_TYPES))
def index_type(request):
    return request.param


@pytest.mark.parametrize("exact_search_max", [2048, 0], ids=["small-sets-exact", "always-through-index"])
def test_k_matching_items_hidden_among_many_are_all_found(open_index, index_type, exact_search_max):
    with open_on(open_index, exact_search_max=exact_search_max) as db:
        c = make(db, index_type)
        background = unit_vectors(3000, 1)
        c.upsert([Item(f"bg{i}", v, "image", {"album": "other", "place": "paris" if i % 2 else "rome"})
                  for i, v in enumerate(background)])
        hidden = unit_vectors(10, 2)
        c.upsert([Item(f"h{i}", v, "image", {"album": "2024", "place": "paris"}) for i, v in enumerate(hidden)])
        c.upsert([Item(f"a{i}", v, "audio", {"album": "other"}) for i, v in enumerate(unit_vectors(10, 3))])
        c.upsert([Item(f"p{i}", v, "image", {"album": "2024", "place": "oslo"})
                  for i, v in enumerate(unit_vectors(5, 4))])
        assert c.stats().trained
        queries = unit_vectors(4, 5)  # unrelated to the hidden vectors
        for row in ids(c.search(queries, 10, filter={"album": "2024", "place": "paris"})):
            assert sorted(row) == sorted(f"h{i}" for i in range(10))
        for row in ids(c.search(queries, 10, modalities=["audio"])):
            assert sorted(row) == sorted(f"a{i}" for i in range(10))
        for row in ids(c.search(queries, 15, filter={"album": "2024"}, modalities="image")):
            assert sorted(row) == sorted([f"h{i}" for i in range(10)] + [f"p{i}" for i in range(5)])
        # Fewer matches than k: all of them, nothing else.
        for row in ids(c.search(queries, 10, filter={"place": "oslo"})):
            assert sorted(row) == [f"p{i}" for i in range(5)]
        assert ids(c.search(queries, 10, filter={"album": "none"})) == [[]] * 4
        assert ids(c.search(queries, 10, modalities=["text"])) == [[]] * 4


def test_filtered_results_are_the_exact_best_matches(open_index, index_type):
    with open_on(open_index, exact_search_max=0) as db:
        c = make(db, index_type)
        vectors = unit_vectors(2000, 6)
        c.upsert([Item(str(i), v, "image", {"group": i % 10}) for i, v in enumerate(vectors)])
        queries = unit_vectors(3, 7)
        _, exhaustive = INDEX_TYPES[index_type]
        rows = c.search(queries, 5, filter={"group": 3}, params=exhaustive)
        members = np.arange(3, 2000, 10)
        for q, row in zip(queries, rows):
            assert len(row) == 5 and all(hit.metadata["group"] == 3 for hit in row)
            if index_type != "IVF16,PQ8":  # PQ scores are approximate
                best = members[np.argsort(-(vectors[members] @ q))[:5]]
                assert [hit.id for hit in row] == [str(i) for i in best]


def test_unfiltered_search_finds_each_item_itself(open_index, index_type):
    with open_on(open_index) as db:
        c = make(db, index_type)
        vectors = unit_vectors(1000, 8)
        c.upsert([Item(str(i), v, "image") for i, v in enumerate(vectors)])
        _, exhaustive = INDEX_TYPES[index_type]
        rows = c.search(vectors[:200], 3, params=exhaustive)
        assert [row[0].id for row in rows] == [str(i) for i in range(200)]
        assert all(len(row) == 3 for row in rows)
        # Batched and single queries agree.
        assert ids(c.search(vectors[:1], 3, params=exhaustive)) == ids(rows[:1])


def test_filter_value_semantics(open_index):
    with open_on(open_index) as db:
        c = db.create_collection("c", D)
        values = {"int1": 1, "str1": "1", "true": True, "float1": 1.0, "null": None, "list": [1], "half": 0.5}
        c.upsert([Item(name, v, "text", {"x": value}) for (name, value), v in zip(values.items(), unit_vectors(7, 9))])
        q = unit_vectors(1, 10)

        def found(value):
            return sorted(hit.id for hit in c.search(q, 10, filter={"x": value})[0])

        assert found(1) == ["float1", "int1"]
        assert found(1.0) == ["float1", "int1"]
        assert found("1") == ["str1"]
        assert found(True) == ["true"]
        assert found(None) == ["null"]
        assert found(0.5) == ["half"]
        assert found(["1", True, 0.5]) == ["half", "str1", "true"]
        assert found(2) == []
        assert sorted(hit.id for hit in c.search(q, 10, filter={})[0]) == sorted(values)


@pytest.mark.parametrize(
    "kwargs, error",
    [
        ({"filter": ["album"]}, InvalidFilterError),
        ({"filter": {"album": {"nested": 1}}}, InvalidFilterError),
        ({"filter": {"album": []}}, InvalidFilterError),
        ({"filter": {"album": float("nan")}}, InvalidFilterError),
        ({"filter": {"": 1}}, InvalidFilterError),
        ({"filter": {"album": list(range(2000))}}, InvalidFilterError),
        ({"modalities": []}, InvalidFilterError),
        ({"modalities": ["im age"]}, InvalidFilterError),
        ({"k": 0}, InvalidSearchError),
        ({"k": 1001}, InvalidSearchError),
        ({"k": 2.0}, InvalidSearchError),
        ({"k": True}, InvalidSearchError),
        ({"params": {"nprobe": 4}}, InvalidSearchError),
        ({"queries": np.ones((2, D + 1))}, DimensionMismatchError),
        ({"queries": np.ones(D)}, DimensionMismatchError),
        ({"queries": np.full((1, D), np.nan)}, InvalidSearchError),
        ({"queries": np.zeros((1, D))}, InvalidSearchError),
        ({"queries": np.ones((1025, D))}, InvalidSearchError),
    ],
)
def test_invalid_searches(open_index, kwargs, error):
    with open_on(open_index) as db:
        c = db.create_collection("c", D)
        c.upsert([Item("a", np.ones(D), "image")])
        args = {"queries": np.ones((1, D)), "k": 1, **kwargs}
        with pytest.raises(error):
            c.search(args.pop("queries"), args.pop("k"), **args)


@pytest.mark.parametrize(
    "index, params, ok",
    [
        ("IVF16,Flat", {"nprobe": 16}, True),
        ("IVF16,Flat", {"nprobe": 0}, False),
        ("IVF16,Flat", {"nprobe": 17}, False),
        ("IVF16,Flat", {"nprobe": "4"}, False),
        ("IVF16,Flat", {"efSearch": 16}, False),
        ("HNSW32", {"efSearch": 200}, True),
        ("HNSW32", {"efSearch": 0}, False),
        ("HNSW32", {"nprobe": 2}, False),
        ("HNSW32", {"k_factor": 4}, True),
        ("IVF16,PQ8", {"k_factor": 64}, True),
        ("IVF16,PQ8", {"k_factor": 0}, False),
        ("IVF16,PQ8", {"k_factor": 65}, False),
        ("IVF16,PQ8", {"k_factor": 2.5}, False),
        ("Flat", {"k_factor": 2}, False),  # exact already: nothing to re-rank
    ],
)
def test_search_params_are_validated_per_index_type(open_index, index, params, ok):
    with open_on(open_index) as db:
        c = make(db, index)
        c.upsert([Item(str(i), v, "image") for i, v in enumerate(unit_vectors(400, 11))])
        if ok:
            assert len(c.search(unit_vectors(1, 12), 5, params=params)[0]) == 5
        else:
            with pytest.raises(InvalidSearchError):
                c.search(unit_vectors(1, 12), 5, params=params)


def test_nprobe_changes_ivf_results(tmp_path):
    with open_db(tmp_path) as db:
        c = db.create_collection("c", D, index="IVF16,Flat", train_size=320, search_params={"nprobe": 1})
        vectors = unit_vectors(3000, 13)
        c.upsert([Item(str(i), v, "image") for i, v in enumerate(vectors)])
        queries = unit_vectors(50, 14)
        exact = np.argsort(-(queries @ vectors.T), axis=1)[:, :10]

        def recall(rows):
            return np.mean([len({h.id for h in row} & {str(i) for i in best}) / 10 for row, best in zip(rows, exact)])

        assert recall(c.search(queries, 10, params={"nprobe": 16})) == 1.0
        assert recall(c.search(queries, 10)) < 0.9  # one list of sixteen misses neighbours on random data


@pytest.mark.parametrize("metric", ["cosine", "l2"])
def test_k_factor_reranks_pq_candidates_exactly(tmp_path, metric):
    with open_db(tmp_path) as db:
        c = db.create_collection("c", D, metric=metric, index="IVF16,PQ8", train_size=512,
                                 search_params={"nprobe": 16})
        vectors = unit_vectors(3000, 31)
        c.upsert([Item(str(i), v, "image", {"half": i % 2}) for i, v in enumerate(vectors)])
        assert c.stats().trained
        queries = unit_vectors(40, 32)
        if metric == "l2":
            distances = ((queries[:, None, :] - vectors[None]) ** 2).sum(-1)
            exact = np.argsort(distances, axis=1)[:, :10]
        else:
            exact = np.argsort(-(queries @ vectors.T), axis=1)[:, :10]

        def recall(rows):
            return np.mean([len({h.id for h in row} & {str(i) for i in best}) / 10 for row, best in zip(rows, exact)])

        plain, reranked = c.search(queries, 10), c.search(queries, 10, params={"k_factor": 16})
        assert recall(plain) < 0.8  # 8-byte codes of 32-d vectors rank coarsely
        assert recall(reranked) > 0.95 and recall(reranked) > recall(plain) + 0.2
        for row, q in zip(reranked, queries):  # exact scores, best first
            found = vectors[[int(h.id) for h in row]]
            expected = ((found - q) ** 2).sum(1) if metric == "l2" else found @ q
            assert [h.score for h in row] == pytest.approx(expected.tolist(), abs=1e-5)
            assert [h.score for h in row] == sorted((h.score for h in row), reverse=metric != "l2")
        filtered = c.search(queries[:5], 10, filter={"half": 1}, params={"k_factor": 16})
        assert all(len(row) == 10 and all(int(h.id) % 2 for h in row) for row in filtered)


def test_k_factor_is_limited_by_the_candidate_budget(tmp_path):
    with open_db(tmp_path) as db:
        c = make(db, "HNSW32")
        c.upsert([Item(str(i), v, "image") for i, v in enumerate(unit_vectors(50, 33))])
        assert len(c.search(unit_vectors(1, 34), 256, params={"k_factor": 64})[0]) == 50
        with pytest.raises(InvalidSearchError, match="k \\* k_factor must be at most 16384"):
            c.search(unit_vectors(1, 34), 257, params={"k_factor": 64})


def test_ivf_searches_exactly_until_trained(tmp_path):
    with open_db(tmp_path) as db:
        c = db.create_collection("c", D, index="IVF16,PQ8", train_size=512)
        vectors = unit_vectors(600, 15)
        c.upsert([Item("first", vectors[0], "image")])
        assert ids(c.search(vectors[:1], 5)) == [["first"]]
        c.upsert([Item(str(i), v, "image") for i, v in enumerate(vectors[1:500], start=1)])
        stats = c.stats()
        assert not stats.trained and stats.index_count == 500
        queries = unit_vectors(5, 16)
        rows = c.search(queries, 5)
        exact = np.argsort(-(queries @ vectors[:500].T), axis=1)[:, :5]
        expected = [["first" if i == 0 else str(i) for i in best] for best in exact]
        assert ids(rows) == expected
        for row, q, best in zip(rows, queries, exact):  # exact scores, not PQ approximations
            assert [h.score for h in row] == pytest.approx((vectors[best] @ q).tolist(), abs=1e-5)
        c.upsert([Item(str(i), v, "image") for i, v in enumerate(vectors[500:], start=500)])
        stats = c.stats()
        assert stats.trained and stats.index_count == stats.store_count == 600


def test_background_training(tmp_path):
    with Database(tmp_path, maintenance=MaintenanceConfig(background=True)) as db:
        c = db.create_collection("c", D, index="IVF16,Flat", train_size=320)
        vectors = unit_vectors(1000, 17)
        for start in range(0, 1000, 100):
            c.upsert([Item(str(i), vectors[i], "image") for i in range(start, start + 100)])
            assert len(c.search(vectors[:1], 10)[0]) == 10
        c.rebuild()  # waits for any background rebuild, then builds once more
        stats = c.stats()
        assert stats.trained and stats.index_count == stats.store_count == 1000 and stats.maintenance_error is None
        assert ids(c.search(vectors[:50], 1, params={"nprobe": 16})) == [[str(i)] for i in range(50)]


def test_hnsw_deleted_items_never_come_back_and_trigger_rebuild(tmp_path):
    with open_db(tmp_path, rebuild_deleted_fraction=0.3) as db:
        c = db.create_collection("c", D, index="HNSW32")
        vectors = unit_vectors(1000, 18)
        c.upsert([Item(str(i), v, "image", {"even": i % 2 == 0}) for i, v in enumerate(vectors)])
        deleted = {str(i) for i in range(0, 500, 2)}
        assert c.delete(sorted(deleted)) == 250
        stats = c.stats()
        assert stats.removed_held == 250 and stats.index_count == stats.store_count == 750
        rows = c.search(vectors[:500], 10, params={"efSearch": 128})
        assert all(len(row) == 10 and not deleted & {h.id for h in row} for row in rows)
        assert all(row[0].id == str(i) for i, row in enumerate(rows) if str(i) not in deleted)
        filtered = c.search(vectors[:20], 10, filter={"even": True})
        assert all(len(row) == 10 and not deleted & {h.id for h in row} for row in filtered)
        c.delete([str(i) for i in range(500, 700, 2)])  # 350 of 1000 removed: past the 30% threshold
        stats = c.stats()
        assert stats.removed_held == 0 and stats.index_count == stats.store_count == 650
        rows = c.search(vectors[1:700:2], 1, params={"efSearch": 128})
        assert [row[0].id for row in rows] == [str(i) for i in range(1, 700, 2)]


def test_replacing_on_every_index_type(open_index, index_type):
    with open_on(open_index) as db:
        c = make(db, index_type)
        vectors = unit_vectors(800, 19)
        c.upsert([Item(str(i), v, "image") for i, v in enumerate(vectors)])
        moved = unit_vectors(100, 20)
        c.upsert([Item(str(i), v, "audio", {"moved": True}) for i, v in enumerate(moved)])
        _, exhaustive = INDEX_TYPES[index_type]
        stats = c.stats()
        assert c.count() == 800 and stats.index_count == stats.store_count == 800
        rows = c.search(moved, 1, params=exhaustive)
        assert [row[0].id for row in rows] == [str(i) for i in range(100)]
        assert all(row[0].modality == "audio" and row[0].metadata == {"moved": True} for row in rows)
        assert c.count("audio") == 100


def test_explicit_rebuild_keeps_results(tmp_path, index_type):
    with open_db(tmp_path) as db:
        c = make(db, index_type)
        vectors = unit_vectors(700, 21)
        c.upsert([Item(str(i), v, "image") for i, v in enumerate(vectors)])
        c.delete([str(i) for i in range(0, 700, 7)])
        _, exhaustive = INDEX_TYPES[index_type]
        kept = [i for i in range(60) if i % 7]
        before = c.search(vectors[kept], 5, params=exhaustive)
        c.rebuild()
        after = c.search(vectors[kept], 5, params=exhaustive)
        stats = c.stats()
        assert stats.index_count == stats.store_count == 600 and stats.removed_held == 0
        assert [row[0].id for row in after] == [row[0].id for row in before] == [str(i) for i in kept]
        if index_type != "IVF16,PQ8":  # a retrained PQ approximates scores differently
            assert ids(after) == ids(before)
