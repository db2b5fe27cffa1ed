"""Small media files generated in memory for the preprocessing tests."""

from __future__ import annotations

import io
import struct
import zlib
from collections.abc import Callable

import av
import numpy as np
import soundfile
from PIL import Image
from shared_data import SHARED

FIXTURE = SHARED / "fixtures" / "imagebind_reference"
DATA = SHARED / "data"


def image_bytes(image: Image.Image | np.ndarray, fmt: str = "PNG", **save_options) -> bytes:
    if isinstance(image, np.ndarray):
        image = Image.fromarray(image)
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **save_options)
    return buffer.getvalue()


def audio_bytes(
    signal: np.ndarray, rate: int, fmt: str = "WAV", subtype: str | None = None
) -> bytes:
    """`signal` (n,) or (n, channels) in [-1, 1] encoded with soundfile."""
    buffer = io.BytesIO()
    soundfile.write(buffer, signal, rate, format=fmt, subtype=subtype)
    return buffer.getvalue()


def video_bytes(
    draw: Callable[[int], np.ndarray],
    num_frames: int,
    fps: int,
    fmt: str = "mp4",
    codec: str = "libx264",
    rotation: int | None = None,
    gop_size: int | None = None,
    timestamps: list[int] | None = None,
) -> bytes:
    """Encode frames `draw(i)` ((H, W, 3) uint8) at `fps` frames per second.

    `timestamps` (in 1/fps units, one per frame) makes a variable-rate video.
    """
    first = draw(0)
    buffer = io.BytesIO()
    with av.open(buffer, "w", format=fmt) as container:
        stream = container.add_stream(codec, rate=fps)
        stream.height, stream.width = first.shape[:2]
        stream.pix_fmt = "yuv420p"
        if gop_size is not None:
            stream.codec_context.gop_size = gop_size
        if rotation is not None:
            stream.set_display_rotation(rotation)
        for index in range(num_frames):
            frame = av.VideoFrame.from_ndarray(draw(index) if index else first, format="rgb24")
            if timestamps is not None:
                frame.pts = timestamps[index]
            container.mux(stream.encode(frame))
        container.mux(stream.encode())
    return buffer.getvalue()


def index_frame(width: int, height: int, bits: int = 8) -> Callable[[int], np.ndarray]:
    """Frames showing their index in binary: `bits` horizontal bands, white for a set bit.

    Bands survive lossy compression, resizing and horizontal crops, so tests can read back
    which frame ended up where.
    """

    def draw(index: int) -> np.ndarray:
        rows = np.arange(height) * bits // height
        column = np.where((index >> rows) & 1, 255, 0).astype(np.uint8)
        return np.repeat(np.repeat(column[:, None, None], width, axis=1), 3, axis=2)

    return draw


def read_index(frame: np.ndarray, bits: int = 8) -> int:
    """Inverse of `index_frame` for a (H, W) frame of values in [0, 1] (band centers sampled)."""
    height = frame.shape[0]
    centers = (np.arange(bits) * height + height // 2) // bits
    values = frame[centers].mean(axis=1)
    return int(sum(1 << bit for bit, value in enumerate(values) if value > 0.5))


def png_header_only(width: int, height: int) -> bytes:
    """A PNG claiming `width` x `height` 1-bit pixels whose compressed data is a few bytes.

    Decoding it would need width x height / 8 bytes: a decompression bomb.
    """

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 1024))
        + chunk(b"IEND", b"")
    )


def wav_claiming(seconds: float, rate: int = 16_000, present_samples: int = 1600) -> bytes:
    """A 16-bit mono WAV whose header declares `seconds` of audio but holds only a few samples."""
    declared = int(seconds * rate) * 2
    fmt = struct.pack("<HHIIHH", 1, 1, rate, rate * 2, 2, 16)
    data = np.zeros(present_samples, dtype="<i2").tobytes()
    body = b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt + b"data" + struct.pack("<I", declared) + data
    return b"RIFF" + struct.pack("<I", len(body)) + body
