"""The model store and the registry behind `bindspace pull`, `bindspace models` and `bindspace convert`."""

from .convert import convert_checkpoint
from .download import ChecksumError, DownloadError, download_file
from .model_store import BUNDLED_MODEL_DIR, ModelStore, default_store_root
from .pull import PullError, pull
from .registry import ModelEntry, Registry, RegistryError, load_registry

__all__ = [
    "BUNDLED_MODEL_DIR",
    "ChecksumError",
    "DownloadError",
    "ModelEntry",
    "ModelStore",
    "PullError",
    "Registry",
    "RegistryError",
    "convert_checkpoint",
    "default_store_root",
    "download_file",
    "load_registry",
    "pull",
]
