"""Opening the index on the configured backend: FAISS in a data directory, or Milvus at a URI."""

from __future__ import annotations

import os

from bindspace.index.config import IndexLimits, MaintenanceConfig
from bindspace.index.database import Database
from bindspace.index.errors import InvalidIndexSpecError

BACKEND_NAMES = ("faiss", "milvus")


def open_database(
    backend: str,
    *,
    data_dir: str | os.PathLike,
    milvus_uri: str = "",
    milvus_token: str = "",
    limits: IndexLimits | None = None,
    maintenance: MaintenanceConfig | None = None,
):
    """A `Database` (FAISS, owning `data_dir`) or a `MilvusDatabase` (sharing the Milvus at `milvus_uri`)."""
    if backend == "faiss":
        return Database(data_dir, limits=limits, maintenance=maintenance)
    if backend == "milvus":
        if not milvus_uri:
            raise InvalidIndexSpecError("the Milvus backend needs a URI (BINDSPACE_MILVUS_URI)")
        # Imported here so that FAISS-only installs do not need pymilvus.
        from bindspace.index.milvus_backend import MilvusDatabase

        return MilvusDatabase(milvus_uri, token=milvus_token, limits=limits, maintenance=maintenance)
    raise InvalidIndexSpecError(f"unknown index backend {backend!r}; available: {', '.join(BACKEND_NAMES)}")
