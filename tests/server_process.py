"""Test helper: the real server in its own process, for the reliability tests and scripts.

`ServerProcess` runs `bindspace serve` (the `bindspace.app.cli` entry point) in a child process with its own data
directory, temporary directory and log file, and can stop it gracefully or kill it with SIGKILL. Two ways
to start the child:

* `exec`: a fresh `python -m bindspace.app serve` (what a deployment runs; about 10-20 s to ready on a busy 2-core
  machine, most of it importing torch);
* `fork`: the same entry point in a child forked from a `multiprocessing` fork server that has imported
  the service's modules once, so a restart after SIGKILL takes a second or two. The fork server is a
  clean single-threaded process, so forking it is safe; the child is a complete server process.

The reliability scripts (`tests/reliability_crash.py`, `tests/reliability_load.py`) import this module.
"""

from __future__ import annotations

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import atexit
import multiprocessing
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from functools import cache
from pathlib import Path

import httpx
import psutil

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:  # the scripts run as `python tests/...`; forked servers import this module from here
    sys.path.insert(0, str(REPO))
PRELOAD = ["torch", "uvicorn", "fastapi", "bindspace.app.cli", "bindspace.app.main", "open_clip.tokenizer", "server_process"]
_FORK_CONTEXT: multiprocessing.context.BaseContext | None = None


def make_tiny_model(directory: Path, seed: int = 1234) -> Path:
    """Write a tiny random-weight model (all six encoders) to `directory` (in a child process, so that
    this process never starts torch's thread pools before forking) and return it."""
    code = ("import sys, torch; from bindspace import models; torch.manual_seed(int(sys.argv[2])); "
            "models.save_model(models.build_model('tiny'), sys.argv[1], name='tiny-reliability')")
    subprocess.run([sys.executable, "-c", code, str(directory), str(seed)], check=True, cwd=REPO,
                   env={**os.environ, "HF_HUB_OFFLINE": "1"}, timeout=300)
    return directory


def wait_ready(url: str, deadline: float, alive: Callable[[], bool], log_tail: Callable[[], str]) -> None:
    """Poll `url`/readyz until it answers 200; RuntimeError with the server log's tail if the server
    exits first or the monotonic `deadline` passes."""
    with httpx.Client(base_url=url, timeout=5) as http:
        while time.monotonic() < deadline:
            if not alive():
                raise RuntimeError(f"the server exited while starting:\n{log_tail()}")
            try:
                if http.get("/readyz").status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.1)
    raise RuntimeError(f"the server was not ready in time:\n{log_tail()}")


@cache
def shared_tiny_model() -> Path:
    """One tiny model for every reliability test of this process, removed at exit."""
    directory = Path(tempfile.mkdtemp(prefix="bindspace-reliability-model-"))
    atexit.register(shutil.rmtree, directory, ignore_errors=True)
    return make_tiny_model(directory / "tiny")


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _fork_context() -> multiprocessing.context.BaseContext:
    global _FORK_CONTEXT
    if _FORK_CONTEXT is None:
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(PRELOAD)
        _FORK_CONTEXT = context
    return _FORK_CONTEXT


def _serve_in_child(environment: dict[str, str], port: int, log_path: str) -> None:
    """Body of a forked server: its settings from `environment`, its output to `log_path`, then `bindspace serve`."""
    os.environ.update(environment)
    tempfile.tempdir = None  # re-read TMPDIR from the new environment
    log = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    os.dup2(log, 1)
    os.dup2(log, 2)
    sys.stdout = open(1, "w", buffering=1, closefd=False)  # noqa: SIM115 - lives as long as the process
    sys.stderr = open(2, "w", buffering=1, closefd=False)  # noqa: SIM115
    from bindspace.app.cli import main

    sys.exit(main(["serve", "--host", "127.0.0.1", "--port", str(port)]))


