"""Milvus Lite against FAISS behind the same bindspace collection API: ingest, recall@10, queries/s, memory.

    python bench/milvus_bench.py --sizes 100000 1000000 --dim 128

For each size, clustered unit vectors (bench/index_bench.py's `clustered` data) go into an HNSW32
collection on each backend through `upsert` (durable on both: SQLite WAL for FAISS, a flush per write
for embedded Milvus Lite, so Milvus runs here as a Lite server and writes ack from its log). Ground truth
is exact inner-product top-10. Queries are sent one at a time (the serving pattern) with the HNSW search
width `efSearch` swept; queries/s is for one client sending one query per call, and batches of 100. Memory is the resident set of the
process holding the index: this process for FAISS (its growth over the start), the Lite server for Milvus.
"""

from __future__ import annotations

import argparse
import shlex
import shutil
import sys
import tempfile
import time
from pathlib import Path

import faiss
import numpy as np
import psutil

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from bench.index_bench import DataSet, Report, recall  # noqa: E402
from bindspace.index import Item, MaintenanceConfig, open_database  # noqa: E402
from milvus_lite_server import MilvusLiteServer  # noqa: E402

K = 10
BATCH = 5_000
QUERY_BATCH = 100


def truth(data: DataSet, n: int, queries: np.ndarray) -> np.ndarray:
    flat = faiss.IndexFlatIP(data.dim)
    for start in range(0, n, BATCH):
        flat.add(data.chunk(start // BATCH, min(BATCH, n - start)))
    return flat.search(queries, K)[1]


def ingest(collection, data: DataSet, n: int) -> float:
    started = time.perf_counter()
    for start in range(0, n, BATCH):
        vectors = data.chunk(start // BATCH, min(BATCH, n - start))
        collection.upsert([Item(f"v{start + i}", v, "vector") for i, v in enumerate(vectors)])
    return time.perf_counter() - started


def sweep(collection, queries: np.ndarray, best: np.ndarray, efs: list[int]) -> list[tuple[int, float, float, float]]:
    """Per efSearch: recall@10, queries/s one query per call, queries/s in calls of `QUERY_BATCH`."""
    rows = []
    for ef in efs:
        collection.search(queries[:5], K, params={"efSearch": ef})  # warm up
        found, started = [], time.perf_counter()
        for query in queries:
            found.append([hit.id for hit in collection.search(query[None], K, params={"efSearch": ef})[0]])
        single = len(queries) / (time.perf_counter() - started)
        started = time.perf_counter()
        for start in range(0, len(queries), QUERY_BATCH):
            collection.search(queries[start:start + QUERY_BATCH], K, params={"efSearch": ef})
        batched = len(queries) / (time.perf_counter() - started)
        rows.append((ef, recall(found, best), single, batched))
    return rows


def count_calls(collection, method: str) -> list[int]:
    """Count calls of one of `collection`'s methods (here: how often a search needed the exact fallback)."""
    calls = [0]
    original = getattr(collection, method)

    def counted(*args, **kwargs):
        calls[0] += 1
        return original(*args, **kwargs)

    setattr(collection, method, counted)
    return calls


def rss_gib(pid: int) -> float:
    process = psutil.Process(pid)
    return sum(p.memory_info().rss for p in [process, *process.children(recursive=True)]) / 2**30


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000])
    parser.add_argument("--dim", type=int, default=128)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--ef", type=int, nargs="+", default=[16, 64, 256])
    parser.add_argument("--out", type=Path, default=Path("bench/results/milvus.md"))
    args = parser.parse_args()
    report = Report()
    report.add("# Milvus Lite against FAISS")
    report.add()
    report.add(f"`python {shlex.join(sys.argv)}`")
    report.add()
    report.add(__doc__.split("\n\n", 2)[2].strip())
    report.add()
    rows = []
    for n in args.sizes:
        data = DataSet("clustered", args.dim)
        queries = data.queries(args.queries)
        best = truth(data, n, queries)
        work = Path(tempfile.mkdtemp(prefix="bindspace-milvus-bench-"))
        try:
            baseline = psutil.Process().memory_info().rss / 2**30
            with open_database("faiss", data_dir=work / "faiss",
                               maintenance=MaintenanceConfig(background=False, snapshot_every=10**9)) as db:
                collection = db.create_collection("bench", args.dim, index="HNSW32")
                seconds = ingest(collection, data, n)
                memory = psutil.Process().memory_info().rss / 2**30 - baseline
                for ef, hit_rate, single, batched in sweep(collection, queries, best, args.ef):
                    rows.append([f"{n:,}", "FAISS HNSW32", f"{n / seconds:,.0f}", ef, hit_rate, single, batched,
                                 memory])
            server = MilvusLiteServer(work / "milvus", work / "milvus.log")
            try:
                with open_database("milvus", data_dir="", milvus_uri=server.uri) as db:
                    collection = db.create_collection("bench", args.dim, index="HNSW32")
                    exact_searches = count_calls(collection, "_exact")
                    seconds = ingest(collection, data, n)
                    collection.checkpoint()  # flush: Milvus builds the HNSW index of sealed segments
                    for ef, hit_rate, single, batched in sweep(collection, queries, best, args.ef):
                        rows.append([f"{n:,}", "Milvus Lite HNSW M=32", f"{n / seconds:,.0f}", ef, hit_rate, single,
                                     batched, rss_gib(server.process.pid)])
                    report.add(f"Milvus at {n:,}: {exact_searches[0]} searches fell back to exact search "
                               "(Milvus returned fewer than k hits even with 4x the search width).")
            finally:
                server.stop()
        finally:
            shutil.rmtree(work, ignore_errors=True)
    report.table(["vectors", "backend", "ingest items/s", "efSearch", "recall@10", "queries/s, 1 per call",
                  f"queries/s, {QUERY_BATCH} per call", "index memory GiB"], rows)
    report.add(f"1-minute load average at the end: {psutil.getloadavg()[0]:.1f} on {psutil.cpu_count()} CPUs.")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("\n".join(report.lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
