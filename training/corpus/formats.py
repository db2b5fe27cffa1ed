"""File encodings of the corpus' views (all deterministic: same arrays, same bytes)."""

from __future__ import annotations

import io

import numpy as np
import soundfile as sf
from PIL import Image

from .imu import COLUMNS

PNG_COMPRESS_LEVEL = 3


def _png(img: Image.Image) -> bytes:
    buf = io.BytesIO()
    img.save(buf, format="PNG", compress_level=PNG_COMPRESS_LEVEL)
    return buf.getvalue()


def image_png(image: np.ndarray) -> bytes:
    """(H, W, 3) uint8 RGB -> 8-bit RGB PNG."""
    if image.dtype != np.uint8 or image.ndim != 3 or image.shape[2] != 3:
        raise ValueError(f"image must be (H, W, 3) uint8, got {image.shape} {image.dtype}")
    return _png(Image.fromarray(image))


def depth_png(depth: np.ndarray) -> bytes:
    """(H, W) uint16 millimetres -> 16-bit greyscale PNG."""
    if depth.dtype != np.uint16 or depth.ndim != 2:
        raise ValueError(f"depth must be (H, W) uint16, got {depth.shape} {depth.dtype}")
    return _png(Image.fromarray(depth))


def thermal_png(thermal: np.ndarray) -> bytes:
    """(H, W) uint8 -> 8-bit greyscale PNG."""
    if thermal.dtype != np.uint8 or thermal.ndim != 2:
        raise ValueError(f"thermal must be (H, W) uint8, got {thermal.shape} {thermal.dtype}")
    return _png(Image.fromarray(thermal))


def audio_wav(audio: np.ndarray, rate: int) -> bytes:
    """Mono float waveform in [-1, 1] -> 16-bit PCM WAV."""
    if audio.ndim != 1:
        raise ValueError(f"audio must be mono (N,), got shape {audio.shape}")
    buf = io.BytesIO()
    sf.write(buf, np.clip(audio, -1.0, 1.0), rate, subtype="PCM_16", format="WAV")
    return buf.getvalue()


def imu_csv(imu: np.ndarray) -> bytes:
    """(T, 6) -> CSV with the header ``acc_x,acc_y,acc_z,gyro_x,gyro_y,gyro_z`` and T rows."""
    if imu.ndim != 2 or imu.shape[1] != 6:
        raise ValueError(f"imu must be (T, 6), got shape {imu.shape}")
    rows = ("%.5f,%.5f,%.5f,%.5f,%.5f,%.5f\n" * len(imu)) % tuple(np.asarray(imu, np.float64).ravel().tolist())
    return (",".join(COLUMNS) + "\n" + rows).encode("ascii")
