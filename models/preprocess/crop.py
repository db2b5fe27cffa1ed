"""Short-side resize followed by a center crop (torchvision `Resize(size)` + `CenterCrop(size)`).

The short side becomes `size`, the long side `int(size * long / short)` (truncated), and the crop
starts at `int(round((resized - size) / 2))`; Pillow does the resampling, exactly as torchvision
does for PIL images, so results match the reference bit for bit.

An extreme aspect ratio (beyond `EXACT_MAX_ASPECT`, e.g. a 1 x 10000 strip) would make the
intermediate resized image huge; for those Pillow resizes only the source window that maps onto
the crop (`Image.resize(box=...)`), which costs no more than a square image and differs from the
full resize only by rounding (Pillow handles box coordinates in single precision).
"""

from __future__ import annotations

import numpy as np
from PIL import Image

EXACT_MAX_ASPECT = 32
"""Long/short side ratio up to which the whole image is resized before cropping."""


def resized_size(width: int, height: int, size: int) -> tuple[int, int]:
    """(width, height) after scaling the short side to `size` (long side truncated)."""
    if width <= height:
        return size, int(size * height / width)
    return int(size * width / height), size


def center_crop_offset(length: int, size: int) -> int:
    """Start of a centered window of `size` in `length` (torchvision's rounding)."""
    return int(round((length - size) / 2.0))


def resize_center_crop(image: Image.Image, size: int, resample: int) -> Image.Image:
    """Resize the short side of `image` to `size` and take the centered `size` x `size` square."""
    width, height = image.size
    new_width, new_height = resized_size(width, height, size)
    left = center_crop_offset(new_width, size)
    top = center_crop_offset(new_height, size)
    if new_width * new_height <= EXACT_MAX_ASPECT * size * size:
        resized = image.resize((new_width, new_height), resample)
        return resized.crop((left, top, left + size, top + size))
    box = (
        left * width / new_width,
        top * height / new_height,
        (left + size) * width / new_width,
        (top + size) * height / new_height,
    )
    return image.resize((size, size), resample, box=box)


def resize_center_crop_map(values: np.ndarray, size: int) -> np.ndarray:
    """A 2-D float map resized (antialiased bilinear) and center-cropped to (size, size) float32.

    Bilinear weights are non-negative, so the result stays within the input's value range.
    """
    image = Image.fromarray(np.ascontiguousarray(values, dtype=np.float32))
    return np.array(resize_center_crop(image, size, Image.Resampling.BILINEAR), dtype=np.float32)
