"""Thermal images to the thermal encoder's input: a (1, 224, 224) float32 tensor in [0, 1].

ImageBind's thermal encoder sees one infrared channel at 224 x 224; its normalization was never
published, so bindspace fixes this one:

- Inputs: 8-bit grayscale images, 16-bit (or 32-bit integer/float) single-channel images such as
  radiometric camera exports, and colour images rendered with a thermal palette, which are
  reduced to luminance (ITU-R 601: 0.299 R + 0.587 G + 0.114 B, Pillow's "L" conversion).
- Geometry: short side resized to 224 (antialiased bilinear), center crop 224 x 224, as for
  images.
- Normalization: thermal intensities are relative (cameras apply automatic gain, and raw 16-bit
  counts depend on the sensor), so each image is stretched so that its 1st percentile maps to
  0 and its 99th percentile to 1, clipped to [0, 1]. The percentiles are taken on the cropped
  224 x 224 map; ignoring the extreme 1% on each side keeps a few hot or dead pixels from
  flattening the contrast. A uniform image becomes all zeros.
"""

from __future__ import annotations

import numpy as np
import torch

from bindspace.models.errors import InputError
from bindspace.models.preprocess.crop import resize_center_crop_map
from bindspace.models.preprocess.image import IMAGE_SIZE
from bindspace.models.preprocess.image_file import high_bit_depth_array, open_image
from bindspace.models.preprocess.base import Preprocessor
from bindspace.models.preprocess.limits import InputLimits
from bindspace.models.preprocess.source import Source, read_source

LOW_PERCENTILE = 1.0
HIGH_PERCENTILE = 99.0


class ThermalPreprocessor(Preprocessor):
    """Callable turning one thermal image (bytes or path) into a (1, 224, 224) tensor."""

    kind = "thermal"

    def __init__(self, limits: InputLimits | None = None) -> None:
        super().__init__(limits)

    def __call__(self, source: Source) -> torch.Tensor:
        data = read_source(source, self.kind, self.limits.max_bytes)
        image = open_image(data, self.kind, self.limits)
        values = high_bit_depth_array(image)
        if values is None:
            values = np.asarray(image.convert("L"), dtype=np.float32)
        elif not np.isfinite(values).all():
            raise InputError("thermal: image contains NaN or infinite values")
        return torch.from_numpy(stretch(resize_center_crop_map(values, IMAGE_SIZE))[None])


def stretch(values: np.ndarray) -> np.ndarray:
    """Map the 1st..99th percentile range of `values` onto [0, 1], clipped; uniform -> zeros."""
    low, high = np.percentile(values, [LOW_PERCENTILE, HIGH_PERCENTILE])
    if high <= low:
        return np.zeros_like(values, dtype=np.float32)
    return np.clip((values - low) / (high - low), 0.0, 1.0).astype(np.float32)
