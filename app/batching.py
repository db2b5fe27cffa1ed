"""Dynamic batching: concurrent requests' preprocessed tensors merged into model batches per encoder modality.

Requests put tensors on a bounded queue per encoder modality and get one future per tensor. A single
inference thread takes a batch from the queue whose oldest item has waited longest once that queue holds
`batch_size` items or its oldest item has waited `max_wait` seconds, runs the model on it off the event
loop, and resolves the futures. A full queue refuses new work at once (`QueueFullError`, HTTP 429).
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field

import numpy as np
import torch

from app.metrics import Metrics

log = logging.getLogger("bindspace.batching")

RunBatch = Callable[[str, torch.Tensor], torch.Tensor]


class QueueFullError(Exception):
    """The queue of an encoder modality cannot take the items of a request right now."""

    def __init__(self, modality: str, waiting: int, capacity: int) -> None:
        super().__init__(
            f"The {modality} encoder queue is full ({waiting} of {capacity} items waiting); retry shortly."
        )
        self.modality = modality


@dataclass
class _Pending:
    tensor: torch.Tensor
    future: Future = field(default_factory=Future)
    enqueued: float = field(default_factory=time.monotonic)


class DynamicBatcher:
    """Per-modality queues served by one inference thread; `submit` returns futures of float32 vectors."""

    def __init__(
        self,
        run_batch: RunBatch,
        *,
        batch_sizes: Mapping[str, int],
        max_wait_s: Mapping[str, float],
        queue_size: int,
        metrics: Metrics | None = None,
    ) -> None:
        self._run_batch = run_batch
        self._batch_sizes = dict(batch_sizes)
        self._max_wait_s = dict(max_wait_s)
        self._queue_size = queue_size
        self._metrics = metrics
        self._queues: dict[str, deque[_Pending]] = {m: deque() for m in self._batch_sizes}
        self._cond = threading.Condition()
        self._stopping = False
        self._thread = threading.Thread(target=self._serve, name="bindspace-inference", daemon=True)

    def start(self) -> None:
        """Start the inference thread."""
        self._thread.start()

    def stop(self) -> None:
        """Stop the inference thread; items still waiting fail with RuntimeError."""
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        if self._thread.is_alive():
            self._thread.join()
        for modality, queue in self._queues.items():
            while queue:
                pending = queue.popleft()
                if pending.future.set_running_or_notify_cancel():
                    pending.future.set_exception(RuntimeError("the service is shutting down"))
            self._report_depth(modality)

    def depth(self, modality: str) -> int:
        """Items waiting for the encoder `modality`."""
        with self._cond:
            return len(self._queues[modality])

    def batch_size(self, modality: str) -> int:
        """The largest batch run for `modality`."""
        return self._batch_sizes[modality]

    def max_wait_s(self, modality: str) -> float:
        """How long the oldest item of `modality` may wait for its batch to fill."""
        return self._max_wait_s[modality]

    def submit(self, modality: str, tensors: Sequence[torch.Tensor]) -> list[Future]:
        """Queue every tensor of one request, or none of them when they do not all fit (QueueFullError)."""
        with self._cond:
            if self._stopping:
                raise RuntimeError("the service is shutting down")
            queue = self._queues[modality]
            if len(queue) + len(tensors) > self._queue_size:
                if self._metrics is not None:
                    self._metrics.queue_rejections.labels(modality).inc()
                raise QueueFullError(modality, len(queue), self._queue_size)
            pendings = [_Pending(tensor) for tensor in tensors]
            queue.extend(pendings)
            self._report_depth(modality)
            self._cond.notify_all()
        return [pending.future for pending in pendings]

    def _report_depth(self, modality: str) -> None:
        if self._metrics is not None:
            self._metrics.queue_depth.labels(modality).set(len(self._queues[modality]))

    def _next_batch(self) -> tuple[str, list[_Pending]] | None:
        """Wait until some queue is due, then take its batch; None once stopping."""
        with self._cond:
            while not self._stopping:
                now = time.monotonic()
                due: list[str] = []
                next_deadline: float | None = None
                for modality, queue in self._queues.items():
                    if not queue:
                        continue
                    deadline = queue[0].enqueued + self._max_wait_s[modality]
                    if len(queue) >= self._batch_sizes[modality] or deadline <= now:
                        due.append(modality)
                    elif next_deadline is None or deadline < next_deadline:
                        next_deadline = deadline
                if due:
                    modality = min(due, key=lambda m: self._queues[m][0].enqueued)
                    queue = self._queues[modality]
                    taken = [queue.popleft() for _ in range(min(len(queue), self._batch_sizes[modality]))]
                    self._report_depth(modality)
                    return modality, taken
                self._cond.wait(None if next_deadline is None else next_deadline - now)
            return None

    def _serve(self) -> None:
        while (batch := self._next_batch()) is not None:
            modality, taken = batch
            live = [pending for pending in taken if pending.future.set_running_or_notify_cancel()]
            for group in _group_by_shape(live):
                self._run_group(modality, group)

    def _run_group(self, modality: str, group: list[_Pending]) -> None:
        started = time.perf_counter()
        try:
            stacked = torch.stack([pending.tensor for pending in group])
            vectors = self._run_batch(modality, stacked).detach().to("cpu", torch.float32).numpy()
        except Exception as exc:  # noqa: BLE001 - every waiting request must learn of the failure
            log.exception("inference failed for a %s batch of %d", modality, len(group))
            for pending in group:
                pending.future.set_exception(exc)
            return
        if self._metrics is not None:
            self._metrics.batch_size.labels(modality).observe(len(group))
            self._metrics.encode_seconds.labels(modality).observe(time.perf_counter() - started)
        for pending, vector in zip(group, vectors, strict=True):
            pending.future.set_result(np.array(vector, dtype=np.float32))


def _group_by_shape(pendings: list[_Pending]) -> list[list[_Pending]]:
    """Split a batch into runs of equal tensor shape (images and videos share the vision queue)."""
    groups: dict[tuple[int, ...], list[_Pending]] = {}
    for pending in pendings:
        groups.setdefault(tuple(pending.tensor.shape), []).append(pending)
    return list(groups.values())
