"""Benchmark of the vector index: durable ingest, exact and approximate search, recall, memory, persistence.

    python bench/index_bench.py --sizes 100000 1000000 --data uniform clustered

For every data set and size it
- builds a raw FAISS `IndexFlatIP` and takes its top-10 as ground truth;
- ingests the vectors through a `Flat` collection (durable upserts) and compares the collection's exact
  search with the raw index, single queries and batches, interleaved so both see the same machine load;
- builds each approximate index through a collection, sweeps `efSearch` / `nprobe` (and, with
  `--k-factors`, exact re-ranking of `k * k_factor` candidates), and reports recall@10 and latency,
  and the fastest setting with recall@10 >= the target;
- times snapshot-on-close and reopen, and reports resident memory and file sizes.

Data sets: `uniform` draws unit vectors uniformly on the sphere (no structure: nearest neighbours are
barely nearer than any other point, the worst case for every approximate index); `clustered` draws unit
vectors around 1000 random centres (cosine about 0.5 within a cluster, 0 across), closer to real embeddings.
Prints a markdown report and writes it to `--out`.
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import resource
import shlex
import shutil
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import faiss
import numpy as np
import psutil

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bindspace.index import Database, Item, MaintenanceConfig  # noqa: E402

CHUNK = 10_000
CLUSTERS = 1_000
K = 10


@dataclass(frozen=True)
class DataSet:
    """A deterministic stream of unit vectors."""

    kind: str
    dim: int
    seed: int = 0

    def chunk(self, number: int, size: int = CHUNK, stream: int = 0) -> np.ndarray:
        rng = np.random.default_rng([self.seed, stream, number])
        noise = rng.standard_normal((size, self.dim), dtype=np.float32)
        if self.kind == "clustered":
            centres = np.random.default_rng([self.seed, 99]).standard_normal((CLUSTERS, self.dim), dtype=np.float32)
            centres /= np.linalg.norm(centres, axis=1, keepdims=True)
            noise *= np.float32(1 / np.sqrt(self.dim))
            noise += centres[rng.integers(0, CLUSTERS, size)]
        noise /= np.linalg.norm(noise, axis=1, keepdims=True)
        return noise

    def chunks(self, n: int) -> Iterator[tuple[int, np.ndarray]]:
        for number, start in enumerate(range(0, n, CHUNK)):
            yield start, self.chunk(number, min(CHUNK, n - start))

    def queries(self, n: int) -> np.ndarray:
        return self.chunk(0, n, stream=1)


def rss_gib() -> float:
    return psutil.Process().memory_info().rss / 2**30


def percentiles(seconds: list[float]) -> tuple[float, float]:
    ms = np.asarray(seconds) * 1000
    return float(np.percentile(ms, 50)), float(np.percentile(ms, 99))


def timed(call: Callable[[], object]) -> tuple[float, object]:
    start = time.perf_counter()
    result = call()
    return time.perf_counter() - start, result


def recall(found: list[list[str]], truth: np.ndarray) -> float:
    return float(np.mean([len(set(row) & {f"v{i}" for i in best}) / K for row, best in zip(found, truth)]))


def dir_size_gib(path: Path) -> float:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 2**30


class Report:
    def __init__(self) -> None:
        self.lines: list[str] = []

    def add(self, line: str = "") -> None:
        self.lines.append(line)
        print(line, flush=True)

    def table(self, header: list[str], rows: list[list[object]]) -> None:
        self.add("| " + " | ".join(header) + " |")
        self.add("|" + "---|" * len(header))
        for row in rows:
            self.add("| " + " | ".join(_cell(v) for v in row) + " |")
        self.add()


def _cell(value: object) -> str:
    if not isinstance(value, float):
        return str(value)
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.3g}"


def ingest(collection, data: DataSet, n: int) -> float:
    """Durable upserts in batches of CHUNK; returns seconds."""
    start = time.perf_counter()
    for offset, vectors in data.chunks(n):
        numbers = range(offset, offset + len(vectors))
        collection.upsert([
            Item(f"v{number}", vector, ("image", "text")[number % 2], {"n": number, "bucket": number % 100})
            for number, vector in zip(numbers, vectors)
        ])
    return time.perf_counter() - start


def bench_size(args, report: Report, data: DataSet, n: int) -> None:
    report.add(f"## {data.kind}, {n:,} vectors of dimension {data.dim}")
    report.add()
    work = Path(args.work_dir) / f"{data.kind}-{n}"
    shutil.rmtree(work, ignore_errors=True)
    policy = MaintenanceConfig(background=False, snapshot_every=10**12)
    queries = data.queries(max(args.queries, args.batch))
    base_rss = rss_gib()

    raw = faiss.IndexFlatIP(data.dim)
    seconds, _ = timed(lambda: [raw.add(v) for _, v in data.chunks(n)])
    raw_rss = rss_gib() - base_rss
    truth_seconds, (_, truth) = timed(lambda: raw.search(queries[: args.queries], K))
    report.add(f"Raw FAISS `IndexFlatIP`: add {n / seconds:,.0f} vectors/s (in memory only), "
               f"{raw_rss:.2f} GiB resident; ground truth for {args.queries} queries in {truth_seconds:.1f} s.")
    report.add()

    # -- exact: the Flat collection against raw FAISS --------------------------------------------------
    db = Database(work / "flat", maintenance=policy)
    flat = db.create_collection("flat", data.dim, metric="ip")
    before = rss_gib()
    seconds = ingest(flat, data, n)
    flat_rss = rss_gib() - before
    mib_per_s = n * data.dim * 4 / seconds / 2**20
    report.add(f"Durable ingest through a `Flat` collection (batches of {CHUNK:,}, each committed and fsynced): "
               f"{seconds:.1f} s, **{n / seconds:,.0f} items/s** ({mib_per_s:.0f} MiB/s of vectors); "
               f"collection resident memory +{flat_rss:.2f} GiB.")
    report.add()
    exact_n = min(args.queries, args.exact_queries)
    raw_times, coll_times, same = [], [], 0
    for q in queries[:exact_n]:
        t_raw, (_, raw_ids) = timed(lambda: raw.search(q[None], K))
        t_coll, hits = timed(lambda: flat.search(q[None], K))
        raw_times.append(t_raw)
        coll_times.append(t_coll)
        same += [h.id for h in hits[0]] == [f"v{i}" for i in raw_ids[0]]
    raw_batch, coll_batch = [], []
    batch = queries[: args.batch]
    for _ in range(args.batch_rounds):
        raw_batch.append(timed(lambda: raw.search(batch, K))[0])
        coll_batch.append(timed(lambda: flat.search(batch, K))[0])
    del raw
    gc.collect()
    rows = []
    measured = (("raw FAISS IndexFlatIP", raw_times, raw_batch), ("Flat collection", coll_times, coll_batch))
    for label, single, batched in measured:
        p50, p99 = percentiles(single)
        b50, b99 = percentiles(batched)
        rows.append([label, p50, p99, b50, b99, args.batch / np.median(batched)])
    overhead_single = np.median(coll_times) / np.median(raw_times) - 1
    overhead_batch = np.median(coll_batch) / np.median(raw_batch) - 1
    report.add(f"Exact search, k={K}: {exact_n} single queries and {args.batch_rounds} batches of {args.batch}, "
               f"interleaved (ms):")
    report.add()
    header = ["", "single p50", "single p99", f"batch-{args.batch} p50", f"batch-{args.batch} p99",
              "queries/s (batched)"]
    report.table(header, rows)
    report.add(f"Collection overhead over raw FAISS: **{overhead_single:+.1%}** single-query median, "
               f"**{overhead_batch:+.1%}** batched median; identical top-{K} for {same}/{exact_n} queries.")
    report.add()
    exact_p50 = float(np.median(coll_times))

    filter_rows = []
    restrictions = (("bucket = 7 (1%)", {"filter": {"bucket": 7}}), ("modality text (50%)", {"modalities": ["text"]}))
    for label, kwargs in restrictions:
        times = []
        for q in queries[: min(exact_n, 10)]:
            t, hits = timed(lambda: flat.search(q[None], K, **kwargs))
            assert len(hits[0]) == K
            times.append(t)
        filter_rows.append([label, *percentiles(times)])
    report.add("Filtered exact search, single query (ms):")
    report.add()
    report.table(["filter", "p50", "p99"], filter_rows)
    persistence = [["Flat", *close_and_reopen(db, work / "flat", policy, "flat")]]

    # -- approximate indexes ------------------------------------------------------------------------------
    summary = []
    for index in args.indexes:
        if index.startswith("HNSW") and n > args.hnsw_max_size:
            report.add(f"`{index}` skipped at this size (`--hnsw-max-size {args.hnsw_max_size}`).")
            report.add()
            continue
        path = work / index.replace(",", "_")
        db = Database(path, maintenance=policy)
        collection = db.create_collection("ann", data.dim, metric="ip", index=index)
        before = rss_gib()
        seconds = ingest(collection, data, n)
        grown = rss_gib() - before
        stats = collection.stats()
        report.add(f"### `{index}`")
        report.add()
        training = "training and " if index.startswith("IVF") else ""
        report.add(f"Durable ingest including {training}graph/list building: {seconds:.1f} s, "
                   f"**{n / seconds:,.0f} items/s**; resident memory +{grown:.2f} GiB; trained: {stats.trained}.")
        report.add()
        key = "efSearch" if index.startswith("HNSW") else "nprobe"
        nlist = int(index[3:].split(",")[0].split("_")[0]) if key == "nprobe" else 0
        sweep = args.ef if key == "efSearch" else [p for p in args.nprobe if p <= nlist]
        rows, best = [], None
        for value in sweep:
            for k_factor in args.k_factors:
                params = {key: value, **({"k_factor": k_factor} if k_factor > 1 else {})}
                times, found = [], []
                for q in queries[: args.queries]:
                    t, hits = timed(lambda: collection.search(q[None], K, params=params))
                    times.append(t)
                    found.append([h.id for h in hits[0]])
                r = recall(found, truth)
                p50, p99 = percentiles(times)
                label = ", ".join(f"{name}={v}" for name, v in params.items())
                rows.append([label, r, p50, p99, exact_p50 * 1000 / p50])
                if r >= args.target_recall and (best is None or p50 < best[3]):
                    best = (label, params, r, p50)
        report.table([f"{index}", f"recall@{K}", "single p50 (ms)", "single p99 (ms)", "speed-up vs exact p50"], rows)
        if best is not None:
            label, params, r, p50 = best
            batched = [timed(lambda: collection.search(batch, K, params=params))[0]
                       for _ in range(args.batch_rounds)]
            filtered = [timed(lambda: collection.search(q[None], K, filter={"bucket": 7}, params=params))[0]
                        for q in queries[:20]]
            b50 = percentiles(batched)[0]
            report.add(f"Fastest setting with recall@{K} >= {args.target_recall}: **{label}**, recall {r:.3f}, "
                       f"single p50 {p50:.2f} ms (**{exact_p50 * 1000 / p50:.1f}x** faster than exact), "
                       f"batch-{args.batch} p50 {b50:.1f} ms, "
                       f"filtered (bucket = 7, 1%) p50 {percentiles(filtered)[0]:.2f} ms.")
            summary.append([index, label, r, p50, exact_p50 * 1000 / p50])
        else:
            report.add(f"No setting in the sweep reaches recall@{K} >= {args.target_recall}.")
            top = max(rows, key=lambda row: row[1])
            best_text = f"none (best: {top[0]}, recall {top[1]:.3f}, {top[4]:.1f}x)"
            summary.append([index, best_text, top[1], top[2], top[4]])
        report.add()
        persistence.append([index, *close_and_reopen(db, path, policy, "ann")])
        del collection
        gc.collect()
        if not args.keep:
            shutil.rmtree(path, ignore_errors=True)
    report.add(f"Summary at {n:,} ({data.kind}): exact single-query p50 {exact_p50 * 1000:.1f} ms.")
    report.add()
    setting = f"fastest setting with recall@{K} >= {args.target_recall}"
    report.table(["index", setting, "recall", "p50 (ms)", "speed-up"], summary)
    report.add("Persistence: snapshot written on close, reopen (snapshot checked and loaded, items listed), "
               "files on disk:")
    report.add()
    report.table(["collection", "close (s)", "reopen (s)", "store + snapshot (GiB)"], persistence)
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)


def close_and_reopen(db: Database, path: Path, policy: MaintenanceConfig, name: str) -> list[float]:
    close_seconds, _ = timed(db.close)
    size = dir_size_gib(path)
    reopen_seconds, reopened = timed(lambda: Database(path, maintenance=policy))
    reopened.get_collection(name)
    reopened.close()
    gc.collect()
    return [close_seconds, reopen_seconds, size]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--dim", type=int, default=1024)
    parser.add_argument("--data", nargs="+", choices=["uniform", "clustered"], default=["uniform", "clustered"])
    parser.add_argument("--indexes", nargs="+", default=["HNSW32", "IVF1024,Flat", "IVF1024,PQ64"])
    parser.add_argument("--hnsw-max-size", type=int, default=100_000, help="skip HNSW above this size (slow to build)")
    parser.add_argument("--queries", type=int, default=100, help="single queries for recall and ANN latency")
    parser.add_argument("--exact-queries", type=int, default=50, help="single queries for exact latency")
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--batch-rounds", type=int, default=5)
    parser.add_argument("--ef", type=int, nargs="+", default=[16, 32, 64, 128, 256, 512])
    parser.add_argument("--nprobe", type=int, nargs="+", default=[1, 2, 4, 8, 16, 32, 64, 128, 256])
    parser.add_argument("--k-factors", type=int, nargs="+", default=[1],
                        help="exact re-ranking factors swept with every efSearch / nprobe (1: none)")
    parser.add_argument("--target-recall", type=float, default=0.95)
    parser.add_argument("--work-dir", default="/tmp/bindspace-index-bench")
    parser.add_argument("--keep", action="store_true", help="keep the collections on disk")
    parser.add_argument("--out", default=str(Path(__file__).resolve().parent / "results" / "index.md"))
    parser.add_argument("--threads", type=int, default=None, help="FAISS OpenMP threads (default: FAISS's choice)")
    parser.add_argument("--quick", action="store_true", help="a few minutes: 20k vectors, smaller sweeps")
    args = parser.parse_args()
    if args.threads is not None:
        faiss.omp_set_num_threads(args.threads)
    if args.quick:
        args.sizes, args.queries, args.exact_queries, args.batch_rounds = [20_000], 50, 30, 3
        args.indexes, args.ef, args.nprobe = ["HNSW32", "IVF128,Flat", "IVF128,PQ64"], [32, 128, 512], [1, 4, 16, 64]

    report = Report()
    report.add("# Index benchmark")
    report.add()
    report.add(f"Command: `python {' '.join(shlex.quote(a) for a in sys.argv)}`")
    report.add()
    memory = psutil.virtual_memory()
    report.add(f"Machine: {os.cpu_count()} CPUs ({platform.processor() or platform.machine()}), "
               f"{memory.total / 2**30:.0f} GiB RAM, "
               f"FAISS {faiss.__version__} with {faiss.omp_get_max_threads()} threads, "
               f"load average at start {os.getloadavg()[0]:.1f}.")
    report.add()
    started = time.time()
    for kind in args.data:
        for n in args.sizes:
            bench_size(args, report, DataSet(kind, args.dim), n)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    report.add(f"Total wall time {(time.time() - started) / 60:.1f} min; peak resident memory {peak:.1f} GiB; "
               f"load average at end {os.getloadavg()[0]:.1f}.")
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("\n".join(report.lines) + "\n")


if __name__ == "__main__":
    main()
