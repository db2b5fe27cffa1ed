"""Crash recovery of the real server: SIGKILL at random moments while clients write, restart, verify.

    python tests/reliability_crash.py --kills 200                 # long run (fork-started servers)
    python tests/reliability_crash.py --kills 20 --launch exec    # each start a fresh `python -m app serve`

Writers (threads, each owning its item ids, so every id has one linear history) upsert precomputed
vectors and real inputs (text, small PNG images), overwrite them with new versions and delete them, in
three collections (Flat, HNSW32, IVF4,Flat). A write answered 2xx is *acknowledged*; a write whose answer
never came (the server died) is *in flight*: it may or may not have happened. After each kill the server
restarts on the same data directory and every id touched since the last check (and a sample of the rest)
is read back:

* an acknowledged state must be there (a lost item, a lost overwrite, a resurrected delete is a loss);
* an in-flight write may be there or not, but nothing else (an unknown version, a wrong vector or modality
  is a mismatch);
* each collection's count, and its counts by modality, must equal what the ids' states add up to;
* every present item must be found by a search with its own vector, and a deleted vector item must not.

After the last kill the server restarts, everything is checked, the server stops gracefully (which writes
the index snapshots), starts again and everything is checked once more. Exit status 0 when nothing was
lost and nothing mismatched.
"""

from __future__ import annotations

import argparse
import base64
import io
import random
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import httpx
import numpy as np
from server_process import ServerProcess, make_tiny_model

COLLECTIONS = {
    "flat": {"index": "Flat"},
    "hnsw": {"index": "HNSW32"},
    "ivf": {"index": "IVF4,Flat", "train_size": 64, "search_params": {"nprobe": 4}},
}
SEARCH_PARAMS = {"hnsw": {"efSearch": 256}, "ivf": {"nprobe": 4}}
DELETED = None


@dataclass
class Version:
    modality: str
    vector: np.ndarray | None  # unit vector for precomputed items; None for embedded inputs


@dataclass
class IdState:
    collection: str
    confirmed: int | None = DELETED  # acknowledged version, or absent
    pending: set = field(default_factory=set)  # versions (or DELETED) of writes in flight at a kill
    versions: dict[int, Version] = field(default_factory=dict)
    last_version: int = 0
    touched: bool = False


