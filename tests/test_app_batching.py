"""Dynamic batching: the batcher on its own, and requests merged across concurrent HTTP calls."""

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

import httpx
import numpy as np
import pytest
import torch
from live_server import live_server, wait_until

from bindspace.engine.batching import DynamicBatcher, QueueFullError
from bindspace.engine.metrics import Metrics


class RecordingModel:
    """Stands in for the encoder: returns each item's sum as a 2-vector and records batch sizes."""

    def __init__(self, delay: float = 0.0, fail: bool = False) -> None:
        self.batches: list[tuple[str, tuple[int, ...]]] = []
        self.delay = delay
        self.fail = fail
        self.release = threading.Event()
        self.release.set()
        self.entered = threading.Event()

    def __call__(self, modality: str, batch: torch.Tensor) -> torch.Tensor:
        self.entered.set()
        self.release.wait(10)
        self.batches.append((modality, tuple(batch.shape)))
        if self.fail:
            raise RuntimeError("model exploded")
        time.sleep(self.delay)
        total = batch.reshape(batch.shape[0], -1).sum(dim=1)
        return torch.stack([total, -total], dim=1)


@contextmanager
def running_batcher(model, *, size=4, wait=0.05, queue=16, metrics=None, threads=1) -> Iterator[DynamicBatcher]:
    """A started batcher for text and vision, stopped when the block ends."""
    batcher = DynamicBatcher(model, batch_sizes={"text": size, "vision": size},
                             max_wait_s={"text": wait, "vision": wait}, queue_size=queue, metrics=metrics,
                             inference_threads=threads)
    batcher.start()
    try:
        yield batcher
    finally:
        batcher.stop()


def test_concurrent_submissions_are_merged_and_answered_in_order() -> None:
    model = RecordingModel()
    model.release.clear()
    with running_batcher(model, size=8, wait=0.2) as batcher:
        with ThreadPoolExecutor(6) as pool:
            futures = list(pool.map(lambda i: batcher.submit("text", [torch.full((3,), float(i))]), range(6)))
        model.release.set()
        results = [f.result(10)[0] for f in futures]
    assert [r.tolist() for r in results] == [[3.0 * i, -3.0 * i] for i in range(6)]
    assert sum(shape[0] for _, shape in model.batches) == 6
    assert max(shape[0] for _, shape in model.batches) >= 2


def test_batches_never_exceed_the_batch_size() -> None:
    model = RecordingModel()
    model.release.clear()
    with running_batcher(model, size=4, wait=0.5, queue=64) as batcher:
        future = batcher.submit("text", [torch.ones(2) * i for i in range(10)])
        model.release.set()
        values = future.result(10)[:, 0].tolist()
    assert values == [2.0 * i for i in range(10)]
    assert [shape[0] for _, shape in model.batches] == [4, 4, 2]


def test_a_full_queue_refuses_the_whole_request() -> None:
    model = RecordingModel()
    model.release.clear()
    metrics = Metrics()
    with running_batcher(model, size=2, wait=0.5, queue=3, metrics=metrics) as batcher:
        try:
            first = batcher.submit("text", [torch.ones(1)] * 2)  # a full batch: taken at once, then blocked in the model
            assert model.entered.wait(10)
            queued = batcher.submit("text", [torch.ones(1)] * 3)
            with pytest.raises(QueueFullError, match="text encoder queue is full"):
                batcher.submit("text", [torch.ones(1)])
            assert batcher.depth("text") == 3
            assert metrics.queue_rejections.labels("text")._value.get() == 1
            model.release.set()
            assert (first.result(10)[:, 0] == 1.0).all() and (queued.result(10)[:, 0] == 1.0).all()
        finally:
            model.release.set()  # lets the blocked batch finish, so the batcher can stop


def test_two_inference_threads_run_batches_side_by_side_and_answer_in_order() -> None:
    both_running = threading.Barrier(2, timeout=10)

    def model(modality: str, batch: torch.Tensor) -> torch.Tensor:
        both_running.wait()  # only returns once two batches are in the model at the same time
        return RecordingModel()(modality, batch)

    with running_batcher(model, size=4, wait=0.5, queue=64, threads=2) as batcher:
        future = batcher.submit("text", [torch.ones(2) * i for i in range(8)])  # two batches of one request
        values = future.result(10)[:, 0].tolist()
    assert values == [2.0 * i for i in range(8)]


def test_one_request_split_over_many_threads_gets_all_its_vectors() -> None:
    model = RecordingModel(delay=0.001)
    with running_batcher(model, size=2, wait=0.0, queue=512, threads=4) as batcher:
        with ThreadPoolExecutor(8) as pool:
            futures = [pool.submit(batcher.submit, "text", [torch.full((1,), float(r * 100 + i)) for i in range(30)])
                       for r in range(8)]
            results = [f.result(10).result(10)[:, 0].tolist() for f in futures]
    assert results == [[float(r * 100 + i) for i in range(30)] for r in range(8)]


def test_images_and_videos_in_one_queue_run_as_separate_batches() -> None:
    model = RecordingModel()
    model.release.clear()
    with running_batcher(model, size=8, wait=0.2) as batcher:
        image = batcher.submit("vision", [torch.ones(3, 4, 4)] * 2)
        video = batcher.submit("vision", [torch.ones(5, 3, 2, 4, 4)])
        model.release.set()
        assert image.result(10)[:, 0].tolist() == [48.0, 48.0] and video.result(10)[0, 0] == 480.0
    assert sorted(shape for _, shape in model.batches) == [(1, 5, 3, 2, 4, 4), (2, 3, 4, 4)]


