"""bindspace models: ImageBind-layout encoders for six modalities in one embedding space."""

import os

# Set before anything imports open_clip: without it, its hub look-ups wait about 45 s for a hub
# that cannot be reached (every model here is loaded from local files).
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from .checkpoint import CheckpointError, load_checkpoint  # noqa: E402
from .config import MODALITIES, PRESETS, ModelConfig, get_config  # noqa: E402
from .errors import InputError  # noqa: E402
from .factory import build_model, load_imagebind_huge, load_model, save_model  # noqa: E402
from .model import ImageBindModel  # noqa: E402

__all__ = [
    "CheckpointError",
    "ImageBindModel",
    "InputError",
    "MODALITIES",
    "ModelConfig",
    "PRESETS",
    "build_model",
    "get_config",
    "load_checkpoint",
    "load_imagebind_huge",
    "load_model",
    "save_model",
]
