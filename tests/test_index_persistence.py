"""Persistence: clean close/reopen, unclean stop with a stale snapshot, damaged snapshots, leftovers,
and the data directory lock."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from bindspace.index import CorruptDataError, Database, DataDirLockedError, Item, MaintenanceConfig

ROOT = Path(__file__).resolve().parents[1]
D = 16
INDEX_TYPES = {
    "flat": ("Flat", {}, {}),
    "hnsw": ("HNSW16", {}, {"efSearch": 512}),
    "ivf": ("IVF8,Flat", {"train_size": 200}, {"nprobe": 8}),
    "ivfpq": ("IVF8,PQ8", {"train_size": 256}, {"nprobe": 8}),
}
POLICY = MaintenanceConfig(background=False, snapshot_every=1_000_000)


def unit_vectors(n: int, seed: int) -> np.ndarray:
    v = np.random.default_rng(seed).standard_normal((n, D)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def populate(db: Database) -> None:
    """Collections of every type with 600 items, some replaced and some deleted."""
    vectors = unit_vectors(600, 1)
    for name, (index, options, _) in INDEX_TYPES.items():
        c = db.create_collection(name, D, index=index, **options)
        c.upsert([Item(f"i{i}", v, ("image", "text")[i % 2], {"i": i}) for i, v in enumerate(vectors[:400])])
        c.checkpoint()
        c.upsert([Item(f"i{i}", v, ("image", "text")[i % 2], {"i": i}) for i, v in enumerate(vectors[400:], 400)])
        c.upsert([Item(f"i{i}", -vectors[i], "audio", {"i": i, "flipped": True}) for i in range(0, 600, 9)])
        c.delete([f"i{i}" for i in range(1, 600, 13)])


def results(db: Database, exhaustive: bool) -> dict:
    """Search results of every collection as plain data (ids and scores)."""
    queries = unit_vectors(20, 2)
    out = {}
    for name, (_, _, params) in INDEX_TYPES.items():
        c = db.get_collection(name)
        rows = c.search(queries, 10, params=params if exhaustive else None)
        filtered = c.search(queries, 5, filter={"flipped": True}, modalities=["audio"])
        out[name] = {
            "rows": [[(h.id, round(h.score, 5)) for h in row] for row in rows],
            "filtered": [[h.id for h in row] for row in filtered],
            "count": c.count(),
            "by_modality": c.counts_by_modality(),
        }
    return out


def test_close_and_reopen_gives_identical_results(tmp_path):
    with Database(tmp_path, maintenance=POLICY) as db:
        populate(db)
        before = results(db, exhaustive=False), results(db, exhaustive=True)
    with Database(tmp_path, maintenance=POLICY) as db:
        for name in INDEX_TYPES:
            stats = db.get_collection(name).stats()
            assert stats.snapshot_seq == stats.seq  # loaded from the snapshot written on close, nothing replayed
            assert stats.index_count == stats.store_count == 553
        assert (results(db, exhaustive=False), results(db, exhaustive=True)) == before


WRITER = textwrap.dedent(
    """
    import json, os, signal, sys
    from bindspace.index import Database, MaintenanceConfig
    sys.path.insert(0, {tests!r})
    from test_index_persistence import POLICY, populate, results
    db = Database({path!r}, maintenance=POLICY)
    populate(db)
    print(json.dumps({{name: db.get_collection(name).stats().seq for name in {names!r}}}))
    print(json.dumps(results(db, exhaustive=True)), flush=True)
    os.kill(os.getpid(), signal.SIGKILL)
    """
)


def test_unclean_stop_replays_changes_after_the_stale_snapshot(tmp_path):
    script = WRITER.format(tests=str(Path(__file__).parent), path=str(tmp_path), names=list(INDEX_TYPES))
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=300)
    assert proc.returncode == -9, proc.stderr[-2000:]
    seqs_line, results_line = proc.stdout.splitlines()
    seqs, expected = json.loads(seqs_line), json.loads(results_line)
    with Database(tmp_path, maintenance=POLICY) as db:
        for name in INDEX_TYPES:
            stats = db.get_collection(name).stats()
            # The snapshot on disk predates the last writes, which were replayed from the store.
            assert 0 < stats.snapshot_seq < stats.seq == seqs[name]
            assert stats.index_count == stats.store_count == 553
        assert json.loads(json.dumps(results(db, exhaustive=True))) == expected


def damage_truncate(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def damage_flip(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))


def damage_garbage(path: Path) -> None:
    path.write_bytes(b"not a snapshot")


def damage_remove(path: Path) -> None:
    path.unlink()


@pytest.mark.parametrize("damage", [damage_truncate, damage_flip, damage_garbage, damage_remove])
def test_damaged_or_missing_snapshot_is_rebuilt_from_the_store(tmp_path, damage):
    with Database(tmp_path, maintenance=POLICY) as db:
        populate(db)
        expected = results(db, exhaustive=True)
    for name in INDEX_TYPES:
        damage(tmp_path / "collections" / name / "index.snapshot")
    with Database(tmp_path, maintenance=POLICY) as db:
        for name in INDEX_TYPES:
            stats = db.get_collection(name).stats()
            assert stats.index_count == stats.store_count == 553 and stats.trained
        rebuilt = results(db, exhaustive=True)
        # A retrained product quantizer approximates scores differently; everything else is exact here.
        assert rebuilt["ivfpq"]["filtered"] == expected["ivfpq"]["filtered"]
        for key in ("rows", "filtered"):
            rebuilt["ivfpq"].pop(key)
            expected["ivfpq"].pop(key)
        assert rebuilt == expected
        pq = db.get_collection("ivfpq")
        live = [item for item in pq.get([f"i{i}" for i in range(600)]) if item is not None]
        hits = pq.search(np.stack([item.vector for item in live]), 1, params={"nprobe": 8})
        assert [row[0].id for row in hits] == [item.id for item in live]


def test_leftovers_of_interrupted_operations_are_cleaned(tmp_path):
    with Database(tmp_path) as db:
        db.create_collection("keep", D).upsert([Item("a", unit_vectors(1, 3)[0], "image")])
    root = tmp_path / "collections"
    (root / ".creating-half-0123").mkdir()
    (root / ".dropped-old-4567").mkdir()
    (root / "keep" / "index.snapshot.tmp").write_bytes(b"partial")
    with Database(tmp_path) as db:
        assert [info.name for info in db.list_collections()] == ["keep"]
        assert db.get_collection("keep").count() == 1
    assert sorted(p.name for p in root.iterdir()) == ["keep"]
    assert not (root / "keep" / "index.snapshot.tmp").exists()


def test_dropped_collection_stays_dropped(tmp_path):
    with Database(tmp_path) as db:
        db.create_collection("a", D)
        db.create_collection("b", D).upsert([Item("x", unit_vectors(1, 4)[0], "image")])
        db.drop_collection("a")
    with Database(tmp_path) as db:
        assert [info.name for info in db.list_collections()] == ["b"]


def test_other_layout_is_refused(tmp_path):
    (tmp_path / "FORMAT").write_bytes(b"something else\n")
    with pytest.raises(CorruptDataError):
        Database(tmp_path)
    Database(tmp_path / "fresh").close()  # and the lock of a failed open is released
    (tmp_path / "FORMAT").unlink()
    Database(tmp_path).close()


def test_second_database_in_the_same_process_is_refused(tmp_path):
    with Database(tmp_path):
        with pytest.raises(DataDirLockedError, match=str(os.getpid())):
            Database(tmp_path)
    Database(tmp_path).close()


def test_second_process_is_refused(tmp_path):
    script = textwrap.dedent(
        f"""
        from bindspace.index import Database, DataDirLockedError
        try:
            Database({str(tmp_path)!r})
        except DataDirLockedError as exc:
            print("locked:", exc)
        """
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    with Database(tmp_path) as db:
        db.create_collection("c", D)
        proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=120)
        assert proc.stdout.startswith("locked:"), proc.stderr[-2000:]
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 0 and proc.stdout == ""


def test_unreadable_item_store_is_reported_not_discarded(tmp_path):
    with Database(tmp_path) as db:
        db.create_collection("c", D).upsert([Item("a", unit_vectors(1, 5)[0], "image")])
    store = tmp_path / "collections" / "c" / "items.sqlite3"
    store.write_bytes(b"garbage" * 1000)
    with pytest.raises(CorruptDataError, match="items.sqlite3"):
        Database(tmp_path)
    assert store.exists()
    Database(tmp_path / "other").close()
