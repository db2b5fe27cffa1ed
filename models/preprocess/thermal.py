"""Thermal images to the thermal encoder's input: a (1, 224, 224) float32 tensor in [0, 1].

ImageBind's thermal encoder sees one infrared channel at 224 x 224; its normalization was never
published, so bindspace fixes this one:

- Inputs: 8-bit grayscale images, 16-bit (or 32-bit integer/float) single-channel images such as
  radiometric camera exports, and colour images rendered with a thermal palette, which are
  reduced to luminance (ITU-R 601: 0.299 R + 0.587 G + 0.114 B, Pillow's "L" conversion);
  NumPy `.npy` arrays of any numeric dtype, shaped (H, W), (H, W, 1) or (1, H, W), in any unit
  (raw counts, kelvin, degrees), since the normalization below is relative.
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
from bindspace.models.preprocess.finite import require_finite
from bindspace.models.preprocess.image import IMAGE_SIZE
from bindspace.models.preprocess.base import Preprocessor
from bindspace.models.preprocess.image_file import check_image_size, high_bit_depth_array, open_image
from bindspace.models.preprocess.limits import InputLimits
from bindspace.models.preprocess.npy_file import is_npy, load_npy, npy_shape
from bindspace.models.preprocess.pixel_budget import pixels_in_flight
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
        with pixels_in_flight(self.limits, data):
            if is_npy(data):
                values = self._array(data)
            else:
                image = open_image(data, self.kind, self.limits)
                values = high_bit_depth_array(image)
                if values is None:
                    values = np.asarray(image.convert("L"), dtype=np.float32)
            if not np.isfinite(values).all():
                raise InputError("thermal: the image holds NaN or infinite values; send finite intensities only")
            tensor = torch.from_numpy(stretch(resize_center_crop_map(values, IMAGE_SIZE))[None])
        return require_finite(tensor, self.kind)


    def _array(self, data: bytes) -> np.ndarray:
        shape = npy_shape(data, self.kind)
        if len(shape) >= 2:
            check_image_size((shape[-1], shape[-2]), self.kind, self.limits)
        array = load_npy(data, self.kind)
        if array.ndim == 3 and 1 in (array.shape[0], array.shape[-1]):
            array = array.reshape(array.shape[1:] if array.shape[0] == 1 else array.shape[:-1])
        if array.ndim != 2:
            raise InputError(f"thermal: a .npy thermal image must be 2-D (height x width), got shape {array.shape}")
        check_image_size((array.shape[1], array.shape[0]), self.kind, self.limits)
        return array.astype(np.float32)


def stretch(values: np.ndarray) -> np.ndarray:
    """Map the 1st..99th percentile range of `values` onto [0, 1], clipped; uniform -> zeros."""
    low, high = np.percentile(values, [LOW_PERCENTILE, HIGH_PERCENTILE])
    if high <= low:
        return np.zeros_like(values, dtype=np.float32)
    return np.clip((values - low) / (high - low), 0.0, 1.0).astype(np.float32)
