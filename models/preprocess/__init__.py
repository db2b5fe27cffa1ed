"""Preprocessing of real inputs, one class per input kind; see docs/preprocessing.md.

Every preprocessor is callable on the encoded input (`bytes`) or a path (`str` / `os.PathLike`;
text takes the text itself as `str`) and returns one item's tensor without a batch dimension.
Bad input of any sort raises `models.errors.InputError` with a message naming the problem.
"""

from models.errors import InputError
from models.preprocess.audio import AudioPreprocessor
from models.preprocess.depth import DepthPreprocessor
from models.preprocess.factory import (
    ENCODER_FOR,
    INPUT_KINDS,
    Preprocessor,
    build_preprocessors,
)
from models.preprocess.image import ImagePreprocessor
from models.preprocess.imu import ImuPreprocessor
from models.preprocess.limits import InputLimits
from models.preprocess.text import TextPreprocessor
from models.preprocess.thermal import ThermalPreprocessor
from models.preprocess.video import VideoPreprocessor

__all__ = [
    "ENCODER_FOR",
    "INPUT_KINDS",
    "AudioPreprocessor",
    "DepthPreprocessor",
    "ImagePreprocessor",
    "ImuPreprocessor",
    "InputError",
    "InputLimits",
    "Preprocessor",
    "TextPreprocessor",
    "ThermalPreprocessor",
    "VideoPreprocessor",
    "build_preprocessors",
]
