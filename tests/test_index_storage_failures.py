"""A full or unwritable disk under the data directory: typed errors, nothing half-written, no crash."""

from __future__ import annotations

import subprocess

import numpy as np
import pytest

from bindspace.index import Database, Item, StorageFullError, StorageReadOnlyError
from bindspace.index.config import MaintenanceConfig

D = 256


def batch(start: int, n: int) -> list[Item]:
    rng = np.random.default_rng(start)
    return [Item(f"item-{start + i}", rng.standard_normal(D), "vector", {"n": start + i, "pad": "x" * 200})
            for i in range(n)]


def fill(collection, first: int = 0, size: int = 50, most: int = 10_000) -> tuple[list[str], Exception]:
    """Upsert batches until the disk refuses one; the ids acknowledged and the refusal."""
    acknowledged: list[str] = []
    for start in range(first, first + most, size):
        items = batch(start, size)
        try:
            collection.upsert(items)
        except (StorageFullError, StorageReadOnlyError) as exc:
            return acknowledged, exc
        acknowledged += [item.id for item in items]
    raise AssertionError("the disk never filled")


def test_a_full_disk_refuses_writes_keeps_every_acknowledged_item_and_recovers(small_filesystem) -> None:
    root = small_filesystem("4m")
    ballast = root / "ballast"
    ballast.write_bytes(bytes(1 << 20))  # removed at the end, as an operator frees space
    policy = MaintenanceConfig(background=False, snapshot_every=10**9)
    db = Database(root / "data", maintenance=policy)
    collection = db.create_collection("c", D)
    acknowledged, refusal = fill(collection)
    assert isinstance(refusal, StorageFullError) and "is full" in str(refusal)
    assert acknowledged and collection.count() == len(acknowledged)
    assert "full" in db.storage_problem()
    with pytest.raises(StorageFullError):
        db.create_collection("another", D)
    assert [p.name for p in (root / "data" / "collections").iterdir()] == ["c"]  # no half-made collection
    with pytest.raises(StorageFullError):
        collection.upsert(batch(10**6, 50))
    assert collection.get(acknowledged[-1:])[0] is not None  # reads go on
    db.close()

    with Database(root / "data", maintenance=policy) as reopened:
        stored = reopened.get_collection("c")
        assert stored.count() == len(acknowledged)
        assert all(item is not None for item in stored.get(acknowledged))
        ballast.unlink()
        assert reopened.storage_problem() is None
        stored.delete(acknowledged[:10])
        stored.upsert(batch(10**6, 10))
        assert stored.count() == len(acknowledged)


def test_an_immutable_data_directory_is_an_error_never_a_crash(small_filesystem) -> None:
    root = small_filesystem("16m")
    data = root / "data"
    with Database(data, maintenance=MaintenanceConfig(background=False)) as db:
        collection = db.create_collection("c", D)
        collection.upsert(batch(0, 10))
        assert not any(p.name.endswith("-shm") for p in collection.directory.iterdir())  # WAL index in heap memory
        if subprocess.run(["chattr", "-R", "+i", str(data)], capture_output=True, timeout=30).returncode != 0:
            pytest.skip("this file system does not support the immutable attribute")
        try:
            # Files SQLite already holds open stay writable through their descriptors; whatever must be opened,
            # created or renamed is refused, as a typed error.
            try:
                collection.upsert(batch(100, 10))
                expected = 20
            except StorageReadOnlyError:
                expected = 10
            with pytest.raises(StorageReadOnlyError, match="cannot be written"):
                db.create_collection("d", D)
            with pytest.raises(StorageReadOnlyError):
                db.drop_collection("c")
            assert "cannot be written" in db.storage_problem()
            assert collection.count() == expected and collection.get(["item-0"])[0] is not None
        finally:
            subprocess.run(["chattr", "-R", "-i", str(data)], check=True, timeout=30)
        assert db.storage_problem() is None
        collection.upsert(batch(200, 10))
        assert collection.count() == expected + 10
    with Database(data) as reopened:
        assert reopened.get_collection("c").count() == expected + 10
