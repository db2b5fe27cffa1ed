"""Preprocessing of real inputs, one class per input kind; see docs/preprocessing.md.

Every preprocessor is callable on the encoded input (`bytes`) or a path (`str` / `os.PathLike`;
text takes the text itself as `str`) and returns one item's tensor without a batch dimension.
Bad input of any sort raises `bindspace.models.errors.InputError` with a message naming the problem.
Which class serves which kind is in the registry, `bindspace.models.kinds`.
"""

from bindspace.models.errors import InputError
from bindspace.models.preprocess.audio import AudioPreprocessor
from bindspace.models.preprocess.base import Preprocessor
from bindspace.models.preprocess.depth import DepthPreprocessor
from bindspace.models.preprocess.image import ImagePreprocessor
from bindspace.models.preprocess.imu import ImuPreprocessor
from bindspace.models.preprocess.limits import InputLimits
from bindspace.models.preprocess.text import TextPreprocessor
from bindspace.models.preprocess.thermal import ThermalPreprocessor
from bindspace.models.preprocess.video import VideoPreprocessor

__all__ = [
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
]
