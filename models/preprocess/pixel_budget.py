"""A process-wide bound on the pixels being decoded at once, across all requests and threads.

Each image, depth map or thermal image holds its pixel count (from the file's header) from the budget
while it is decoded and preprocessed, and waits while the budget cannot cover it. Memory for decoded
pixels is therefore bounded by `InputLimits.max_pixels_in_flight` however many large images arrive
together, instead of by the number of preprocessing threads times the largest image. An image larger
than the whole budget waits until it has the budget to itself.

When the last decode in flight ends, after at least `TRIM_AFTER_PIXELS` were decoded, the C heap is
trimmed (glibc's `malloc_trim`): Pillow allocates decoded images in blocks small enough for glibc to
keep after they are freed, so without it a burst of large images leaves the process that much larger
for good. Elsewhere than glibc this is a no-op.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import io
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from math import prod

from PIL import Image

from bindspace.models.preprocess.limits import InputLimits
from bindspace.models.preprocess.npy_file import is_npy, npy_shape

TRIM_AFTER_PIXELS = 16_000_000
"""Pixels decoded since the last trim after which an idle budget gives the freed heap back to the system."""


class PixelBudget:
    """Pixels that may be decoded at once; `hold` blocks until its share is free."""

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self._in_use = 0
        self._since_trim = 0
        self._changed = threading.Condition()

    @property
    def in_use(self) -> int:
        """Pixels held right now."""
        return self._in_use

    @contextmanager
    def hold(self, pixels: int) -> Iterator[None]:
        """Hold `pixels` (at most the whole budget) for the duration of the block."""
        share = max(0, min(pixels, self.capacity))
        with self._changed:
            self._changed.wait_for(lambda: self._in_use + share <= self.capacity)
            self._in_use += share
        try:
            yield
        finally:
            with self._changed:
                self._in_use -= share
                self._since_trim += share
                trim = self._in_use == 0 and self._since_trim >= TRIM_AFTER_PIXELS
                if trim:
                    self._since_trim = 0
                self._changed.notify_all()
            if trim:
                release_free_heap()


@cache
def _malloc_trim() -> ctypes._CFuncPtr | None:
    libc = ctypes.util.find_library("c")
    function = getattr(ctypes.CDLL(libc), "malloc_trim", None) if libc else None
    if function is not None:
        function.argtypes, function.restype = [ctypes.c_size_t], ctypes.c_int
    return function


def release_free_heap() -> None:
    """Return the C heap's free memory to the system, where the C library can (glibc's malloc_trim)."""
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


@cache
def shared_budget(capacity: int) -> PixelBudget:
    """The one budget of this process for `capacity` (preprocessors built with equal limits share it)."""
    return PixelBudget(capacity)


def declared_pixels(data: bytes) -> int:
    """Width x height that an image file's header or an .npy header declares; 0 when unreadable (the
    decoder then reports the problem)."""
    try:
        if is_npy(data):
            shape = npy_shape(data, "image")
            return prod(shape[-2:]) if len(shape) >= 2 else 0
        with Image.open(io.BytesIO(data)) as image:
            return image.width * image.height
    except Exception:  # noqa: BLE001 - any unreadable header is the decoder's to report
        return 0


@contextmanager
def pixels_in_flight(limits: InputLimits, data: bytes) -> Iterator[None]:
    """Hold the pixels `data` declares from the process's budget for `limits` while the block runs."""
    with shared_budget(limits.max_pixels_in_flight).hold(declared_pixels(data)):
        yield
