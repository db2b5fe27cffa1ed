"""Depth maps to the depth encoder's input: a (1, 224, 224) float32 tensor of normalized disparity.

ImageBind's depth encoder sees single-channel disparity (baseline x focal / depth), as in the
paper; its normalization was never published, so bindspace fixes this one:

Inputs and units (chosen by the data type, not the file name):

- 16-bit (or 32-bit integer) PNG/TIFF, and integer `.npy` arrays: metric depth in millimetres
  (the Kinect / RealSense / NYU / SUN RGB-D convention); 0 means "no measurement".
- float `.npy` arrays and 32-bit float TIFFs: metric depth in metres.
- 8-bit images (grayscale; colour images are reduced to luminance) and `uint8` arrays:
  relative disparity already, bright = near (the convention of monocular estimators such as
  MiDaS): the normalized value is simply pixel / 255, baseline and focal length are not used.

Metric depth z (metres) becomes disparity d = baseline_m x focal_px / z in pixels. Defaults are
those of the Kinect v1 sensor of NYU Depth v2: baseline 0.075 m, focal length 518.857 px
(B x f = 38.9 px m). Invalid depth (zero, negative, NaN or infinite) gets disparity 0, the value
of a point infinitely far away, so holes read as "far" rather than as noise.

Normalization: x = min(d / max_disparity_px, 1) with max_disparity_px = 75, so x lies in [0, 1]
and saturates for anything nearer than B x f / 75 (0.52 m with the defaults, about the minimum
range of structured-light and stereo sensors); 1 m gives 0.52, 2 m 0.26, 5 m 0.10. A fixed scale
(rather than per-image statistics) keeps absolute distance information.

Geometry: the normalized map is resized so its short side is 224 (antialiased bilinear, which
never leaves [0, 1]) and center-cropped to 224 x 224, as for images. Arrays must be 2-D (a
single-channel axis of size 1 is accepted) and obey the image size limits.
"""

from __future__ import annotations

import numpy as np
import torch
from PIL import Image

from bindspace.models.errors import InputError
from bindspace.models.preprocess.crop import resize_center_crop_map
from bindspace.models.preprocess.finite import require_finite
from bindspace.models.preprocess.image import IMAGE_SIZE
from bindspace.models.preprocess.image_file import check_image_size, high_bit_depth_array, open_image
from bindspace.models.preprocess.base import Preprocessor
from bindspace.models.preprocess.limits import InputLimits
from bindspace.models.preprocess.npy_file import is_npy, load_npy, npy_shape
from bindspace.models.preprocess.pixel_budget import pixels_in_flight
from bindspace.models.preprocess.source import Source, read_source

DEFAULT_BASELINE_M = 0.075
DEFAULT_FOCAL_PX = 518.857
DEFAULT_MAX_DISPARITY_PX = 75.0
MILLIMETRE = 0.001


class DepthPreprocessor(Preprocessor):
    """Callable turning one depth map (image or `.npy`, bytes or path) into (1, 224, 224)."""

    kind = "depth"

    def __init__(
        self,
        limits: InputLimits | None = None,
        *,
        baseline_m: float = DEFAULT_BASELINE_M,
        focal_px: float = DEFAULT_FOCAL_PX,
        max_disparity_px: float = DEFAULT_MAX_DISPARITY_PX,
    ) -> None:
        if min(baseline_m, focal_px, max_disparity_px) <= 0:
            raise ValueError("baseline_m, focal_px and max_disparity_px must be positive")
        super().__init__(limits)
        self.baseline_m = baseline_m
        self.focal_px = focal_px
        self.max_disparity_px = max_disparity_px

    def __call__(self, source: Source) -> torch.Tensor:
        data = read_source(source, self.kind, self.limits.max_bytes)
        with pixels_in_flight(self.limits, data):
            if is_npy(data):
                shape = npy_shape(data, self.kind)
                if len(shape) >= 2:
                    check_image_size((shape[-1], shape[-2]), self.kind, self.limits)
                normalized = self._normalize_array(load_npy(data, self.kind))
            else:
                normalized = self._normalize_image(open_image(data, self.kind, self.limits))
            tensor = torch.from_numpy(resize_center_crop_map(normalized, IMAGE_SIZE)[None])
        return require_finite(tensor, self.kind)

    def normalized_disparity(self, depth: np.ndarray, metres_per_unit: float = 1.0) -> np.ndarray:
        """Metric depth (in metres, or units of `metres_per_unit`) -> normalized disparity in
        [0, 1]; invalid depth gives 0."""
        depth = np.asarray(depth, dtype=np.float64) * metres_per_unit
        valid = np.isfinite(depth) & (depth > 0)
        disparity = np.zeros(depth.shape)
        np.divide(self.baseline_m * self.focal_px, depth, out=disparity, where=valid)
        return np.minimum(disparity / self.max_disparity_px, 1.0).astype(np.float32)

    def _normalize_array(self, array: np.ndarray) -> np.ndarray:
        if array.ndim == 3 and array.shape[-1] == 1:
            array = array[..., 0]
        elif array.ndim == 3 and array.shape[0] == 1:
            array = array[0]
        if array.ndim != 2:
            raise InputError(f"depth: expected a 2-D depth array, got shape {array.shape}")
        check_image_size((array.shape[1], array.shape[0]), self.kind, self.limits)
        if array.dtype == np.uint8:
            return array.astype(np.float32) / 255
        if np.issubdtype(array.dtype, np.integer):
            return self.normalized_disparity(array, MILLIMETRE)
        return self.normalized_disparity(array)

    def _normalize_image(self, image: Image.Image) -> np.ndarray:
        values = high_bit_depth_array(image)
        if values is None:
            return np.asarray(image.convert("L"), dtype=np.float32) / 255
        if image.mode == "F":
            return self.normalized_disparity(values)
        return self.normalized_disparity(values, MILLIMETRE)
