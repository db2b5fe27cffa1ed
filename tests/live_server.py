"""Test helpers: a live bindspace server on a loopback port, the tiny model it serves, small generated media.

Servers are started once per distinct settings and stopped at interpreter exit.
"""

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import atexit
import base64
import io
import logging
import shutil
import socket
import tempfile
import threading
import time
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

import httpx
import numpy as np
import soundfile
import uvicorn
from PIL import Image

from bindspace.app.main import create_app
from bindspace.engine.settings import Settings

_SERVERS: dict[tuple, "LiveServer"] = {}


@lru_cache
def tiny_model_dir() -> Path:
    """A model directory holding a tiny random-weight model (all six encoders), made once per session."""
    from bindspace import models
    import torch

    torch.manual_seed(1234)
    path = Path(tempfile.mkdtemp(prefix="bindspace-tiny-model-"))
    models.save_model(models.build_model("tiny"), path, name="tiny-test")
    return path


def wait_until(condition: Callable[[], bool], timeout: float = 30.0) -> bool:
    """Poll `condition` until it holds or `timeout` seconds pass; returns its last value."""
    deadline = time.monotonic() + timeout
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.01)
    return condition()


class LiveServer:
    """uvicorn serving `create_app(settings)` on a free loopback port, in a background thread."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.app = create_app(settings)
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        config = uvicorn.Config(self.app, host="127.0.0.1", port=self.port, log_config=None,
                                access_log=False, lifespan="on")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 60
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the test server did not start")
            time.sleep(0.02)
        runtime = self.app.state.runtime
        if not runtime.wait_ready(60):
            raise RuntimeError(f"the model did not load: {runtime.load_error}")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def client(self, **kwargs) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=60, **kwargs)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(30)


def live_server(**overrides) -> LiveServer:
    """The shared server for these settings overrides (model: the tiny model; data dir: a fresh temp dir)."""
    key = tuple(sorted((k, repr(v)) for k, v in overrides.items()))
    if key not in _SERVERS:
        values = {"model": tiny_model_dir(), "data_dir": Path(tempfile.mkdtemp(prefix="bindspace-data-")),
                  "preprocess_workers": 2, "log_level": "warning",
                  "threads": None, **overrides}  # threads: leave this test process's torch setting alone
        _SERVERS[key] = LiveServer(Settings(**values))
    return _SERVERS[key]


@atexit.register
def _stop_servers() -> None:
    logging.getLogger("uvicorn.error").setLevel(logging.WARNING)
    for server in _SERVERS.values():
        server.stop()
        shutil.rmtree(server.settings.data_dir, ignore_errors=True)
    if tiny_model_dir.cache_info().currsize:
        shutil.rmtree(tiny_model_dir(), ignore_errors=True)


# Small valid media, deterministic per seed.

def png_bytes(seed: int = 0, size: tuple[int, int] = (64, 48), mode: str = "RGB") -> bytes:
    rng = np.random.default_rng(seed)
    channels = {"RGB": 3, "L": 1, "I;16": 1}[mode]
    if mode == "I;16":
        image = Image.fromarray(rng.integers(0, 65535, size=(size[1], size[0]), dtype=np.uint16))
    else:
        pixels = rng.integers(0, 255, size=(size[1], size[0], channels), dtype=np.uint8)
        image = Image.fromarray(pixels[..., 0] if channels == 1 else pixels)
    assert image.mode == mode
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def wav_bytes(seed: int = 0, seconds: float = 1.0, rate: int = 16000) -> bytes:
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * rate)) / rate
    signal = 0.3 * np.sin(2 * np.pi * (220 + 50 * seed) * t) + 0.05 * rng.standard_normal(t.size)
    buffer = io.BytesIO()
    soundfile.write(buffer, signal.astype(np.float32), rate, format="WAV", subtype="PCM_16")
    return buffer.getvalue()


def mp4_bytes(seed: int = 0, frames: int = 20, fps: int = 10) -> bytes:
    import av

    rng = np.random.default_rng(seed)
    buffer = io.BytesIO()
    with av.open(buffer, mode="w", format="mp4") as container:
        stream = container.add_stream("mpeg4", rate=fps)
        stream.width, stream.height, stream.pix_fmt = 64, 48, "yuv420p"
        for _ in range(frames):
            pixels = rng.integers(0, 255, size=(48, 64, 3), dtype=np.uint8)
            for packet in stream.encode(av.VideoFrame.from_ndarray(pixels, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return buffer.getvalue()


def imu_csv_bytes(seed: int = 0, rows: int = 500) -> bytes:
    rng = np.random.default_rng(seed)
    values = rng.standard_normal((rows, 6))
    lines = ["acc_x,acc_y,acc_z,gyro_x,gyro_y,gyro_z"] + [",".join(f"{v:.6f}" for v in row) for row in values]
    return ("\n".join(lines) + "\n").encode()


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def data_uri(data: bytes, media_type: str) -> str:
    return f"data:{media_type};base64,{b64(data)}"


# Checks of the server itself.
