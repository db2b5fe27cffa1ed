"""What one running service holds: the serving engine plus the vector index.

A missing model directory fails at construction, before the server listens. `start` (at application
startup) opens the index and begins loading the model in the background, so that `/healthz` answers at
once; routes that need the model answer 503 until `ready`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bindspace.app.errors import ApiError
from bindspace.engine.engine import Engine, UnsupportedKindError
from bindspace.index import Database, open_database

if TYPE_CHECKING:
    from bindspace.index.milvus_backend import MilvusDatabase


class Runtime(Engine):
    """The engine, with the configured index (FAISS in `settings.data_dir`, or Milvus) opened at start and
    closed at close."""

    database: Database | MilvusDatabase | None = None

    def start(self) -> None:
        """Open the index, then start the engine."""
        settings = self.settings
        self.database = open_database(settings.index_backend, data_dir=settings.data_dir,
                                      milvus_uri=settings.milvus_uri,
                                      milvus_token=settings.milvus_token.get_secret_value())
        super().start()

    def require_kind(self, kind: str, param: str = "modality") -> None:
        """Raise 400 naming `param` when the loaded model has no encoder for input `kind`."""
        try:
            super().require_kind(kind)
        except UnsupportedKindError as exc:
            raise ApiError(400, str(exc), param=param, code="unsupported_modality") from None

    def close(self) -> None:
        """Stop the engine, then close the index."""
        super().close()
        if self.database is not None:
            self.database.close()
