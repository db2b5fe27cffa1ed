"""Size limits applied to every input before and while it is decoded.

Each limit is checked as early as the format allows: file sizes before reading, image dimensions
from the header before any pixel is decoded, audio and video durations from the container before
any sample is decoded. A violated limit raises `InputError` naming the value and the limit, e.g.
``audio: 7200.0 s exceeds the 600 s limit``.

The defaults suit a public service on a CPU: large enough for phone photos (up to 50 MP), 4K video
and ten-minute recordings, small enough that one request cannot exhaust memory.
"""

from __future__ import annotations

from dataclasses import dataclass

MIB = 1024 * 1024


@dataclass(frozen=True)
class InputLimits:
    """Upper bounds on one input; every preprocessor takes one of these."""

    max_bytes: int = 32 * MIB
    """Largest encoded input (file or request body) of every kind except video."""
    max_video_bytes: int = 256 * MIB
    """Largest encoded video; a video given as a path is opened in place, not read into memory."""
    max_image_pixels: int = 50_000_000
    """Largest width x height of an image, depth map or thermal image (decompression bombs)."""
    max_pixels_in_flight: int = 100_000_000
    """Most image, depth and thermal pixels being decoded at once in the process, across all requests
    (see `pixel_budget`); further images wait their turn."""
    max_image_side: int = 16_384
    """Largest width or height of an image, depth map, thermal image or video frame."""
    max_video_pixels: int = 3840 * 2160
    """Largest width x height of a video frame (4K UHD)."""
    max_audio_seconds: float = 600.0
    """Longest audio recording."""
    max_audio_channels: int = 8
    """Most audio channels (7.1 surround)."""
    max_video_seconds: float = 3600.0
    """Longest video; only ten frames are decoded, so long videos stay cheap."""
    max_imu_samples: int = 100_000
    """Most IMU time steps (rows) before resampling."""
    max_text_chars: int = 16_384
    """Longest text in characters; text beyond 77 tokens is truncated, so this only bounds work."""

    def __post_init__(self) -> None:
        for name, value in vars(self).items():
            if not value > 0:
                raise ValueError(f"InputLimits.{name} must be positive, got {value!r}")
