"""A background thread that runs a collection's maintenance (snapshots, rebuilds) when asked."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

log = logging.getLogger("bindspace.index")


class MaintenanceWorker:
    """Runs `task` on its own thread after each `request`; requests made while it runs coalesce."""

    def __init__(self, name: str, task: Callable[[], None]) -> None:
        self._task = task
        self._wanted = threading.Event()
        self._stopping = False
        self.last_error: str | None = None
        self._thread = threading.Thread(target=self._run, name=f"bindspace-index-{name}", daemon=True)
        self._thread.start()

    def request(self) -> None:
        """Ask for one more run of the task."""
        self._wanted.set()

    def stop(self) -> None:
        """Finish the run in progress (if any) and end the thread."""
        self._stopping = True
        self._wanted.set()
        self._thread.join()

    def _run(self) -> None:
        while True:
            self._wanted.wait()
            if self._stopping:
                return
            self._wanted.clear()
            try:
                self._task()
                self.last_error = None
            except OSError as exc:  # a full or unwritable disk: retried on the next request, no stack needed
                log.error("index maintenance failed: %s", exc)
                self.last_error = f"{type(exc).__name__}: {exc}"
            except Exception as exc:  # noqa: BLE001 - a failed snapshot or rebuild is retried on the next request
                log.exception("index maintenance failed")
                self.last_error = f"{type(exc).__name__}: {exc}"