def test_a_model_failure_reaches_every_waiting_request() -> None:
    with running_batcher(RecordingModel(fail=True)) as batcher:
        future = batcher.submit("text", [torch.ones(1), torch.ones(1)])
        with pytest.raises(RuntimeError, match="model exploded"):
            future.result(10)


def test_a_lone_request_does_not_wait_for_company() -> None:
    model = RecordingModel()
    with running_batcher(model, size=8, wait=60.0) as batcher:
        assert batcher.submit("text", [torch.ones(1)]).result(10).tolist() == [[1.0, -1.0]]


def test_a_batch_waits_for_announced_items() -> None:
    model = RecordingModel()
    with running_batcher(model, size=8, wait=60.0) as batcher:
        with batcher.expect("text", 1) as expected:
            early = batcher.submit("text", [torch.ones(1)])
            time.sleep(0.2)
            assert not early.done() and model.batches == []
            late = expected.submit([torch.ones(1) * 2])
        assert early.result(10)[0, 0] == 1.0 and late.result(10)[0, 0] == 2.0
    assert model.batches == [("text", (2, 1))]


def test_announced_items_that_never_come_are_not_waited_for() -> None:
    model = RecordingModel()
    with running_batcher(model, size=8, wait=60.0) as batcher:
        with batcher.expect("text", 3):
            waiting = batcher.submit("text", [torch.ones(1)])
            time.sleep(0.2)
            assert not waiting.done()
        assert waiting.result(10)[0, 0] == 1.0


def test_a_cancelled_request_is_not_run() -> None:
    model = RecordingModel()
    model.release.clear()
    with running_batcher(model, size=2, wait=0.0) as batcher:
        running = batcher.submit("text", [torch.ones(1)] * 2)  # taken at once, then blocked in the model
        assert model.entered.wait(10)
        cancelled = batcher.submit("text", [torch.ones(1) * 5] * 3)
        assert cancelled.cancel()
        kept = batcher.submit("text", [torch.ones(1) * 7])
        model.release.set()
        assert kept.result(10)[0, 0] == 7.0 and running.result(10).shape == (2, 2)
    assert sum(shape[0] for _, shape in model.batches) == 3


def test_batching_off_runs_one_item_at_a_time() -> None:
    model = RecordingModel()
    model.release.clear()
    with running_batcher(model, size=1, wait=0.0) as batcher:
        future = batcher.submit("text", [torch.ones(1)] * 3)
        model.release.set()
        assert future.result(10).shape == (3, 2)
    assert [shape[0] for _, shape in model.batches] == [1, 1, 1]


def _batch_histogram(client: httpx.Client, modality: str) -> dict[str, float]:
    buckets = {}
    for line in client.get("/metrics").text.splitlines():
        if line.startswith("bindspace_batch_size_bucket") and f'modality="{modality}"' in line:
            le = line.split('le="')[1].split('"')[0]
            buckets[le] = float(line.rsplit(" ", 1)[1])
    return buckets


def test_concurrent_http_requests_are_merged_into_batches() -> None:
    server = live_server(batch_wait_ms={"text": 300.0}, batch_sizes={"text": 16})
    batcher = server.app.state.runtime.batcher
    with server.client() as client:
        before = _batch_histogram(client, "text")

        def one(i: int) -> int:
            return client.post("/v1/embed", json={"modality": "text", "inputs": [f"request {i}"]}).status_code

        # An item announced by a request still being preprocessed: batches wait for it (up to 300 ms).
        with batcher.expect("text", 1), ThreadPoolExecutor(8) as pool:
            statuses = list(pool.map(one, range(8)))
        after = _batch_histogram(client, "text")
    assert statuses == [200] * 8
    runs = after["+Inf"] - before.get("+Inf", 0.0)
    single = after["1.0"] - before.get("1.0", 0.0)
    assert runs < 8, "eight concurrent one-item requests ran as eight separate batches"
    assert runs - single >= 1, "no run held more than one item"


def test_a_full_queue_answers_429_with_retry_after() -> None:
    server = live_server(queue_size=2, batch_wait_ms={"text": 2000.0}, batch_sizes={"text": 64}, retry_after_s=3)
    batcher = server.app.state.runtime.batcher
    with server.client() as client:
        with ThreadPoolExecutor(1) as pool:
            with batcher.expect("text", 1):  # as if another request were being preprocessed
                waiting = pool.submit(client.post, "/v1/embed", json={"modality": "text", "inputs": ["a", "b"]})
                assert wait_until(lambda: batcher.depth("text") == 2)  # they wait for the announced one
                refused = client.post("/v1/embed", json={"modality": "text", "inputs": ["c"]})
            assert waiting.result(30).status_code == 200
    assert refused.status_code == 429
    assert refused.headers["retry-after"] == "3"
    error = refused.json()["error"]
    assert error["type"] == "rate_limit_error" and error["code"] == "queue_full"
    assert np.isfinite(waiting.result().json()["data"][0]["embedding"]).all()
