"""Image files to the vision encoder's input: a (3, 224, 224) float32 tensor.

Contract (the reference ImageBind/CLIP transform):

1. Decode any format Pillow opens (JPEG, PNG, WebP, GIF, BMP, TIFF, ...); animated files give their
   first frame; the EXIF orientation tag is applied (`ImageOps.exif_transpose`).
2. Convert to RGB. 16-bit and 32-bit single-channel images are first scaled to 8 bits
   (value / 257, rounded; a 32-bit integer or float image whose values all fit in 0..255 is taken
   as 8-bit). Alpha is dropped by default, which is what the reference does (the colour stored
   under transparent pixels is kept); pass `background=(r, g, b)` to composite onto a colour.
3. Resize the short side to 224 with Pillow's antialiased bicubic filter (long side truncated) and
   take the centered 224 x 224 crop (torchvision `Resize(224)` + `CenterCrop(224)`). A model trained
   at another resolution (e.g. a 336-pixel OpenCLIP anchor) passes its `size`.
4. Scale to [0, 1] and normalize per channel with the CLIP mean (0.48145466, 0.4578275, 0.40821073)
   and std (0.26862954, 0.26130258, 0.27577711), or the model's own `mean` and `std`.

The result matches the reference preprocessing to within float32 rounding (the fixture images
agree to 1e-5 per element).
"""

from __future__ import annotations

import numpy as np
import torch
from PIL import Image

from bindspace.models.preprocess.crop import resize_center_crop
from bindspace.models.preprocess.finite import require_finite
from bindspace.models.preprocess.image_file import SIXTEEN_BIT_MODES, high_bit_depth_array, open_image
from bindspace.models.preprocess.base import Preprocessor
from bindspace.models.preprocess.limits import InputLimits
from bindspace.models.preprocess.pixel_budget import pixels_in_flight
from bindspace.models.preprocess.source import Source, read_source

IMAGE_SIZE = 224
CLIP_MEAN = (0.48145466, 0.4578275, 0.40821073)
CLIP_STD = (0.26862954, 0.26130258, 0.27577711)
ALPHA_MODES = ("RGBA", "RGBa", "LA", "La", "PA")


class ImagePreprocessor(Preprocessor):
    """Callable turning one image file (bytes or path) into a normalized (3, size, size) tensor."""

    kind = "image"

    def __init__(
        self,
        limits: InputLimits | None = None,
        *,
        background: tuple[int, int, int] | None = None,
        size: int = IMAGE_SIZE,
        mean: tuple[float, float, float] = CLIP_MEAN,
        std: tuple[float, float, float] = CLIP_STD,
    ) -> None:
        super().__init__(limits)
        self.background = background
        self.size = size
        self._mean = np.array(mean, dtype=np.float32).reshape(3, 1, 1)
        self._std = np.array(std, dtype=np.float32).reshape(3, 1, 1)

    def __call__(self, source: Source) -> torch.Tensor:
        data = read_source(source, self.kind, self.limits.max_bytes)
        with pixels_in_flight(self.limits, data):
            return require_finite(self.transform(open_image(data, self.kind, self.limits)), self.kind)

    def transform(self, image: Image.Image) -> torch.Tensor:
        """The tensor for an already decoded PIL image (any mode)."""
        rgb = rgb_image(image, self.background)
        crop = resize_center_crop(rgb, self.size, Image.Resampling.BICUBIC)
        # NumPy rather than torch: single-threaded small ops avoid thread-pool overhead.
        pixels = np.asarray(crop, dtype=np.uint8).transpose(2, 0, 1).astype(np.float32) / 255
        return torch.from_numpy((pixels - self._mean) / self._std)


def rgb_image(image: Image.Image, background: tuple[int, int, int] | None = None) -> Image.Image:
    """`image` as 8-bit RGB; alpha dropped, or composited onto `background` when given."""
    deep = high_bit_depth_array(image)
    if deep is not None:
        image = Image.fromarray(eight_bit(deep, image.mode), "L")
    has_alpha = image.mode in ALPHA_MODES or "transparency" in image.info
    if background is not None and has_alpha:
        canvas = Image.new("RGBA", image.size, (*background, 255))
        canvas.alpha_composite(image.convert("RGBA"))
        image = canvas
    return image.convert("RGB")


def eight_bit(values: np.ndarray, mode: str) -> np.ndarray:
    """Single-channel values deeper than 8 bits scaled to uint8 (16-bit range -> 0..255)."""
    values = np.nan_to_num(values, nan=0.0, posinf=65535.0, neginf=0.0)
    scale = 257.0 if mode in SIXTEEN_BIT_MODES or values.max() > 255 else 1.0
    return np.clip(np.rint(values / scale), 0, 255).astype(np.uint8)
