"""Dynamic batching: concurrent requests' preprocessed tensors merged into model batches per encoder.

Requests put tensors on a bounded queue per encoder and get one future for all of them. An
inference thread takes a batch from the queue whose oldest item has waited longest and runs the model on
it off the event loop, then resolves the futures. With a model in a worker process, two inference threads
keep it busy: one sends its batch while the other takes the vectors of the last one. A queue is due once
it holds `batch_size` items, once its oldest item has waited `max_wait` seconds, or as soon as no more
items are on their way: requests announce their items (`expect`) before preprocessing them, so a lone
request never waits for company that is not coming, while items that are being preprocessed are worth
waiting for. Under load, batches also fill while the model is busy. A full queue refuses new work at
once (`QueueFullError`, HTTP 429).
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import Future
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np
import torch

from bindspace.engine.metrics import Metrics

log = logging.getLogger("bindspace.batching")

RunBatch = Callable[[str, torch.Tensor], torch.Tensor]


class QueueFullError(Exception):
    """The queue of an encoder cannot take the items of a request right now."""

    def __init__(self, encoder: str, waiting: int, capacity: int) -> None:
        super().__init__(
            f"The {encoder} encoder queue is full ({waiting} of {capacity} items waiting); retry shortly."
        )
        self.encoder = encoder


class _Request:
    """The items of one `submit` call: one future, resolved with all their vectors once the last is done."""

    def __init__(self, count: int) -> None:
        self.lock = threading.Lock()  # its items may finish in different inference threads
        self.future: Future = Future()
        self.vectors: list[np.ndarray | None] = [None] * count
        self.remaining = count
        self.started = False

    def start(self) -> bool:
        """Whether the request still wants its items run (False once cancelled, failed or finished)."""
        with self.lock:
            if not self.started:
                self.started = True
                return self.future.set_running_or_notify_cancel()
            return not self.future.done()

    def fail(self, exc: BaseException) -> None:
        with self.lock:
            if not self.future.done():
                self.future.set_exception(exc)

    def finish(self, index: int, vector: np.ndarray) -> None:
        with self.lock:
            self.vectors[index] = vector
            self.remaining -= 1
            if self.remaining == 0 and not self.future.done():
                self.future.set_result(np.stack(self.vectors).astype(np.float32, copy=False))


@dataclass
class _Pending:
    tensor: torch.Tensor
    request: _Request
    index: int
    enqueued: float = field(default_factory=time.monotonic)


class DynamicBatcher:
    """Per-encoder queues served by `inference_threads` threads; `submit` returns a future of the (n, d) vectors.

    More than one thread pays only where `run_batch` can take a batch while another is running (a model
    in a worker process, `EncoderProcess`); an in-process model is best served by one.
    """

    def __init__(
        self,
        run_batch: RunBatch,
        *,
        batch_sizes: Mapping[str, int],
        max_wait_s: Mapping[str, float],
        queue_size: int,
        metrics: Metrics | None = None,
        inference_threads: int = 1,
    ) -> None:
        if inference_threads < 1:
            raise ValueError("inference_threads must be at least 1")
        self._run_batch = run_batch
        self._batch_sizes = dict(batch_sizes)
        self._max_wait_s = dict(max_wait_s)
        self._queue_size = queue_size
        self._metrics = metrics
        self._queues: dict[str, deque[_Pending]] = {m: deque() for m in self._batch_sizes}
        self._expected: dict[str, int] = {m: 0 for m in self._batch_sizes}
        self._cond = threading.Condition()
        self._stopping = False
        self._threads = [
            threading.Thread(target=self._serve, name=f"bindspace-inference-{number}", daemon=True)
            for number in range(inference_threads)
        ]

    def start(self) -> None:
        """Start the inference threads."""
        for thread in self._threads:
            thread.start()

    def stop(self) -> None:
        """Stop the inference threads; items still waiting fail with RuntimeError."""
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        for thread in self._threads:
            if thread.is_alive():
                thread.join()
        for encoder, queue in self._queues.items():
            while queue:
                pending = queue.popleft()
                if pending.request.start():
                    pending.request.fail(RuntimeError("the service is shutting down"))
            self._report_depth(encoder)

    def depth(self, encoder: str) -> int:
        """Items waiting for `encoder`."""
        with self._cond:
            return len(self._queues[encoder])

    def batch_size(self, encoder: str) -> int:
        """The largest batch run for `encoder`."""
        return self._batch_sizes[encoder]

    def max_wait_s(self, encoder: str) -> float:
        """How long the oldest item of `encoder` may wait for its batch to fill."""
        return self._max_wait_s[encoder]

    @contextmanager
    def expect(self, encoder: str, count: int) -> Iterator[Expected]:
        """Announce `count` items of `encoder` that are being prepared; submit them through the yielded object.

        Batches of `encoder` wait (up to `max_wait`) for announced items; whatever was not submitted when
        the block ends is no longer waited for.
        """
        expected = Expected(self, encoder, count)
        with self._cond:
            self._expected[encoder] += count
        try:
            yield expected
        finally:
            expected.withdraw()

    def submit(self, encoder: str, tensors: Sequence[torch.Tensor]) -> Future:
        """Queue every tensor of one request, or none of them when they do not all fit (QueueFullError).

        The future resolves to their float32 vectors, one row per tensor, in order; items may run in
        different batches.
        """
        return self._submit(encoder, tensors, announced=0)

    def _withdraw(self, encoder: str, count: int) -> None:
        with self._cond:
            self._expected[encoder] -= count
            self._cond.notify_all()

    def _submit(self, encoder: str, tensors: Sequence[torch.Tensor], announced: int) -> Future:
        with self._cond:
            if announced:
                self._expected[encoder] -= announced
                self._cond.notify_all()
            if not tensors:
                raise ValueError("submit needs at least one tensor")
            if self._stopping:
                raise RuntimeError("the service is shutting down")
            queue = self._queues[encoder]
            if len(queue) + len(tensors) > self._queue_size:
                if self._metrics is not None:
                    self._metrics.queue_rejections.labels(encoder).inc()
                raise QueueFullError(encoder, len(queue), self._queue_size)
            request = _Request(len(tensors))
            queue.extend(_Pending(tensor, request, index) for index, tensor in enumerate(tensors))
            self._report_depth(encoder)
            self._cond.notify_all()
        return request.future

    def _report_depth(self, encoder: str) -> None:
        if self._metrics is not None:
            self._metrics.queue_depth.labels(encoder).set(len(self._queues[encoder]))

    def _next_batch(self) -> tuple[str, list[_Pending]] | None:
        """Wait until some queue is due, then take its batch; None once stopping."""
        with self._cond:
            while not self._stopping:
                now = time.monotonic()
                due: list[str] = []
                next_deadline: float | None = None
                for encoder, queue in self._queues.items():
                    if not queue:
                        continue
                    deadline = queue[0].enqueued + self._max_wait_s[encoder]
                    if len(queue) >= self._batch_sizes[encoder] or deadline <= now or self._expected[encoder] <= 0:
                        due.append(encoder)
                    elif next_deadline is None or deadline < next_deadline:
                        next_deadline = deadline
                if due:
                    encoder = min(due, key=lambda m: self._queues[m][0].enqueued)
                    queue = self._queues[encoder]
                    taken = [queue.popleft() for _ in range(min(len(queue), self._batch_sizes[encoder]))]
                    self._report_depth(encoder)
                    return encoder, taken
                self._cond.wait(None if next_deadline is None else next_deadline - now)
            return None

    def _serve(self) -> None:
        while (batch := self._next_batch()) is not None:
            encoder, taken = batch
            live = [pending for pending in taken if pending.request.start()]
            for group in _group_by_shape(live):
                self._run_group(encoder, group)

    def _run_group(self, encoder: str, group: list[_Pending]) -> None:
        started = time.perf_counter()
        try:
            stacked = torch.stack([pending.tensor for pending in group])
            vectors = self._run_batch(encoder, stacked).detach().to("cpu", torch.float32).numpy()
        except Exception as exc:  # noqa: BLE001 - every waiting request must learn of the failure
            log.exception("inference failed for a %s batch of %d", encoder, len(group))
            for pending in group:
                pending.request.fail(exc)
            return
        if self._metrics is not None:
            self._metrics.batch_size.labels(encoder).observe(len(group))
            self._metrics.encode_seconds.labels(encoder).observe(time.perf_counter() - started)
        for pending, vector in zip(group, vectors, strict=True):
            pending.request.finish(pending.index, vector)


class Expected:
    """Items announced to a DynamicBatcher by `expect`, submitted once preprocessed."""

    def __init__(self, batcher: DynamicBatcher, encoder: str, count: int) -> None:
        self._batcher = batcher
        self._encoder = encoder
        self._left = count

    def submit(self, tensors: Sequence[torch.Tensor]) -> Future:
        """Queue the announced items (as `DynamicBatcher.submit`); they are no longer expected, even on error."""
        announced = min(self._left, len(tensors))
        self._left -= announced
        return self._batcher._submit(self._encoder, tensors, announced)

    def withdraw(self) -> None:
        """Stop the batcher waiting for the announced items not submitted."""
        if self._left:
            left, self._left = self._left, 0
            self._batcher._withdraw(self._encoder, left)


def _group_by_shape(pendings: list[_Pending]) -> list[list[_Pending]]:
    """Split a batch into runs of equal tensor shape (images and videos share the vision queue)."""
    groups: dict[tuple[int, ...], list[_Pending]] = {}
    for pending in pendings:
        groups.setdefault(tuple(pending.tensor.shape), []).append(pending)
    return list(groups.values())
