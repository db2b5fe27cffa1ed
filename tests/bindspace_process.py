"""A `bindspace serve` child process with given settings, for tests of several servers at once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
from milvus_lite_server import free_port
from server_process import wait_ready

REPO = Path(__file__).resolve().parents[1]


class BindspaceProcess:
    """`python -m bindspace.app serve` on a free loopback port; waits until `/readyz` answers 200."""

    def __init__(self, settings: dict[str, str], log_path: Path, timeout: float = 180) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {**os.environ, "HF_HUB_OFFLINE": "1", "BINDSPACE_THREADS": "1", "BINDSPACE_PREPROCESS_WORKERS": "1",
               **settings}
        with open(log_path, "ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "bindspace.app", "serve", "--host", "127.0.0.1", "--port", str(self.port)],
                cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        self.log_path = log_path
        try:
            wait_ready(self.url, time.monotonic() + timeout, lambda: self.process.poll() is None,
                       lambda: log_path.read_text()[-3000:])
        except RuntimeError:
            self.kill()
            raise

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=60)

    def kill(self) -> None:
        """SIGKILL: the process dies at once, whatever it was doing."""
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(30)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(60)
            except subprocess.TimeoutExpired:
                self.kill()
