"""Durable file-system operations: directory fsync, atomic file replacement, the data directory lock."""

from __future__ import annotations

import fcntl
import os
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

from bindspace.index.errors import DataDirLockedError


def fsync_dir(path: Path) -> None:
    """Make renames and creations inside directory `path` durable."""
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def tmp_path(path: Path) -> Path:
    """Where `atomic_write` stages the new content of `path`."""
    return path.with_name(path.name + ".tmp")


def atomic_write(path: Path, write: Callable[[BinaryIO], None]) -> None:
    """Replace `path` with what `write` writes: a temporary file, fsync, rename, fsync of the directory.
    After a crash `path` holds either the old or the new content, never a mix."""
    staged = tmp_path(path)
    try:
        with open(staged, "wb") as stream:
            write(stream)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(staged, path)
    except BaseException:
        staged.unlink(missing_ok=True)  # a half-written file would only hold on to space a full disk needs
        raise
    fsync_dir(path.parent)


class DirectoryLock:
    """An exclusive `flock` on `<directory>/LOCK`, held until `release` (or process death)."""

    def __init__(self, directory: Path) -> None:
        self.path = directory / "LOCK"
        self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(self._fd, 64, 0).decode(errors="replace").strip() or "unknown"
            os.close(self._fd)
            raise DataDirLockedError(
                f"data directory {directory} is in use by another process or Database (holder pid {holder})"
            ) from None
        os.ftruncate(self._fd, 0)
        os.pwrite(self._fd, str(os.getpid()).encode(), 0)

    def release(self) -> None:
        """Give the lock up."""
        if self._fd >= 0:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = -1
