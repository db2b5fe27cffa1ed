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
from bindspace.index import open_database as open_backend


def open_database(settings: Settings):
    """The configured index: FAISS in `settings.data_dir`, created with the configured umask and limits, or
    the Milvus at `settings.milvus_uri` (which keeps its data itself) with those limits."""
    if settings.index_backend == "milvus":
        return open_backend("milvus", data_dir=settings.data_dir, milvus_uri=settings.milvus_uri,
                            milvus_token=settings.milvus_token.get_secret_value(), limits=settings.index_limits())
    os.umask(settings.umask)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    os.chmod(settings.data_dir, 0o777 & ~settings.umask)
    return Database(settings.data_dir, limits=settings.index_limits())
