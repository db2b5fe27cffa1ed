"""Failures of the disk under the data directory, told apart from bugs: full, or not writable.

SQLite and the file system report them as several error codes; `storage_guard` turns each into
`StorageFullError` or `StorageReadOnlyError`, whose messages say what to do, and lets anything else through.
"""

from __future__ import annotations

import errno
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

from bindspace.index.errors import IndexStoreError, StorageFullError, StorageReadOnlyError

_FULL_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT})
_READ_ONLY_ERRNOS = frozenset({errno.EROFS, errno.EPERM, errno.EACCES, errno.EIO})
# Primary result codes (the low byte of an extended one): 13 SQLITE_FULL; 8 SQLITE_READONLY, 10 SQLITE_IOERR,
# 3 SQLITE_PERM and 14 SQLITE_CANTOPEN all mean the files cannot be written.
_SQLITE_FULL = 13
_SQLITE_NOT_WRITABLE = frozenset({3, 8, 10, 14})


def as_storage_error(exc: BaseException, action: str) -> IndexStoreError | None:
    """The storage error `exc` stands for while doing `action`, or None when it is something else."""
    if isinstance(exc, sqlite3.Error):
        code = (getattr(exc, "sqlite_errorcode", None) or 0) & 0xFF
        if code == _SQLITE_FULL:
            return _full(action, str(exc))
        if code in _SQLITE_NOT_WRITABLE:
            return _not_writable(action, str(exc))
    elif isinstance(exc, OSError):
        if exc.errno in _FULL_ERRNOS:
            return _full(action, exc.strerror or str(exc))
        if exc.errno in _READ_ONLY_ERRNOS:
            return _not_writable(action, exc.strerror or str(exc))
    return None


def _full(action: str, reason: str) -> StorageFullError:
    return StorageFullError(f"the disk holding the data directory is full ({action} failed: {reason}); the "
                            "request changed nothing; free space on that disk, then retry")


def _not_writable(action: str, reason: str) -> StorageReadOnlyError:
    return StorageReadOnlyError(f"the data directory cannot be written ({action} failed: {reason}); the request "
                                "changed nothing; make it writable again (read-only mount, immutable files or "
                                "permissions), then retry")


@contextmanager
def storage_guard(action: str) -> Iterator[None]:
    """Re-raise disk-full and not-writable failures inside the block as the index's storage errors."""
    try:
        yield
    except (sqlite3.Error, OSError) as exc:
        converted = as_storage_error(exc, action)
        if converted is None:
            raise
        raise converted from exc
