"""Writer process for the index crash test: applies a deterministic stream of upserts and deletes.

    PYTHONPATH=. python tests/index_crash_writer.py DATA_DIR --start 0 --ops 1000 --seed 7 [--milvus-uri URI]

Every operation is applied to one collection per index type; `ACK <i>` is printed (and flushed) only
after operation `i` returned for all of them, so an acknowledged operation is one the index promised
to keep. `READY` is printed once the database is open. The test kills this process at random moments.
"""

from __future__ import annotations

import argparse

import numpy as np

from bindspace.index import Item, MaintenanceConfig
from bindspace.index import open_database as open_backend

DIMENSION = 16
ID_SPACE = 300
UPSERT_BATCH = 6
DELETE_BATCH = 3
MODALITIES = ("image", "text", "audio")
COLLECTIONS = {
    "flat": {"index": "Flat"},
    "hnsw": {"index": "HNSW16"},
    "ivf": {"index": "IVF8,Flat", "train_size": 64},
    "ivfpq": {"index": "IVF8,PQ8", "train_size": 256},
}
# Search parameters that make every index type search exhaustively at this size.
EXHAUSTIVE = {"flat": {}, "hnsw": {"efSearch": 512}, "ivf": {"nprobe": 8}, "ivfpq": {"nprobe": 8}}
# How many hits must include an item's own id when searching with its vector: product quantization
# is lossy, so under PQ a neighbour's code can score above the item's own.
SELF_RANK = {"flat": 1, "hnsw": 1, "ivf": 1, "ivfpq": 10}
# Share of items a search may miss however wide it is: an HNSW graph can leave a node that no other
# node links to (seen after a crash test's recovery: the item's id, vector and membership were right,
# and efSearch=4096 over 281 nodes still never reached it). Every other index must find them all.
UNREACHABLE_SHARE = {"hnsw": 0.01}
MAINTENANCE = MaintenanceConfig(snapshot_every=40, rebuild_deleted_fraction=0.1, background=True)


def item_vector(op: int, slot: int, seed: int) -> np.ndarray:
    """The vector operation `op` writes for id slot `slot`."""
    return np.random.default_rng([seed, op, slot, 1]).standard_normal(DIMENSION).astype(np.float32)


def operation(op: int, seed: int) -> tuple[str, list]:
    """Operation `op`: ("upsert", [Item, ...]) or ("delete", [id, ...])."""
    rng = np.random.default_rng([seed, op])
    if op % 5 == 4:
        slots = rng.choice(ID_SPACE, size=DELETE_BATCH, replace=False)
        return "delete", [f"item-{slot}" for slot in slots]
    slots = rng.choice(ID_SPACE, size=UPSERT_BATCH, replace=False)
    items = [
        Item(f"item-{slot}", item_vector(op, int(slot), seed), MODALITIES[slot % 3], {"op": op, "slot": int(slot)})
        for slot in slots
    ]
    return "upsert", items


def open_database(path: str, milvus_uri: str = ""):
    """The database (FAISS in `path`, or the Milvus at `milvus_uri`) with one collection per index type
    (created when missing)."""
    backend = "milvus" if milvus_uri else "faiss"
    database = open_backend(backend, data_dir=path, milvus_uri=milvus_uri, maintenance=MAINTENANCE)
    existing = {info.name for info in database.list_collections()}
    for name, options in COLLECTIONS.items():
        if name not in existing:
            database.create_collection(name, DIMENSION, **options)
    return database


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("data_dir")
    parser.add_argument("--start", type=int, default=0)
    parser.add_argument("--ops", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--milvus-uri", default="", help="write to this Milvus instead of a FAISS data directory")
    args = parser.parse_args()
    database = open_database(args.data_dir, args.milvus_uri)
    collections = [database.get_collection(name) for name in COLLECTIONS]
    print("READY", flush=True)
    for op in range(args.start, args.start + args.ops):
        kind, payload = operation(op, args.seed)
        for collection in collections:
            if kind == "upsert":
                collection.upsert(payload)
            else:
                collection.delete(payload)
        print(f"ACK {op}", flush=True)
    database.close()
    print("DONE", flush=True)


if __name__ == "__main__":
    main()
