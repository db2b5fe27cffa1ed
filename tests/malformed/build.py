"""The malformed-media corpus: crafted files of every input kind, each with the answer the service owes it.

    python tests/malformed/build.py OUT_DIR      # writes every file and OUT_DIR/manifest.json

Nothing is committed but this script: every file is generated (deterministically) when needed, so the
large ones (a million-row IMU CSV, 1 MB of text, compressed decompression bombs) cost nothing in the
repository. Each `Case` names its input kind(s), the media type a client would send, and either a
regular expression the error message must match (the case must be refused with a 4xx) or `None` (the
file is extreme but within the limits, and must be accepted). Decisions on the borderline cases are
recorded in `note` and in docs/reliability.md.
"""

from __future__ import annotations

import argparse
import io
import json
import struct
import sys
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np


@dataclass(frozen=True)
class Case:
    """One crafted input. `expect` is a regex for the error message, or None when it must be accepted."""

    name: str
    kinds: tuple[str, ...]
    make: Callable[[], bytes | str]
    expect: str | None
    media_type: str = "application/octet-stream"
    extension: str = "bin"
    note: str = ""

    @property
    def accepted(self) -> bool:
        return self.expect is None

    def payload(self) -> bytes | str:
        """The file's bytes (or, for text given as a string, the string)."""
        return self.make()


# -- valid media to damage --------------------------------------------------------------------------

def _rng(seed: int) -> np.random.Generator:
    return np.random.default_rng(seed)


def encode_image(pixels: np.ndarray, fmt: str, **options) -> bytes:
    """`pixels` (uint8 H x W x 3, or float32 H x W for a mode-F image) in format `fmt`."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format=fmt, **options)
    return buffer.getvalue()


@cache
def photo_jpeg() -> bytes:
    return encode_image(_rng(1).integers(0, 255, (96, 128, 3), dtype=np.uint8), "JPEG", quality=90)


@cache
def photo_png() -> bytes:
    return encode_image(_rng(2).integers(0, 255, (96, 128, 3), dtype=np.uint8), "PNG")


def encode_audio(signal: np.ndarray, rate: int, fmt: str = "WAV", subtype: str | None = None) -> bytes:
    import soundfile

    buffer = io.BytesIO()
    soundfile.write(buffer, signal, rate, format=fmt, subtype=subtype)
    return buffer.getvalue()


def tone(seconds: float, rate: int, channels: int = 1) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    wave = (0.3 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)
    return np.repeat(wave[:, None], channels, axis=1) if channels > 1 else wave


@cache
def speech_wav() -> bytes:
    return encode_audio(tone(3.0, 16_000), 16_000, subtype="PCM_16")


@cache
def speech_flac() -> bytes:
    return encode_audio(tone(3.0, 16_000), 16_000, "FLAC")


@cache
def speech_ogg() -> bytes:
    return encode_audio(tone(3.0, 16_000), 16_000, "OGG", "VORBIS")


@cache
def clip_mp4() -> bytes:
    import av

    rng = _rng(3)
    buffer = io.BytesIO()
    with av.open(buffer, mode="w", format="mp4") as container:
        stream = container.add_stream("mpeg4", rate=10)
        stream.width, stream.height, stream.pix_fmt = 64, 48, "yuv420p"
        for _ in range(30):
            frame = av.VideoFrame.from_ndarray(rng.integers(0, 255, (48, 64, 3), dtype=np.uint8), format="rgb24")
            container.mux(stream.encode(frame))
        container.mux(stream.encode())
    return buffer.getvalue()


def npy(array: np.ndarray, allow_pickle: bool = False) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=allow_pickle)
    return buffer.getvalue()


def npy_header(shape: tuple[int, ...], descr: str = "<u2") -> bytes:
    """An .npy header declaring an array of `shape` with none of its data."""
    buffer = io.BytesIO()
    np.lib.format.write_array_header_1_0(buffer, {"descr": descr, "fortran_order": False, "shape": shape})
    return buffer.getvalue()


# -- crafted containers -----------------------------------------------------------------------------

def png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)


def png(width: int, height: int, idat: bytes, *, color_type: int = 0, depth: int = 8) -> bytes:
    header = struct.pack(">IIBBBBB", width, height, depth, color_type, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", header) + png_chunk(b"IDAT", idat) + png_chunk(b"IEND", b"")


def png_bomb(width: int, height: int) -> bytes:
    """A complete, valid 1-bit grayscale PNG of zeros: (width/8 + 1) x height bytes inflate from a few KB."""
    compressor = zlib.compressobj(9)
    row = b"\x00" * (1 + (width + 7) // 8)
    parts = [compressor.compress(row) for _ in range(height)]
    parts.append(compressor.flush())
    return png(width, height, b"".join(parts), depth=1)


def gif_screen(width: int, height: int) -> bytes:
    """A GIF whose logical screen and only image claim `width` x `height`, with one pixel of LZW data."""
    screen = b"GIF89a" + struct.pack("<HHBBB", width, height, 0x80, 0, 0) + b"\x00\x00\x00\xff\xff\xff"
    descriptor = b"," + struct.pack("<HHHHB", 0, 0, width, height, 0)
    return screen + descriptor + b"\x02\x02\x4c\x01\x00;"


def gif_bomb(side: int) -> bytes:
    """A real GIF of `side` x `side` zeros encoded by Pillow (LZW shrinks it about a thousand times)."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("P", (side, side), 0).save(buffer, format="GIF")
    return buffer.getvalue()


