"""An `Encoder` in a worker process of its own, for callers whose own threads keep the GIL busy.

Every torch operator call needs the GIL for its Python-side dispatch. In a process whose other threads
run Python (an HTTP server's event loop), the model waits for the GIL before each operator: a small
model that runs 11,700 captions/s alone ran 190/s beside one busy Python thread in the same process,
and 12,000/s beside a busy separate process (docs/performance.md). `EncoderProcess` runs the model in a
worker process (`python -m bindspace.engine.encoder_process`) and exchanges batches with it over a socket pair,
so only the batch transfer costs the caller anything. Batches are sent as NumPy arrays (tokens or
pixels) and come back as float32 vectors.

The worker exits when the pipe closes (`close`, or the parent ending in any way). When the worker
dies while encoding, the batches sent to it fail with `EncoderProcessError` and the next call starts
a new worker.
"""

from __future__ import annotations

import gc
import json
import os
import signal
import socket
import subprocess
import sys
import threading
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future
from multiprocessing.connection import Connection
from pathlib import Path

import numpy as np
import torch

CLOSE_TIMEOUT_S = 10.0
"""How long `close` waits for the worker to exit on its own before terminating it."""


class EncoderProcessError(RuntimeError):
    """The encoder's worker process stopped (crashed or was killed) before it answered."""


class EncoderProcess:
    """`Encoder.encode` for the model in `model_dir`, run in a worker process; safe to call from any thread.

    `device`, `precision` and `threads` are as for `Encoder` (`threads`: the worker's torch intra-op
    threads; None leaves torch's default). Construction returns once the worker has loaded the model;
    a loading error is raised here as the worker raised it.

    Calls from several threads are pipelined: each sends its batch as soon as it has one, and the
    worker, which answers in order, finds the next batch waiting when it finishes one instead of idling
    while the caller takes its vectors and prepares another.
    """

    def __init__(
        self,
        model_dir: str | Path,
        *,
        device: str = "cpu",
        precision: str = "float32",
        threads: int | None = None,
    ) -> None:
        self._options = (str(model_dir), str(device), precision, threads)
        self._lock = threading.Lock()
        self._worker: _Worker | None = None
        self.modalities: tuple[str, ...] = ()
        self.dimension = 0
        self.precisions: dict[str, str] = {}
        with self._lock:
            self._worker = self._start()

    @property
    def pid(self) -> int | None:
        """The worker's process id (None while no worker runs)."""
        worker = self._worker
        return None if worker is None else worker.process.pid

    def encode(self, modality: str, batch: torch.Tensor) -> torch.Tensor:
        """Raw (scaled) float32 embeddings `(B, dimension)` of `batch`, as `Encoder.encode` returns them."""
        array = batch.detach().cpu().contiguous().numpy()
        answer: Future = Future()
        with self._lock:
            if self._worker is None:
                self._worker = self._start()
            worker = self._worker
            with worker.lock:
                worker.waiting.append(answer)
            try:
                worker.connection.send((modality, array))
            except OSError:
                pass  # the reader thread sees the pipe close and fails `answer`
        try:
            status, value = answer.result()
        except _WorkerStopped as stopped:
            raise EncoderProcessError(
                f"the encoder process stopped (exit code {stopped.code}) while encoding a {modality} batch of "
                f"{len(array)}; a new one starts with the next batch"
            ) from None
        if status == "error":
            raise value
        return torch.from_numpy(value)

    def close(self) -> None:
        """Stop the worker: it exits once its pipe closes; it is terminated if it has not within 10 s."""
        with self._lock:
            worker, self._worker = self._worker, None
        if worker is not None:
            worker.stop()

    def _start(self) -> _Worker:
        # A plain subprocess rather than multiprocessing's spawn: spawn re-imports the caller's main
        # module, which fails for scripts without an `if __name__ == "__main__"` guard.
        ours, theirs = socket.socketpair()
        root = str(Path(__file__).resolve().parents[1])
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, (root, os.environ.get("PYTHONPATH"))))}
        try:
            process = subprocess.Popen(
                [sys.executable, "-m", __spec__.name, str(theirs.fileno()), json.dumps(self._options)],
                pass_fds=(theirs.fileno(),), env=env, stdin=subprocess.DEVNULL,
            )
        finally:
            theirs.close()
        connection = Connection(ours.detach())
        try:
            message = connection.recv()
        except (EOFError, OSError):
            connection.close()
            raise EncoderProcessError(
                f"the encoder process exited with code {_wait(process)} while loading the model"
            ) from None
        if message[0] == "failed":
            connection.close()
            _wait(process)
            raise message[1]
        _, self.modalities, self.dimension, self.precisions = message
        return _Worker(connection, process, on_stop=self._forget)

    def _forget(self, worker: _Worker) -> None:
        """Drop a worker that stopped, so that the next call starts another."""
        with self._lock:
            if self._worker is worker:
                self._worker = None


