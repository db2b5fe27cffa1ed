"""Snapshot files of a collection's vector index.

Layout: magic, the change sequence number the index reflects (little-endian u64), the backend's own
bytes, and a CRC-32 of everything before it. Files are replaced atomically; a file whose checksum,
magic or contents do not verify is reported as `CorruptDataError` and the collection rebuilds from
its item store.
"""

from __future__ import annotations

import os
import struct
import zlib
from pathlib import Path
from typing import BinaryIO

from bindspace.index.backend import BackendFactory, VectorBackend
from bindspace.index.config import CollectionSpec
from bindspace.index.errors import CorruptDataError
from bindspace.index.files import atomic_write

MAGIC = b"BSIXSNP1"
_READ_CHUNK = 16 << 20


class _ChecksummedWriter:
    """Passes writes to a stream while computing their CRC-32."""

    def __init__(self, stream: BinaryIO) -> None:
        self._stream = stream
        self.crc = 0

    def write(self, data: bytes) -> int:
        self.crc = zlib.crc32(data, self.crc)
        return self._stream.write(data)


def write_snapshot(path: Path, seq: int, backend: VectorBackend) -> None:
    """Atomically replace the snapshot at `path` with `backend` as of change `seq`."""

    def write(stream: BinaryIO) -> None:
        checked = _ChecksummedWriter(stream)
        checked.write(MAGIC)
        checked.write(struct.pack("<Q", seq))
        backend.save(checked)
        stream.write(struct.pack("<I", checked.crc))

    atomic_write(path, write)


def _verify_checksum(stream: BinaryIO, payload_size: int) -> None:
    crc, left = 0, payload_size
    while left:
        chunk = stream.read(min(_READ_CHUNK, left))
        if not chunk:
            raise CorruptDataError("index snapshot is truncated")
        crc = zlib.crc32(chunk, crc)
        left -= len(chunk)
    (stored,) = struct.unpack("<I", stream.read(4))
    if stored != crc:
        raise CorruptDataError("index snapshot checksum does not match")


def read_snapshot(path: Path, factory: BackendFactory, spec: CollectionSpec) -> tuple[int, VectorBackend] | None:
    """`(seq, backend)` from the snapshot at `path`; None when there is none."""
    if not path.is_file():
        return None
    with open(path, "rb") as stream:
        payload_size = os.fstat(stream.fileno()).st_size - 4
        if payload_size < len(MAGIC) + 8:
            raise CorruptDataError("index snapshot is truncated")
        _verify_checksum(stream, payload_size)
        stream.seek(0)
        if stream.read(len(MAGIC)) != MAGIC:
            raise CorruptDataError("index snapshot has an unknown format")
        (seq,) = struct.unpack("<Q", stream.read(8))
        backend = factory.load(spec, stream)
        if stream.tell() != payload_size:
            raise CorruptDataError("index snapshot has trailing data")
    return seq, backend
