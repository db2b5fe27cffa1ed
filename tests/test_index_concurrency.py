"""Searches from several threads while another thread writes (and the background worker snapshots and
rebuilds): no errors, never a short or duplicated result, every hit consistent with its stored version."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from bindspace.index import Database, Item, MaintenanceConfig

D = 16
STABLE = 300
CHURN = 200


def vector(key: str, version: int) -> np.ndarray:
    seed = [int.from_bytes(key.encode(), "little") % (2**63), version]
    v = np.random.default_rng(seed).standard_normal(D).astype(np.float32)
    return v / np.linalg.norm(v)


@pytest.mark.parametrize(
    "index, options, params",
    [
        ("Flat", {}, {}),
        ("HNSW16", {}, {"efSearch": 600}),
        ("IVF8,Flat", {"train_size": 400}, {"nprobe": 8}),
    ],
)
def test_searches_during_writes_are_consistent(tmp_path, index, options, params):
    policy = MaintenanceConfig(background=True, snapshot_every=150, rebuild_deleted_fraction=0.2)
    with Database(tmp_path, maintenance=policy) as db:
        c = db.create_collection("c", D, index=index, **options)
        c.upsert([Item(f"s{i}", vector(f"s{i}", 0), "image", {"group": "stable", "v": 0}) for i in range(STABLE)])
        stable_vectors = np.stack([vector(f"s{i}", 0) for i in range(STABLE)])
        errors: list[BaseException] = []
        done = threading.Event()
        searches = [0]

        def write() -> None:
            rng = np.random.default_rng(0)
            try:
                for version in range(1, 40):
                    keys = [f"c{i}" for i in rng.choice(CHURN, size=25, replace=False)]
                    c.upsert([Item(k, vector(k, version), "audio", {"group": "churn", "v": version}) for k in keys])
                    c.delete([f"c{i}" for i in rng.choice(CHURN, size=8, replace=False)])
            except BaseException as exc:  # noqa: BLE001 - reported by the test thread
                errors.append(exc)
            finally:
                done.set()

        def search(seed: int) -> None:
            rng = np.random.default_rng(seed)
            try:
                while not done.is_set():
                    picks = rng.choice(STABLE, size=8, replace=False)
                    rows = c.search(stable_vectors[picks], 10, params=params)
                    for pick, row in zip(picks, rows):
                        assert len(row) == 10 and len({h.id for h in row}) == 10
                        assert row[0].id == f"s{pick}" and row[0].score == pytest.approx(1.0, abs=1e-4)
                        for hit in row:  # the scored vector is the version whose metadata came back
                            expected = float(vector(hit.id, hit.metadata["v"]) @ stable_vectors[pick])
                            assert hit.score == pytest.approx(expected, abs=1e-4)
                    filtered = c.search(stable_vectors[picks[:2]], 5, filter={"group": "stable"}, params=params)
                    assert all(len(row) == 5 and all(h.id.startswith("s") for h in row) for row in filtered)
                    churn = c.search(stable_vectors[picks[:2]], 5, modalities=["audio"], params=params)
                    assert all(all(h.modality == "audio" for h in row) for row in churn)
                    searches[0] += 1
            except BaseException as exc:  # noqa: BLE001 - reported by the test thread
                errors.append(exc)

        threads = [threading.Thread(target=write)] + [threading.Thread(target=search, args=(s,)) for s in range(3)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=300)
        assert not errors, errors[0]
        assert searches[0] > 10
        c.rebuild()  # let any background rebuild finish
        stats = c.stats()
        assert stats.maintenance_error is None and stats.snapshot_seq > 0
        assert stats.index_count == stats.store_count == c.count() == STABLE + c.count("audio")
