"""Crash test: a writer process is SIGKILLed at random moments, again and again; after each kill the
reopened database must hold exactly the acknowledged operations (the one in flight may have landed
whole or not at all), every item must be found by its own vector, and index and store agree. On FAISS
the writer owns the data directory; on Milvus it writes to a Milvus Lite server that outlives it."""

from __future__ import annotations

import importlib.util
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from bindspace.index import MaintenanceConfig, open_database

ROOT = Path(__file__).resolve().parents[1]
WRITER_PATH = Path(__file__).with_name("index_crash_writer.py")
_spec = importlib.util.spec_from_file_location("index_crash_writer", WRITER_PATH)
writer = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(writer)

SEED = 11
State = dict[str, tuple[int, int]]


def apply(state: State, op: int) -> State:
    """`state` (id -> (op, slot) of the version that wrote it) after operation `op`."""
    state = dict(state)
    kind, payload = writer.operation(op, SEED)
    if kind == "upsert":
        for item in payload:
            state[item.id] = (item.metadata["op"], item.metadata["slot"])
    else:
        for item_id in payload:
            state.pop(item_id, None)
    return state


def run_writer(data_dir: Path, log_path: Path, start: int, rng: random.Random, milvus_uri: str) -> list[int]:
    """Start the writer at operation `start`, SIGKILL it at a random moment; the acknowledged ops."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    with open(log_path, "wb") as out, open(log_path.with_suffix(".err"), "wb") as err:
        proc = subprocess.Popen(
            [sys.executable, str(WRITER_PATH), str(data_dir),
             "--start", str(start), "--ops", "100000", "--seed", str(SEED), "--milvus-uri", milvus_uri],
            stdout=out, stderr=err, env=env,
        )
        if rng.random() < 0.2:
            time.sleep(rng.uniform(0.0, 1.0))  # anywhere, opening and recovery included
        else:
            deadline = time.monotonic() + 60
            while b"READY" not in log_path.read_bytes() and proc.poll() is None and time.monotonic() < deadline:
                time.sleep(0.01)
            time.sleep(rng.uniform(0.0, 1.0))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    lines = log_path.read_text().split()
    acks = [int(lines[i + 1]) for i, word in enumerate(lines) if word == "ACK"]
    assert proc.returncode == -signal.SIGKILL, log_path.with_suffix(".err").read_text()[-2000:]
    return acks


def matches(actual: dict, state: State) -> bool:
    if set(actual) != set(state):
        return False
    for item_id, (op, slot) in state.items():
        item = actual[item_id]
        expected = writer.item_vector(op, slot, SEED)
        expected /= np.linalg.norm(expected)
        if item.metadata != {"op": op, "slot": slot} or not np.allclose(item.vector, expected, atol=1e-6):
            return False
    return True


def check(data_dir: Path, before: State, after: State, milvus_uri: str) -> None:
    """Reopen and verify every collection holds `before` or `after` (the in-flight op landed or not)."""
    ids = [f"item-{slot}" for slot in range(writer.ID_SPACE)]
    backend = "milvus" if milvus_uri else "faiss"
    with open_database(backend, data_dir=data_dir, milvus_uri=milvus_uri,
                       maintenance=MaintenanceConfig(background=False)) as database:
        names = {info.name for info in database.list_collections()}
        for name in writer.COLLECTIONS:
            if name not in names:
                assert not before, f"collection {name} vanished"
                continue
            collection = database.get_collection(name)
            actual = {item.id: item for item in collection.get(ids) if item is not None}
            candidates = [state for state in (before, after) if matches(actual, state)]
            assert candidates, f"{name}: recovered items match neither the acknowledged state nor the in-flight one"
            expected = candidates[0]
            stats = collection.stats()
            assert collection.count() == stats.index_count == stats.store_count == len(expected), (name, stats)
            if expected:
                live = sorted(expected)
                vectors = np.stack([actual[item_id].vector for item_id in live])
                k = writer.SELF_RANK[name]
                hits = collection.search(vectors, k, params=writer.EXHAUSTIVE[name])
                lost = [item_id for item_id, row in zip(live, hits) if item_id not in {hit.id for hit in row}]
                allowed = int(writer.UNREACHABLE_SHARE.get(name, 0.0) * len(live))
                assert len(lost) <= allowed, (
                    f"{name}: items not among the {k} nearest neighbours of their own vector: {lost}")


def crash_cycles(tmp_path: Path, kills: int, milvus_uri: str = "") -> int:
    rng = random.Random(SEED)
    data_dir = tmp_path / "data"
    state: State = {}
    next_op = 0
    for cycle in range(kills):
        acks = run_writer(data_dir, tmp_path / f"writer-{cycle}.out", next_op, rng, milvus_uri)
        assert acks == list(range(next_op, next_op + len(acks))), "acknowledgements out of order"
        for op in acks:
            state = apply(state, op)
        next_op += len(acks)
        check(data_dir, state, apply(state, next_op), milvus_uri)
    return next_op


def test_sigkill_at_random_moments_loses_no_acknowledged_change(tmp_path):
    operations = crash_cycles(tmp_path, kills=20)
    assert operations >= 40, "the writer barely ran; the kills tested little"


def test_sigkill_of_a_milvus_writer_loses_no_acknowledged_change(tmp_path, milvus_server):
    try:
        operations = crash_cycles(tmp_path, kills=8, milvus_uri=milvus_server.uri)
    finally:
        with open_database("milvus", data_dir="", milvus_uri=milvus_server.uri) as database:
            for info in database.list_collections():
                database.drop_collection(info.name)
    assert operations >= 16, "the writer barely ran; the kills tested little"


@pytest.mark.slow
def test_sigkill_many_times(tmp_path):
    assert crash_cycles(tmp_path, kills=50) >= 100
