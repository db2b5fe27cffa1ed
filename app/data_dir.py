"""Opening the configured data directory: private by default, with the configured index limits.

Vectors and metadata are the users' data. The service sets its file-creation mask (`BINDSPACE_UMASK`,
default 077) before it opens the index, so every directory it creates is 0700 and every file 0600; the
data directory itself is set to that mode too, which keeps other local users out of a directory made
before the setting existed.
"""

from __future__ import annotations

import os

from bindspace.engine.settings import Settings
from bindspace.index import Database


def open_database(settings: Settings) -> Database:
    """The index in `settings.data_dir`, created with the configured umask and limits."""
    os.umask(settings.umask)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    os.chmod(settings.data_dir, 0o777 & ~settings.umask)
    return Database(settings.data_dir, limits=settings.index_limits())