class _WorkerStopped(Exception):
    def __init__(self, code: int | None) -> None:
        self.code = code


class _Worker:
    """One worker process, its pipe, and the thread that hands its answers to the callers, in order."""

    def __init__(self, connection: Connection, process: subprocess.Popen,
                 on_stop: Callable[[_Worker], None]) -> None:
        self.connection = connection
        self.process = process
        self.lock = threading.Lock()
        self.waiting: deque[Future] = deque()
        self._on_stop = on_stop
        self._reader = threading.Thread(target=self._read, name="bindspace-encoder-reader", daemon=True)
        self._reader.start()

    def stop(self) -> None:
        """End the pipe, wait for the process to end and fail the calls still waiting."""
        # A shutdown, not a close: closing the descriptor would not wake the reader blocked on it.
        with socket.socket(fileno=os.dup(self.connection.fileno())) as pipe:
            pipe.shutdown(socket.SHUT_RDWR)
        self._reader.join()

    def _read(self) -> None:
        while True:
            try:
                message = self.connection.recv()
            except (EOFError, OSError):
                break
            with self.lock:
                answer = self.waiting.popleft()
            answer.set_result(message)
        self._on_stop(self)
        self.connection.close()
        code = _wait(self.process)
        with self.lock:
            waiting, self.waiting = self.waiting, deque()
        for answer in waiting:
            answer.set_exception(_WorkerStopped(code))


def _wait(process: subprocess.Popen) -> int:
    """The exit code of `process`, terminated (then killed) if it has not exited within `CLOSE_TIMEOUT_S`."""
    for stop in (None, process.terminate, process.kill):
        if stop is not None:
            stop()
        try:
            return process.wait(CLOSE_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            continue
    return process.wait()


def _serve(connection: Connection, model_dir: str, device: str, precision: str, threads: int | None) -> None:
    """The worker: load the model, then answer `(modality, array)` requests until the pipe closes."""
    # Ctrl+C reaches the whole process group; the parent decides when the worker stops.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        from bindspace.engine.encoder import Encoder
        from bindspace.models.factory import load_model

        if threads is not None:
            torch.set_num_threads(threads)
        model = load_model(model_dir, device=device)
        encoder = Encoder(model, precision=precision, device=device)
        dimension = model.config.out_embed_dim
        del model
    except Exception as exc:  # noqa: BLE001 - the parent re-raises it
        _send_exception(connection, "failed", exc)
        return
    gc.collect()
    gc.freeze()
    precisions = {m: str(dtype).removeprefix("torch.") for m, dtype in encoder.precisions.items()}
    connection.send(("ready", tuple(encoder.modalities), dimension, precisions))
    while True:
        try:
            modality, array = connection.recv()
        except (EOFError, OSError):
            return
        try:
            vectors = encoder.encode(modality, torch.from_numpy(np.asarray(array))).numpy()
        except Exception as exc:  # noqa: BLE001 - the parent re-raises it
            _send_exception(connection, "error", exc)
            continue
        connection.send(("ok", vectors))


def _send_exception(connection: Connection, status: str, exc: Exception) -> None:
    """Send `exc` itself, or a RuntimeError with its text where it cannot be pickled."""
    try:
        connection.send((status, exc))
    except Exception:  # noqa: BLE001 - pickling can fail in any way
        connection.send((status, RuntimeError(f"{type(exc).__name__}: {exc}")))


if __name__ == "__main__":
    fd, options = int(sys.argv[1]), json.loads(sys.argv[2])
    _serve(Connection(fd), *options)
