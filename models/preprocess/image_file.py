"""Decoding an image file with Pillow under explicit size limits.

Shared by the image, depth and thermal preprocessors. Dimensions are read from the header and
checked against `InputLimits` before any pixel is decoded, so an oversized or bomb-like file
(a PNG claiming 100000 x 100000 pixels in a few bytes) raises `InputError` instead of
exhausting memory. Pillow's own decompression-bomb warning (above `Image.MAX_IMAGE_PIXELS`) is
silenced in favour of that check, as are other decoder warnings about the file (e.g. corrupt
EXIF); Pillow's hard bomb error (above twice that, about 179 megapixels) becomes `InputError`
too, which also caps any configured `max_image_pixels`.

Only the first frame of animated formats (GIF, APNG, WebP) is decoded. The EXIF orientation tag,
when present, is applied.
"""

from __future__ import annotations

import io
import warnings

import numpy as np
from PIL import Image, ImageOps

from bindspace.models.errors import InputError
from bindspace.models.preprocess.limits import InputLimits

SIXTEEN_BIT_MODES = ("I;16", "I;16L", "I;16B", "I;16N")


def open_image(data: bytes, kind: str, limits: InputLimits, *, draft_short_side: int | None = None) -> Image.Image:
    """Decode the first frame of an image file, EXIF orientation applied, in its stored mode.

    `draft_short_side` lets a JPEG decode at a reduced scale (1/2, 1/4, 1/8) whose short side is
    still at least that many pixels.
    """
    try:
        with warnings.catch_warnings():
            # Pillow's warnings (corrupt EXIF, its bomb warning) concern the client's file: it
            # either decodes within the limits checked here or raises. The filter is scoped to
            # Pillow's modules, since the warnings filter list is shared by all threads.
            warnings.filterwarnings("ignore", module=r"PIL\.")
            image = Image.open(io.BytesIO(data))
            check_image_size(image.size, kind, limits)
            if draft_short_side is not None and image.format == "JPEG":
                scale = draft_short_side / min(image.size)
                image.draft(image.mode, (int(image.size[0] * scale) + 1, int(image.size[1] * scale) + 1))
            image.load()
            ImageOps.exif_transpose(image, in_place=True)
    except InputError:
        raise
    except Image.DecompressionBombError as exc:
        raise InputError(  # Pillow's text quotes its own limit; the client needs only the configured one
            f"{kind}: the image is larger than the limit of {limits.max_image_pixels} pixels (width x height); "
            "send a smaller image"
        ) from exc
    except Image.UnidentifiedImageError as exc:
        raise InputError(f"{kind}: not a recognised image format") from exc
    except Exception as exc:  # Pillow raises OSError, SyntaxError, ValueError, ... on bad files
        raise InputError(f"{kind}: cannot decode the image: {exc}") from exc
    return image


def check_image_size(size: tuple[int, int], kind: str, limits: InputLimits) -> None:
    """Reject empty dimensions and those beyond the side or pixel-count limits."""
    width, height = size
    if width <= 0 or height <= 0:
        raise InputError(f"{kind}: image has zero size ({width}x{height})")
    if max(width, height) > limits.max_image_side:
        raise InputError(
            f"{kind}: {width}x{height} image exceeds the {limits.max_image_side} pixel side limit"
        )
    if width * height > limits.max_image_pixels:
        raise InputError(
            f"{kind}: {width}x{height} = {width * height} pixels exceeds the "
            f"{limits.max_image_pixels} pixel limit (decompression bomb?)"
        )


def high_bit_depth_array(image: Image.Image) -> np.ndarray | None:
    """The pixel values of a single-channel image deeper than 8 bits as float32, else None.

    16-bit modes ("I;16*") keep their 0..65535 range; 32-bit integer ("I") and float ("F") images
    keep their values unchanged.
    """
    if image.mode in SIXTEEN_BIT_MODES or image.mode in ("I", "F"):
        return np.asarray(image).astype(np.float32)
    return None