def bmp_header(width: int, height: int) -> bytes:
    """A 24-bit BMP header claiming `width` x `height` pixels, followed by a few bytes of pixel data."""
    info = struct.pack("<IiiHHIIiiII", 40, width, height, 1, 24, 0, 0, 2835, 2835, 0, 0)
    return b"BM" + struct.pack("<IHHI", 54 + 16, 0, 0, 54) + info + b"\x00" * 16


def wav(rate: int, channels: int, data: bytes, *, declared: int | None = None, bits: int = 16) -> bytes:
    """A PCM WAV file holding `data`, whose `data` chunk declares `declared` bytes (default: the truth)."""
    block = channels * bits // 8
    fmt = struct.pack("<HHIIHH", 1, channels, rate, rate * block, block, bits)
    size = len(data) if declared is None else declared
    body = b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt + b"data" + struct.pack("<I", size) + data
    return b"RIFF" + struct.pack("<I", len(body)) + body


def float_tiff_with_nan() -> bytes:
    values = np.full((32, 32), 30.0, dtype=np.float32)
    values[3, 4] = np.nan
    values[10, 10] = np.inf
    return encode_image(values, "TIFF")


def csv(rows: list[list[object]], header: bool = True) -> bytes:
    lines = (["acc_x,acc_y,acc_z,gyro_x,gyro_y,gyro_z"] if header else []) + [",".join(map(str, r)) for r in rows]
    return ("\n".join(lines) + "\n").encode()


def imu_rows(count: int, seed: int = 4) -> list[list[float]]:
    return np.round(_rng(seed).standard_normal((count, 6)), 4).tolist()


def million_row_imu() -> bytes:
    return b"acc_x,acc_y,acc_z,gyro_x,gyro_y,gyro_z\n" + b"0,0,9.8,0,0,0\n" * 1_000_000


IMAGE_KINDS = ("image", "depth", "thermal")

