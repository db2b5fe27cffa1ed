"""Turning a preprocessor argument (bytes or a path) into checked bytes."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Union

from bindspace.models.errors import InputError

Source = Union[bytes, bytearray, memoryview, str, os.PathLike]
"""What every preprocessor accepts: the encoded file itself, or a path to it."""


def resolve_source(source: Source, kind: str, max_bytes: int) -> bytes | Path:
    """Return the input's bytes, or its path when given one; size limits and emptiness are checked."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        data = bytes(source)
        _check_size(len(data), kind, max_bytes)
        return data
    if isinstance(source, (str, os.PathLike)):
        path = Path(os.fspath(source))
        try:
            stat = path.stat()
        except (OSError, ValueError) as exc:
            raise InputError(f"{kind}: cannot open {str(path)!r}: {_reason(exc)}") from exc
        if not path.is_file():
            raise InputError(f"{kind}: {str(path)!r} is not a regular file")
        _check_size(stat.st_size, kind, max_bytes)
        return path
    raise InputError(f"{kind}: expected bytes or a file path, got {type(source).__name__}")


def read_source(source: Source, kind: str, max_bytes: int) -> bytes:
    """Return the input's bytes (reading the file for a path), checked against `max_bytes`."""
    resolved = resolve_source(source, kind, max_bytes)
    if isinstance(resolved, bytes):
        return resolved
    try:
        with resolved.open("rb") as file:
            data = file.read(max_bytes + 1)
    except OSError as exc:
        raise InputError(f"{kind}: cannot read {str(resolved)!r}: {_reason(exc)}") from exc
    _check_size(len(data), kind, max_bytes)
    return data


def _check_size(size: int, kind: str, max_bytes: int) -> None:
    if size == 0:
        raise InputError(f"{kind}: empty input (0 bytes)")
    if size > max_bytes:
        raise InputError(f"{kind}: {size} bytes exceeds the {max_bytes} byte limit")


def _reason(exc: Exception) -> str:
    return exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
