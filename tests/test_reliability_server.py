"""Checks of the server-process harness (tests/server_process.py): start, graceful stop, SIGKILL and restart."""

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import signal
from pathlib import Path

import psutil
import pytest

from server_process import ServerProcess, shared_tiny_model


# Checks of the harness itself.

@pytest.fixture(scope="module")
def model_dir() -> Path:
    return shared_tiny_model()


def test_exec_server_starts_serves_and_stops_gracefully(model_dir, tmp_path) -> None:
    server = ServerProcess(model_dir, tmp_path / "data", tmp_path, launch="exec")
    server.start()
    try:
        with server.client() as http:
            assert http.get("/readyz").json()["status"] == "ready"
            assert http.post("/v1/embed", json={"modality": "text", "inputs": ["hello"]}).status_code == 200
    finally:
        code = server.stop()
    # uvicorn shuts down, then re-raises SIGTERM so that the exit status tells how it ended.
    assert code in (0, -signal.SIGTERM), server.log_tail()
    assert "Application shutdown complete" in server.log_text()
    assert not (tmp_path / "data" / "LOCK").exists() or _lock_is_free(tmp_path / "data")


def test_fork_server_restarts_after_sigkill_on_the_same_data(model_dir, tmp_path) -> None:
    server = ServerProcess(model_dir, tmp_path / "data", tmp_path, launch="fork")
    server.start()
    try:
        with server.client() as http:
            assert http.post("/v1/collections", json={"name": "c", "dimension": 4}).status_code == 201
        first_pid = server.pid
        server.kill()
        assert not psutil.pid_exists(first_pid) or psutil.Process(first_pid).status() == psutil.STATUS_ZOMBIE
        server.start()  # the data directory lock died with the killed process
        with server.client() as http:
            assert http.get("/v1/collections/c").json()["count"] == 0
        assert server.pid != first_pid
    finally:
        server.stop()


def _lock_is_free(data_dir: Path) -> bool:
    import fcntl

    with open(data_dir / "LOCK", "rb") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        fcntl.flock(lock, fcntl.LOCK_UN)
    return True
