"""The model store: one directory holding a model directory per pulled or converted model.

Its root is `BINDSPACE_MODEL_DIR`, else `$XDG_CACHE_HOME/bindspace/models`, else
`~/.cache/bindspace/models`. Inside it, `NAME/` is an installed model directory (`config.json`,
`model.safetensors` and `source.json`, which records where the weights came from); dot-directories
hold partial downloads (`.downloads/`) and models being converted (`.staging-*`), so that a model
directory only ever appears complete: it is renamed into place once conversion has finished.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from ..factory import CONFIG_FILE

STORE_ENV = "BINDSPACE_MODEL_DIR"
SOURCE_FILE = "source.json"
BUNDLED_MODEL_DIR = Path(__file__).resolve().parent.parent / "weights" / "default"
"""The default model shipped inside the models package (registry entry `default`)."""


def default_store_root() -> Path:
    """`BINDSPACE_MODEL_DIR`, else the `bindspace/models` folder of the user's cache directory."""
    configured = os.environ.get(STORE_ENV)
    if configured:
        return Path(configured).expanduser()
    cache = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(cache) / "bindspace" / "models"


def is_model_dir(path: Path) -> bool:
    """Whether `path` is a directory holding a model's `config.json`."""
    return (path / CONFIG_FILE).is_file()


class ModelStore:
    """Installed models under one root directory, by name."""

    def __init__(self, root: str | os.PathLike | None = None) -> None:
        self.root = Path(root).expanduser() if root is not None else default_store_root()

    def path(self, store_name: str) -> Path:
        """Where the model `store_name` is (or would be) installed."""
        if not store_name or any(c in store_name for c in "/\\:") or store_name.startswith("."):
            raise ValueError(f"invalid model name {store_name!r}: use letters, digits, '-', '_' and '.' "
                             "(not first)")
        return self.root / store_name

    def find(self, store_name: str) -> Path | None:
        """The installed model directory called `store_name`, or None."""
        try:
            path = self.path(store_name)
        except ValueError:
            return None
        return path if is_model_dir(path) else None

    def installed(self) -> list[str]:
        """Names of the installed models, sorted."""
        if not self.root.is_dir():
            return []
        return sorted(p.name for p in self.root.iterdir() if not p.name.startswith(".") and is_model_dir(p))

    def download_dir(self, store_name: str) -> Path:
        """Where partial and finished downloads of `store_name` are kept until it is installed."""
        return self.root / ".downloads" / store_name

    def staging_dir(self, store_name: str) -> Path:
        """A new empty directory on the store's file system to build `store_name` in."""
        self.root.mkdir(parents=True, exist_ok=True)
        return Path(tempfile.mkdtemp(prefix=f".staging-{store_name}-", dir=self.root))

    def install(self, staging: Path, store_name: str, source: dict[str, Any]) -> Path:
        """Write `source` (provenance) into `staging`, then rename it into place as `store_name`.

        A model already installed under that name is moved aside first and removed afterwards, so a
        reader sees either the old model or the new one, never a half-written directory.
        """
        (staging / SOURCE_FILE).write_text(json.dumps(source, indent=2) + "\n", encoding="utf-8")
        target = self.path(store_name)
        previous = None
        if target.exists():
            previous = Path(tempfile.mkdtemp(prefix=f".replaced-{store_name}-", dir=self.root))
            os.replace(target, previous / store_name)
        os.replace(staging, target)
        if previous is not None:
            shutil.rmtree(previous, ignore_errors=True)
        return target

    def source(self, store_name: str) -> dict[str, Any]:
        """The provenance recorded when `store_name` was installed (empty when none was)."""
        try:
            return json.loads((self.path(store_name) / SOURCE_FILE).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
