"""bindspace models: ImageBind-layout encoders for six modalities in one embedding space."""

from .checkpoint import CheckpointError, load_checkpoint
from .config import MODALITIES, PRESETS, ModelConfig, get_config
from .errors import InputError
from .factory import build_model, load_imagebind_huge, load_model, save_model
from .model import ImageBindModel

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