CASES: list[Case] = [
    # Images (the image, depth and thermal kinds all decode image files with the same limits).
    Case("empty-image", IMAGE_KINDS, lambda: b"", r"empty", "image/png", "png"),
    Case("jpeg-truncated", IMAGE_KINDS, lambda: photo_jpeg()[: len(photo_jpeg()) // 3],
         r"cannot decode the image.*truncated", "image/jpeg", "jpg"),
    Case("jpeg-header-only", IMAGE_KINDS, lambda: photo_jpeg()[:20], r"cannot decode|not a recognised image",
         "image/jpeg", "jpg"),
    Case("png-truncated", IMAGE_KINDS, lambda: photo_png()[: len(photo_png()) // 2], r"cannot decode the image",
         "image/png", "png"),
    Case("png-wrong-magic", IMAGE_KINDS, lambda: b"\x00PNG" + photo_png()[4:], r"not a recognised image format",
         "image/png", "png"),
    Case("jpeg-wrong-magic", IMAGE_KINDS, lambda: b"\x00\x00" + photo_jpeg()[2:], r"not a recognised image format",
         "image/jpeg", "jpg"),
    Case("png-bad-crc", ("image",), lambda: photo_png()[:29] + b"\x00\x00\x00\x00" + photo_png()[33:],
         r"cannot decode|not a recognised image format", "image/png", "png", note="a corrupt IHDR checksum"),
    Case("png-zero-width", ("image",), lambda: png(0, 10, zlib.compress(b"\x00" * 10)),
         r"cannot decode|zero size|not a recognised image format", "image/png", "png"),
    Case("png-bomb-100000-side", IMAGE_KINDS, lambda: png(100_000, 100_000, zlib.compress(b"\x00" * 64)),
         r"100000x100000.*(pixel side limit|pixel limit)|exceeds the \d+ pixel limit"
         r"|larger than the limit of \d+ pixels", "image/png", "png",
         note="a header claiming 10^10 pixels; refused before any pixel is decoded"),
    Case("png-bomb-12000-square", IMAGE_KINDS, lambda: png_bomb(12_000, 12_000),
         r"12000x12000 = 144000000 pixels exceeds the 50000000 pixel limit", "image/png", "png",
         note="a complete 1-bit PNG (18 MB of pixel rows inflated from ~20 KB); 144 MP is over the 50 MP limit"),
    Case("gif-bomb-screen", IMAGE_KINDS, lambda: gif_screen(65_535, 65_535),
         r"exceeds the 50000000 pixel limit|larger than the limit of 50000000 pixels", "image/gif", "gif"),
    Case("gif-bomb-lzw", ("image",), lambda: gif_bomb(7_200),
         r"7200x7200 = 51840000 pixels exceeds the 50000000 pixel limit", "image/gif", "gif",
         note="a complete GIF of 51.8 MP zeros, about 70 KB compressed"),
    Case("bmp-huge-header", IMAGE_KINDS, lambda: bmp_header(30_000, 30_000),
         r"exceeds the 50000000 pixel limit|larger than the limit of 50000000 pixels", "image/bmp", "bmp"),
    Case("text-as-image", IMAGE_KINDS, lambda: b"this is a caption, not a picture", r"not a recognised image format",
         "image/png", "png"),
    Case("svg-image", ("image",), lambda: b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>',
         r"not a recognised image format", "image/svg+xml", "svg", note="vector formats are not decoded"),
    Case("webp-truncated", ("image",), lambda: encode_image(np.zeros((64, 64, 3), np.uint8), "WEBP")[:40],
         r"cannot decode|not a recognised image", "image/webp", "webp"),
    Case("image-1x1", IMAGE_KINDS, lambda: encode_image(np.full((1, 1, 3), 200, np.uint8), "PNG"), None,
         "image/png", "png", note="accepted: one pixel is upscaled to 224 x 224"),
    # Depth maps as arrays.
    Case("depth-npy-20000-square", ("depth",), lambda: npy_header((20_000, 20_000)),
         r"20000x20000 image exceeds the 16384 pixel side limit", "application/x-npy", "npy",
         note="the header alone claims 800 MB; refused from the header"),
    Case("depth-npy-1x1", ("depth",), lambda: npy(np.array([[1500]], dtype=np.uint16)), None,
         "application/x-npy", "npy", note="accepted: a 1 x 1 map (1.5 m) is upscaled"),
    Case("depth-npy-pickled-objects", ("depth", "imu"), lambda: npy(np.array([{"a": 1}, None], dtype=object), True),
         r"cannot read the \.npy array|pickle", "application/x-npy", "npy",
         note="object arrays would need pickle, which is never loaded"),
    Case("depth-npy-3d", ("depth",), lambda: npy(np.zeros((2, 8, 8), np.float32)), r"expected a 2-D depth array",
         "application/x-npy", "npy"),
    Case("depth-npy-truncated", ("depth", "imu"), lambda: npy(np.zeros((64, 64), np.float32))[:300],
         r"cannot read the \.npy array", "application/x-npy", "npy"),
    Case("depth-npy-bad-header", ("depth", "imu"), lambda: b"\x93NUMPY\x01\x00\x10\x00{'descr': <<<}   \n",
         r"cannot read the \.npy", "application/x-npy", "npy"),
    Case("depth-npy-complex", ("depth",), lambda: npy(np.zeros((8, 8), np.complex64)), r"non-numeric dtype",
         "application/x-npy", "npy"),
    Case("depth-npy-all-nan", ("depth",), lambda: npy(np.full((8, 8), np.nan, np.float32)), None,
         "application/x-npy", "npy", note="accepted: NaN depth means 'no measurement' (disparity 0), as documented"),
    # Thermal.
    Case("thermal-float-nan", ("thermal",), float_tiff_with_nan, r"NaN or infinite", "image/tiff", "tif"),
    # Audio.
    Case("empty-audio", ("audio",), lambda: b"", r"empty", "audio/wav", "wav"),
    Case("wav-truncated", ("audio",), lambda: speech_wav()[: len(speech_wav()) // 2], r"truncated WAV file",
         "audio/wav", "wav"),
    Case("wav-claims-hours", ("audio",), lambda: wav(16_000, 1, b"\x00\x00" * 1600, declared=2 * 3600 * 32_000),
         r"7200\.0 s \(declared by the WAV header\) exceeds the 600 s limit", "audio/wav", "wav",
         note="3 KB whose header declares two hours"),
    Case("wav-11-minutes", ("audio",), lambda: wav(1_000, 1, b"\x80" * 660_000, bits=8),
         r"660\.0 s .*exceeds the 600 s limit", "audio/wav", "wav", note="a real 11-minute recording (1 kHz, 8 bit)"),
    Case("wav-zero-frames", ("audio",), lambda: wav(16_000, 1, b""), r"no samples|zero length|cannot decode",
         "audio/wav", "wav"),
    Case("wav-too-short", ("audio",), lambda: wav(16_000, 1, b"\x01\x00" * 160), r"too short", "audio/wav", "wav"),
    Case("wav-rate-500", ("audio",), lambda: wav(500, 1, b"\x00\x00" * 2000), r"sample rate 500 Hz outside",
         "audio/wav", "wav"),
    Case("wav-9-channels", ("audio",), lambda: wav(16_000, 9, b"\x00\x00" * 9 * 16_000),
         r"9 channels outside 1\.\.8", "audio/wav", "wav"),
    Case("wav-96k-8-channels", ("audio",), lambda: encode_audio(tone(1.0, 96_000, 8), 96_000, subtype="PCM_16"),
         None, "audio/wav", "wav",
         note="accepted: 96 kHz is resampled to 16 kHz and 8 channels is the default channel limit (7.1)"),
    Case("flac-truncated", ("audio",), lambda: speech_flac()[: len(speech_flac()) // 2],
         r"cannot decode|truncated", "audio/flac", "flac"),
    Case("ogg-truncated", ("audio",), lambda: speech_ogg()[: len(speech_ogg()) // 3],
         r"cannot decode|truncated", "audio/ogg", "ogg"),
    Case("audio-wrong-magic", ("audio",), lambda: b"RIFX" + speech_wav()[4:], r"cannot decode", "audio/wav", "wav"),
    Case("mp4-as-audio", ("audio",), clip_mp4, r"cannot decode", "audio/mp4", "m4a"),
    # Video.
    Case("empty-video", ("video",), lambda: b"", r"empty", "video/mp4", "mp4"),
    Case("mp4-truncated", ("video",), lambda: clip_mp4()[: len(clip_mp4()) // 2], r"cannot decode", "video/mp4",
         "mp4"),
    Case("mp4-header-only", ("video",), lambda: clip_mp4()[:32], r"cannot decode", "video/mp4", "mp4"),
    Case("video-wrong-magic", ("video",), lambda: b"\x00" * 16 + clip_mp4()[16:], r"cannot decode|no video stream|duration",
         "video/mp4", "mp4", note="FFmpeg finds a raw stream without a duration in what is left"),
    Case("wav-as-video", ("video",), speech_wav, r"no video stream", "video/mp4", "mp4"),
    Case("garbage-video", ("video",), lambda: _rng(5).integers(0, 255, 4096, dtype=np.uint8).tobytes(),
         r"cannot decode", "video/webm", "webm"),
    # IMU.
    Case("empty-imu", ("imu",), lambda: b"", r"empty", "text/csv", "csv"),
    Case("imu-nan", ("imu",), lambda: csv(imu_rows(50)[:10] + [[0.1, "nan", 9.8, 0, 0, 0]] + imu_rows(20)),
         r"non-finite value nan at sample 11, channel 2", "text/csv", "csv"),
    Case("imu-inf", ("imu",), lambda: csv(imu_rows(30) + [[0.1, 0.2, "inf", 0, 0, 0]]),
         r"non-finite value inf at sample 31, channel 3", "text/csv", "csv"),
    Case("imu-non-numeric", ("imu",), lambda: csv(imu_rows(5) + [[0.1, 0.2, "abc", 0, 0, 0]]),
         r"non-numeric value 'abc' at data row 6, column 3", "text/csv", "csv"),
    Case("imu-one-row", ("imu",), lambda: csv(imu_rows(1)), r"at least 2 samples are needed, got 1", "text/csv",
         "csv"),
    Case("imu-million-rows", ("imu",), million_row_imu, r"1000001 rows exceed the 100000 sample limit",
         "text/csv", "csv", note="14 MB of CSV (19 MB as base64, under the 32 MiB body limit), generated at test time"),
    Case("imu-five-columns", ("imu",), lambda: csv([r[:5] for r in imu_rows(40)], header=False),
         r"expected 6 columns .*got 5", "text/csv", "csv"),
    Case("imu-ragged", ("imu",), lambda: csv(imu_rows(10) + [[1, 2, 3]]), r"differing numbers of columns",
         "text/csv", "csv"),
    Case("imu-header-only", ("imu",), lambda: csv([]), r"only a header row", "text/csv", "csv"),
    Case("imu-binary", ("imu",), lambda: b"\xff\xfe\x00\x01" * 64, r"not UTF-8", "text/csv", "csv"),
    Case("imu-json-nesting", ("imu",), lambda: b"[" * 100_000, r"invalid JSON", "application/json", "json",
         note="100000 nested lists: the JSON parser's recursion limit becomes a clear error"),
    Case("imu-npy-7-columns", ("imu",), lambda: npy(np.zeros((100, 7), np.float32)), r"expected 6 columns",
         "application/x-npy", "npy"),
    # Text.
    Case("text-1mb", ("text",), lambda: "lorem ipsum " * 87_382, r"1048584 characters exceed the 16384 character limit",
         "text/plain", "txt", note="1 MB of text, generated at test time"),
    Case("text-invalid-utf8", ("text",), lambda: b"caf\xe9 \xff\xfe broken", r"not UTF-8|invalid UTF-8",
         "text/plain", "txt"),
    Case("text-unpaired-surrogate", ("text",), lambda: "before \ud800 after", r"unpaired surrogate|hex escape",
         "text/plain", "txt", note="sent as the JSON escape \\ud800; /v1/embed's strict JSON parser refuses "
         "the body (400), the other routes refuse the text (422)"),
]


def build(directory: Path) -> list[Path]:
    """Write every case (one file per case and kind) and a manifest; returns the files."""
    directory.mkdir(parents=True, exist_ok=True)
    written, manifest = [], []
    for case in CASES:
        payload = case.payload()
        data = payload.encode("utf-8", "surrogatepass") if isinstance(payload, str) else payload
        path = directory / f"{case.name}.{case.extension}"
        path.write_bytes(data)
        written.append(path)
        manifest.append({"file": path.name, "kinds": list(case.kinds), "media_type": case.media_type,
                         "expect": case.expect, "note": case.note, "bytes": len(data)})
    (directory / "manifest.json").write_text(json.dumps(manifest, indent=1))
    return written


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="Write the malformed-media corpus.")
    parser.add_argument("directory", type=Path)
    files = build(parser.parse_args().directory)
    print(f"{len(files)} files written", file=sys.stderr)