class ServerProcess:
    """One bindspace server process on a loopback port; `start` waits until `/readyz` answers 200."""

    def __init__(self, model_dir: Path, data_dir: Path, work_dir: Path, *, launch: str = "fork",
                 settings: dict[str, str] | None = None) -> None:
        if launch not in ("fork", "exec"):
            raise ValueError(f"launch must be 'fork' or 'exec', got {launch!r}")
        self.launch = launch
        self.data_dir = Path(data_dir)
        self.tmp_dir = Path(work_dir) / "tmp"
        self.log_path = Path(work_dir) / "server.log"
        self.tmp_dir.mkdir(parents=True, exist_ok=True)
        self.environment = {
            "HF_HUB_OFFLINE": "1",
            "TMPDIR": str(self.tmp_dir),
            "BINDSPACE_MODEL": str(model_dir),
            "BINDSPACE_DATA_DIR": str(self.data_dir),
            "BINDSPACE_THREADS": "1",
            "BINDSPACE_PREPROCESS_WORKERS": "2",
            **(settings or {}),
        }
        self.port = 0
        self.pid: int | None = None
        self._handle: subprocess.Popen | multiprocessing.process.BaseProcess | None = None
        self.starts = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def client(self, **kwargs) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=kwargs.pop("timeout", 60), **kwargs)

    def start(self, timeout: float = 180) -> float:
        """Start the server and wait for readiness; returns the seconds that took."""
        if self.alive():
            raise RuntimeError("the server is already running")
        started = time.monotonic()
        self.port = free_port()
        with open(self.log_path, "a") as log:
            log.write(f"--- start {self.starts + 1} ({self.launch}) on port {self.port}\n")
        if self.launch == "exec":
            log = open(self.log_path, "ab")  # noqa: SIM115 - the child keeps it; closed below
            try:
                self._handle = subprocess.Popen(
                    [sys.executable, "-m", "bindspace.app", "serve", "--host", "127.0.0.1", "--port", str(self.port)],
                    cwd=REPO, env={**os.environ, **self.environment}, stdout=log, stderr=subprocess.STDOUT,
                    stdin=subprocess.DEVNULL)
            finally:
                log.close()
            self.pid = self._handle.pid
        else:
            process = _fork_context().Process(target=_serve_in_child, daemon=True,
                                              args=(self.environment, self.port, str(self.log_path)))
            process.start()
            self._handle = process
            self.pid = process.pid
        self.starts += 1
        self._wait_ready(started + timeout)
        return time.monotonic() - started

    def _wait_ready(self, deadline: float) -> None:
        wait_ready(self.url, deadline, self.alive, self.log_tail)

    def alive(self) -> bool:
        if self._handle is None:
            return False
        if isinstance(self._handle, subprocess.Popen):
            return self._handle.poll() is None
        return self._handle.is_alive()

    def kill(self) -> None:
        """SIGKILL: the process dies at once, whatever it was doing."""
        self._signal(signal.SIGKILL)
        self._reap(30)

    def stop(self, timeout: float = 60) -> int | None:
        """SIGTERM and wait (a graceful shutdown); SIGKILL after `timeout`. Returns the exit code."""
        if not self.alive():
            return self._exit_code()
        self._signal(signal.SIGTERM)
        if not self._reap(timeout):
            self.kill()
        return self._exit_code()

    def _signal(self, signum: int) -> None:
        if self.alive():
            os.kill(self.pid, signum)

    def _reap(self, timeout: float) -> bool:
        if isinstance(self._handle, subprocess.Popen):
            try:
                self._handle.wait(timeout)
            except subprocess.TimeoutExpired:
                return False
            return True
        self._handle.join(timeout)
        return not self._handle.is_alive()

    def _exit_code(self) -> int | None:
        if isinstance(self._handle, subprocess.Popen):
            return self._handle.returncode
        return self._handle.exitcode if self._handle is not None else None

    def process(self) -> psutil.Process:
        return psutil.Process(self.pid)

    def rss(self) -> int:
        """Resident memory of the server process and its children (the encoder worker), bytes."""
        server = self.process()
        total = server.memory_info().rss
        for child in server.children(recursive=True):
            try:
                total += child.memory_info().rss
            except psutil.NoSuchProcess:  # a worker that ended between the listing and the reading
                pass
        return total

    def open_files(self) -> set[str]:
        """Regular files the server process holds open."""
        return {f.path for f in self.process().open_files()}

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(self.log_text().splitlines()[-lines:])


def files_under(directory: Path) -> set[str]:
    """Relative paths of every file under `directory`."""
    return {str(p.relative_to(directory)) for p in Path(directory).rglob("*") if p.is_file()}
