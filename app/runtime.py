"""What one running service holds: the serving engine plus the vector index.

A missing model directory fails at construction, before the server listens. `start` (at application
startup) opens the index and begins loading the model in the background, so that `/healthz` answers at
once; routes that need the model answer 503 until `ready`.
"""

from __future__ import annotations

from bindspace.app.data_dir import open_database
from bindspace.app.errors import ApiError
from bindspace.engine.engine import Engine, UnsupportedKindError
from bindspace.index import Database


class Runtime(Engine):
    """The engine, with the index of `settings.data_dir` opened at start and closed at close."""

    database: Database | None = None
    storage_problem: str | None = None
    """Why the last write failed on the data directory's disk, until /readyz finds it writable again."""

    def start(self) -> None:
        """Open the index, then start the engine."""
        self.database = open_database(self.settings)
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
