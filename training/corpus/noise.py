"""Smooth random fields used as textures and slow variations."""

from __future__ import annotations

import numpy as np
from PIL import Image


def smooth_field(rng: np.random.Generator, shape: tuple[int, int], cells: int) -> np.ndarray:
    """A zero-mean, unit-ish-variance field with about ``cells`` blobs across its width."""
    h, w = shape
    ch, cw = max(2, round(cells * h / w)), max(2, cells)
    coarse = rng.standard_normal((ch, cw)).astype(np.float32)
    img = Image.fromarray(coarse).resize((w, h), Image.Resampling.BICUBIC)
    return np.asarray(img, dtype=np.float32)


def band_noise(rng: np.random.Generator, n: int, rate: float, lo: float, hi: float) -> np.ndarray:
    """White noise of length ``n`` band-passed to ``lo..hi`` Hz, scaled to unit RMS."""
    size = 1 << max(n - 1, 1).bit_length()
    spec = np.fft.rfft(rng.standard_normal(size))
    f = np.fft.rfftfreq(size, 1.0 / rate)
    edge = max((hi - lo) * 0.1, 1e-3)
    gain = np.clip((f - lo) / edge + 1, 0, 1) * np.clip((hi - f) / edge + 1, 0, 1)
    x = np.fft.irfft(spec * gain, size)[:n]
    return x / max(float(np.sqrt(np.mean(x**2))), 1e-12)


def gaussian_blur(a: np.ndarray, sigma: float) -> np.ndarray:
    """Gaussian blur of a 2-D array with standard deviation ``sigma`` pixels (edges clamped)."""
    pad = int(min(3 * sigma + 1, 64))
    padded = np.pad(a.astype(np.float32), pad, mode="edge")
    h, w = padded.shape
    fy = np.fft.fftfreq(h).astype(np.float32)[:, None]
    fx = np.fft.rfftfreq(w).astype(np.float32)[None, :]
    kernel = np.exp(-2 * (np.pi * sigma) ** 2 * (fy**2 + fx**2))
    out = np.fft.irfft2(np.fft.rfft2(padded) * kernel, s=(h, w))
    return out[pad : h - pad, pad : w - pad].astype(np.float32)
