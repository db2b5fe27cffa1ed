"""Each item's preview media (its original file or a thumbnail), kept as files in the collection's directory.

Layout: `media/<sha256 of the id>`, holding the media type on the first line and the bytes after it.
Every write is a temporary file, fsync, rename and directory fsync, so a file is whole or absent. The
collection removes an item's media before the item itself, so a crash leaves at worst an item without
media, never media without an item.
"""

from __future__ import annotations

import hashlib
import os
import threading
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from bindspace.index.files import fsync_dir

MEDIA_POLICIES = ("none", "original", "thumbnail")
"""What a collection keeps for previews: nothing, each item's original file (size-limited), or a thumbnail."""

_STAGING_PREFIX = ".staging-"


@dataclass(frozen=True)
class StoredMedia:
    """Bytes of a preview and their media type (e.g. `image/jpeg`)."""

    media_type: str
    data: bytes


class MediaStore:
    """Preview files of one collection, by item id. Thread-safe."""

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)
        self._mutex = threading.Lock()
        if self.directory.is_dir():
            for leftover in self.directory.glob(f"{_STAGING_PREFIX}*"):
                leftover.unlink(missing_ok=True)

    def _path(self, item_id: str) -> Path:
        return self.directory / hashlib.sha256(item_id.encode("utf-8")).hexdigest()

    def put(self, item_id: str, media: StoredMedia) -> None:
        """Store (or replace) the item's media durably."""
        if "\n" in media.media_type:
            raise ValueError("a media type has no line breaks")
        with self._mutex:
            created = not self.directory.is_dir()
            self.directory.mkdir(exist_ok=True)
            if created:
                fsync_dir(self.directory.parent)
            staged = self.directory / f"{_STAGING_PREFIX}{uuid.uuid4().hex}"
            with open(staged, "wb") as stream:
                stream.write(media.media_type.encode("ascii") + b"\n")
                stream.write(media.data)
                stream.flush()
                os.fsync(stream.fileno())
            os.replace(staged, self._path(item_id))
            fsync_dir(self.directory)

    def get(self, item_id: str) -> StoredMedia | None:
        """The item's media, or None when it has none."""
        try:
            content = self._path(item_id).read_bytes()
        except FileNotFoundError:
            return None
        media_type, _, data = content.partition(b"\n")
        return StoredMedia(media_type.decode("ascii"), data)

    def remove(self, item_ids: Iterable[str]) -> int:
        """Delete the media of these items (those without any are skipped); returns how many were deleted."""
        removed = 0
        with self._mutex:
            if not self.directory.is_dir():
                return 0
            for item_id in item_ids:
                try:
                    self._path(item_id).unlink()
                except FileNotFoundError:
                    continue
                removed += 1
            if removed:
                fsync_dir(self.directory)
        return removed
