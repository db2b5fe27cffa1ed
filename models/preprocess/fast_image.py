"""Image files to a convolutional image tower's input, decoded and resized for speed.

Contract: like `ImagePreprocessor` (formats, EXIF orientation, RGB conversion, alpha) up to the
resize, then:
1. JPEGs are decoded in draft mode at the smallest 1/2, 1/4 or 1/8 scale whose short side is still
   at least `DRAFT_MARGIN` x `size` (the decoder skips detail the resize throws away anyway). With a
   smaller margin the DCT-domain scaling shows: at 2x the towers model's embeddings of 2250 x 1500
   photos fell to cosine 0.996 of the exact path.
2. Only the crop's source window is resized (Pillow's `box`), short side to `size`, with the
   antialiased bicubic filter, on float32 channels: rounding the resized image to uint8 alone moved
   the ConSE embeddings of large photos to cosine 0.981 of the float result.
3. Normalised per channel with `mean` and `std` (EfficientNet-Lite: mean = std = 0.5, i.e. [-1, 1]).
The towers model's image embeddings stay within cosine 0.999 of those of an exact float resize of the
fully decoded image (tests/test_preprocess_fast_image.py).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from PIL import Image

from bindspace.models.preprocess.base import Preprocessor
from bindspace.models.preprocess.crop import center_crop_offset, resized_size
from bindspace.models.preprocess.image import rgb_image
from bindspace.models.preprocess.image_file import open_image
from bindspace.models.preprocess.limits import InputLimits
from bindspace.models.preprocess.source import Source, read_source

DRAFT_MARGIN = 4


class FastImagePreprocessor(Preprocessor):
    """Callable turning one image file (bytes or path) into a normalised (3, size, size) tensor."""

    kind = "image"

    def __init__(
        self,
        limits: InputLimits | None = None,
        *,
        size: int = 224,
        mean: Sequence[float] = (0.5, 0.5, 0.5),
        std: Sequence[float] = (0.5, 0.5, 0.5),
        background: tuple[int, int, int] | None = None,
    ) -> None:
        if not isinstance(size, int) or size < 1:
            raise ValueError(f"size must be a positive integer, got {size!r}")
        if len(mean) != 3 or len(std) != 3 or not all(s > 0 for s in std):
            raise ValueError(f"mean and std need three values each, std positive; got {mean!r} and {std!r}")
        super().__init__(limits)
        self.size = size
        self.background = background
        # Folded into one multiply-add on the 0..255 values: (x / 255 - mean) / std.
        self._scale = (1 / (255 * np.asarray(std, dtype=np.float32))).reshape(3, 1, 1)
        self._shift = (-np.asarray(mean, dtype=np.float32) / np.asarray(std, dtype=np.float32)).reshape(3, 1, 1)

    def __call__(self, source: Source) -> torch.Tensor:
        data = read_source(source, self.kind, self.limits.max_bytes)
        return self.transform(open_image(data, self.kind, self.limits, draft_short_side=DRAFT_MARGIN * self.size))

    def transform(self, image: Image.Image) -> torch.Tensor:
        rgb = rgb_image(image, self.background)
        width, height = rgb.size
        new_width, new_height = resized_size(width, height, self.size)
        left, top = center_crop_offset(new_width, self.size), center_crop_offset(new_height, self.size)
        box = (left * width / new_width, top * height / new_height,
               (left + self.size) * width / new_width, (top + self.size) * height / new_height)
        channels = [
            np.asarray(Image.fromarray(np.asarray(channel, dtype=np.float32), "F").resize(
                (self.size, self.size), Image.Resampling.BICUBIC, box=box), dtype=np.float32)
            for channel in rgb.split()
        ]
        return torch.from_numpy(np.stack(channels) * self._scale + self._shift)