@dataclass
class CrashReport:
    kills: int = 0
    acknowledged_requests: int = 0
    acknowledged_items: int = 0
    in_flight_requests: int = 0
    in_flight_applied: int = 0
    in_flight_not_applied: int = 0
    refused_429: int = 0
    checked_items: int = 0
    searches: int = 0
    lost: list[str] = field(default_factory=list)
    mismatches: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    restart_seconds: list[float] = field(default_factory=list)
    final_items: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not (self.lost or self.mismatches or self.errors)

    def summary(self) -> str:
        restarts = sorted(self.restart_seconds)
        median = restarts[len(restarts) // 2] if restarts else float("nan")
        lines = [
            f"kills: {self.kills}",
            f"acknowledged: {self.acknowledged_requests} requests, {self.acknowledged_items} item writes",
            (f"in flight at a kill: {self.in_flight_requests} requests ({self.in_flight_applied} item writes "
             f"found applied, {self.in_flight_not_applied} not applied)"),
            f"refused with 429: {self.refused_429}",
            f"items checked: {self.checked_items}; searches: {self.searches}",
            f"final items: {self.final_items}",
            f"restart to ready: median {median:.2f} s, max {max(restarts, default=float('nan')):.2f} s",
            f"lost: {len(self.lost)}; mismatches: {len(self.mismatches)}; errors: {len(self.errors)}",
        ]
        for title, problems in (("LOST", self.lost), ("MISMATCH", self.mismatches), ("ERROR", self.errors)):
            lines += [f"  {title}: {p}" for p in problems[:20]]
        return "\n".join(lines)


def png_data_uri(rng: random.Random) -> str:
    from PIL import Image

    pixels = np.frombuffer(rng.randbytes(24 * 24 * 3), dtype=np.uint8).reshape(24, 24, 3)
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


class CrashRun:
    """The ground truth of every id, the writers that change it, and the checks against the server."""

    def __init__(self, server: ServerProcess, dimension: int, seed: int, writers: int, max_batch: int) -> None:
        self.server = server
        self.dimension = dimension
        self.rng = random.Random(seed)
        self.writers = writers
        self.max_batch = max_batch
        self.ids: dict[str, IdState] = {}
        self.report = CrashReport()
        self._lock = threading.Lock()

    # -- writing -----------------------------------------------------------------------------------

    def _writer(self, number: int, mine: list[str], stop: threading.Event, seed: int) -> None:
        try:
            self._write(number, mine, stop, seed)
        except Exception as exc:  # noqa: BLE001 - a broken writer must fail the run, not vanish
            with self._lock:
                self.report.errors.append(f"writer {number} failed: {type(exc).__name__}: {exc}")

    def _write(self, number: int, mine: list[str], stop: threading.Event, seed: int) -> None:
        """Writer `number`'s loop over its own ids `mine` (w<number>-<counter>) until `stop` or a failure."""
        rng = random.Random(seed)
        counter = len(mine)
        with httpx.Client(base_url=self.server.url, timeout=30) as http:
            while not stop.is_set():
                collection = rng.choice(list(COLLECTIONS))
                present = [i for i in mine if self.ids[i].collection == collection
                           and self.ids[i].confirmed is not DELETED]
                roll = rng.random()
                if roll < 0.15 and present:
                    doomed = rng.sample(present, min(len(present), rng.randint(1, 4)))
                    if len(doomed) == 1 and rng.random() < 0.5:
                        request = ("DELETE", f"/v1/collections/{collection}/items/{doomed[0]}", None)
                    else:
                        request = ("POST", f"/v1/collections/{collection}/items/delete", {"ids": doomed})
                    planned = {item_id: DELETED for item_id in doomed}
                else:
                    items, planned = [], {}
                    for _ in range(rng.randint(1, self.max_batch)):
                        if present and rng.random() < 0.3:
                            item_id = rng.choice(present)
                        else:
                            counter += 1
                            item_id = f"w{number}-{counter}"
                            with self._lock:
                                self.ids[item_id] = IdState(collection)
                            mine.append(item_id)
                        if item_id in planned:
                            continue
                        state = self.ids[item_id]
                        state.last_version += 1
                        version = state.last_version
                        metadata = {"v": version, "writer": number, "tag": rng.choice(["a", "b", "c"])}
                        kind = rng.random()
                        if kind < 0.75:
                            vector = np.array([rng.gauss(0, 1) for _ in range(self.dimension)], dtype=np.float32)
                            modality = rng.choice(["vector", "image", "audio"])
                            items.append({"id": item_id, "vector": vector.tolist(), "modality": modality,
                                          "metadata": metadata})
                            state.versions[version] = Version(modality, vector / np.linalg.norm(vector))
                        elif kind < 0.95:
                            text = f"item {item_id} version {version} {rng.random():.12f}"
                            items.append({"id": item_id, "input": {"modality": "text", "text": text},
                                          "metadata": metadata})
                            state.versions[version] = Version("text", None)
                        else:
                            items.append({"id": item_id, "input": {"modality": "image", "data": png_data_uri(rng)},
                                          "metadata": metadata})
                            state.versions[version] = Version("image", None)
                        planned[item_id] = version
                    request = ("POST", f"/v1/collections/{collection}/items", {"items": items})
                for item_id in planned:
                    self.ids[item_id].touched = True
                method, path, body = request
                try:
                    response = http.request(method, path, json=body)
                except httpx.TransportError:
                    with self._lock:
                        self.report.in_flight_requests += 1
                        for item_id, target in planned.items():
                            self.ids[item_id].pending.add(target)
                    return
                with self._lock:
                    if response.status_code < 300:
                        self.report.acknowledged_requests += 1
                        self.report.acknowledged_items += len(planned)
                        for item_id, target in planned.items():
                            self.ids[item_id].confirmed = target
                    elif response.status_code == 429:
                        self.report.refused_429 += 1
                    else:
                        self.report.errors.append(f"{method} {path} answered {response.status_code}: "
                                                  f"{response.text[:300]}")
                        if response.status_code >= 500:
                            return

    def write_until_killed(self, seconds: float) -> None:
        """Run the writers for `seconds`, then SIGKILL the server under them."""
        stop = threading.Event()
        owned = {n: [i for i in self.ids if i.startswith(f"w{n}-")] for n in range(self.writers)}
        threads = [threading.Thread(target=self._writer, args=(n, owned[n], stop, self.rng.getrandbits(32)),
                                    daemon=True) for n in range(self.writers)]
        for thread in threads:
            thread.start()
        time.sleep(seconds)
        self.server.kill()
        stop.set()
        for thread in threads:
            thread.join(60)
            if thread.is_alive():
                self.report.errors.append("a writer did not stop after the kill")
        self.report.kills += 1

    # -- checking ----------------------------------------------------------------------------------

    def setup(self) -> None:
        with self.server.client() as http:
            for name, definition in COLLECTIONS.items():
                response = http.post("/v1/collections", json={"name": name, **definition})
                if response.status_code != 201:
                    raise RuntimeError(f"cannot create collection {name}: {response.text}")

    def verify(self, everything: bool, search_everything: bool, sample: int = 25) -> None:
        """Read back the touched ids (all ids when `everything`) plus a sample of the others, resolve
        in-flight writes and check the counts. Searches check every item whose write was in flight, every
        item when `search_everything`, and a sample of the others."""
        candidates = list(self.ids)
        chosen = {i for i in candidates if everything or self.ids[i].touched or self.ids[i].pending}
        untouched = [i for i in candidates if i not in chosen]
        chosen.update(self.rng.sample(untouched, min(sample, len(untouched))))
        ordered = sorted(chosen)
        searched = {i for i in ordered if search_everything or self.ids[i].pending}
        searched.update(self.rng.sample(ordered, min(sample, len(ordered))))
        with self.server.client(timeout=60) as http:
            for item_id in ordered:
                self._check_item(http, item_id, search=item_id in searched)
            for name in COLLECTIONS:
                self._check_counts(http, name)
        for state in self.ids.values():
            state.touched = False

    def _check_item(self, http: httpx.Client, item_id: str, search: bool) -> None:
        state = self.ids[item_id]
        self.report.checked_items += 1
        response = http.get(f"/v1/collections/{state.collection}/items/{item_id}", params={"include_vector": "true"})
        allowed = {state.confirmed} | state.pending
        if response.status_code == 404:
            observed = DELETED
        elif response.status_code == 200:
            body = response.json()
            observed = body["metadata"].get("v")
            version = state.versions.get(observed)
            if version is None or observed not in allowed:
                self.report.mismatches.append(f"{item_id}: version {observed} present, expected one of {allowed}")
                return
            if body["modality"] != version.modality:
                self.report.mismatches.append(f"{item_id} v{observed}: modality {body['modality']}, "
                                              f"expected {version.modality}")
            stored = np.asarray(body["vector"], dtype=np.float32)
            if version.vector is not None and not np.allclose(stored, version.vector, atol=1e-5):
                self.report.mismatches.append(f"{item_id} v{observed}: the stored vector differs from the one sent")
            if search:
                self._check_found(http, state.collection, item_id, stored)
        else:
            self.report.errors.append(f"GET item {item_id} answered {response.status_code}: {response.text[:300]}")
            return
        if observed not in allowed:
            if state.confirmed is not DELETED and observed is DELETED:
                self.report.lost.append(f"{item_id}: acknowledged version {state.confirmed} is missing")
            else:
                self.report.mismatches.append(f"{item_id}: found {observed}, expected one of {allowed}")
            return
        if state.pending:
            applied = observed != state.confirmed
            if applied:
                self.report.in_flight_applied += 1
            else:
                self.report.in_flight_not_applied += 1
        if observed is DELETED and state.confirmed is not DELETED:
            last = state.versions[state.confirmed].vector
            if last is not None and search:
                self._check_not_found(http, state.collection, item_id, last)
        state.confirmed = observed
        state.pending.clear()

    def _search(self, http: httpx.Client, collection: str, vector: np.ndarray) -> list[dict]:
        self.report.searches += 1
        body = {"query": {"vector": vector.tolist()}, "k": 10}
        if collection in SEARCH_PARAMS:
            body["params"] = SEARCH_PARAMS[collection]
        response = http.post(f"/v1/collections/{collection}/search", json=body)
        if response.status_code != 200:
            self.report.errors.append(f"search in {collection} answered {response.status_code}: {response.text[:300]}")
            return []
        return response.json()["results"]

    def _check_found(self, http: httpx.Client, collection: str, item_id: str, vector: np.ndarray) -> None:
        results = self._search(http, collection, vector)
        best = results[0]["score"] if results else None
        if not any(hit["id"] == item_id and hit["score"] >= best - 1e-4 for hit in results):
            self.report.lost.append(f"{item_id}: present in {collection} but a search with its own vector "
                                    f"does not find it ({[h['id'] for h in results[:3]]})")

    def _check_not_found(self, http: httpx.Client, collection: str, item_id: str, vector: np.ndarray) -> None:
        if any(hit["id"] == item_id for hit in self._search(http, collection, vector)):
            self.report.mismatches.append(f"{item_id}: deleted from {collection} but still found by search")

    def _check_counts(self, http: httpx.Client, collection: str) -> None:
        response = http.get(f"/v1/collections/{collection}")
        if response.status_code != 200:
            self.report.errors.append(f"GET collection {collection} answered {response.status_code}")
            return
        info = response.json()
        expected: dict[str, int] = {}
        for state in self.ids.values():
            if state.collection == collection and state.confirmed is not DELETED:
                modality = state.versions[state.confirmed].modality
                expected[modality] = expected.get(modality, 0) + 1
        if info["count"] != sum(expected.values()) or info["counts_by_modality"] != expected:
            self.report.mismatches.append(f"{collection}: the server counts {info['count']} "
                                          f"{info['counts_by_modality']}, the acknowledged writes add up to "
                                          f"{sum(expected.values())} {expected}")
        self.report.final_items[collection] = info["count"]


def run_crash_test(work_dir: Path, *, kills: int, seed: int = 0, writers: int = 4, max_batch: int = 8,
                   launch: str = "fork", min_seconds: float = 0.2, max_seconds: float = 1.5,
                   model_dir: Path | None = None, progress: bool = False) -> CrashReport:
    """Kill the server `kills` times under concurrent writers; the report lists anything lost or wrong."""
    work_dir = Path(work_dir)
    model_dir = model_dir or make_tiny_model(work_dir / "model")
    server = ServerProcess(model_dir, work_dir / "data", work_dir, launch=launch)
    server.start()
    with server.client() as http:
        dimension = http.get("/v1/models").json()["data"][0]["dimension"]
    run = CrashRun(server, dimension, seed, writers, max_batch)
    try:
        run.setup()
        for round_number in range(kills):
            run.write_until_killed(run.rng.uniform(min_seconds, max_seconds))
            run.report.restart_seconds.append(server.start())
            run.verify(everything=False, search_everything=False)
            if progress:
                report = run.report
                print(f"kill {report.kills}: {report.acknowledged_requests} acknowledged, "
                      f"{report.in_flight_requests} in flight, {len(run.ids)} ids, lost {len(report.lost)}, "
                      f"mismatches {len(report.mismatches)}, errors {len(report.errors)}", flush=True)
            if not run.report.ok:
                break
        run.verify(everything=True, search_everything=True)
        server.stop()
        run.report.restart_seconds.append(server.start())
        run.verify(everything=True, search_everything=False)
    finally:
        server.stop()
    if "Traceback" in server.log_text():
        run.report.errors.append("the server log holds a traceback:\n" + server.log_tail(60))
    return run.report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kills", type=int, default=200)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--writers", type=int, default=4)
    parser.add_argument("--max-batch", type=int, default=8, help="most items in one upsert")
    parser.add_argument("--launch", choices=("fork", "exec"), default="fork")
    parser.add_argument("--max-seconds", type=float, default=1.5, help="longest write phase before a kill")
    parser.add_argument("--work-dir", type=Path, help="keep the data and server log here (default: a temp dir)")
    args = parser.parse_args(argv)
    work_dir = args.work_dir or Path(tempfile.mkdtemp(prefix="bindspace-crash-"))
    started = time.monotonic()
    report = run_crash_test(work_dir, kills=args.kills, seed=args.seed, writers=args.writers,
                            max_batch=args.max_batch, launch=args.launch,
                            max_seconds=args.max_seconds, progress=True)
    print(f"\ncommand: python tests/reliability_crash.py {' '.join(argv if argv is not None else sys.argv[1:])}")
    print(f"work dir: {work_dir}; {time.monotonic() - started:.0f} s")
    print(report.summary())
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
