"""Kaldi-compatible log-mel filterbank features, computed with NumPy on one thread.

Matches Kaldi's `compute-fbank-feats` (and torchaudio's `compliance.kaldi.fbank`) for the options
ImageBind uses: 16 kHz input, 25 ms frames (400 samples) every 10 ms (160 samples) with
`snip_edges` (frames = 1 + (n - 400) // 160), no dither, per-frame DC removal, pre-emphasis 0.97
(the first sample is its own predecessor), a symmetric Hann window, zero padding to a 512-point
FFT, the power spectrum, `num_mel_bins` triangular filters equally spaced on the HTK mel scale
(1127 ln(1 + f / 700)) between 20 Hz and the Nyquist frequency (the Nyquist FFT bin gets no
weight), and the natural log floored at float32 machine epsilon. No energy term is added.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

SAMPLE_RATE = 16_000
FRAME_LENGTH = 400
FRAME_SHIFT = 160
FFT_SIZE = 512
PREEMPHASIS = 0.97
LOW_FREQ = 20.0
LOG_FLOOR = np.finfo(np.float32).eps


def num_frames(num_samples: int) -> int:
    """Frames Kaldi produces for `num_samples` samples with `snip_edges` (0 if too short)."""
    if num_samples < FRAME_LENGTH:
        return 0
    return 1 + (num_samples - FRAME_LENGTH) // FRAME_SHIFT


def log_mel_fbank(waveform: np.ndarray, num_mel_bins: int = 128) -> np.ndarray:
    """(frames, num_mel_bins) float32 log mel energies of a 1-D 16 kHz float32 waveform."""
    if num_frames(len(waveform)) == 0:
        return np.empty((0, num_mel_bins), dtype=np.float32)
    frames = sliding_window_view(waveform, FRAME_LENGTH)[::FRAME_SHIFT]
    frames = frames - frames.mean(axis=1, keepdims=True)
    previous = np.concatenate([frames[:, :1], frames[:, :-1]], axis=1)
    frames = (frames - np.float32(PREEMPHASIS) * previous) * _hann_window()
    spectrum = np.fft.rfft(frames, n=FFT_SIZE)
    power = spectrum.real**2 + spectrum.imag**2
    energies = power @ _mel_filters(num_mel_bins).T
    return np.log(np.maximum(energies, LOG_FLOOR)).astype(np.float32)


@lru_cache(maxsize=1)
def _hann_window() -> np.ndarray:
    """Symmetric Hann window: 0.5 - 0.5 cos(2 pi n / (N - 1))."""
    n = np.arange(FRAME_LENGTH)
    return (0.5 - 0.5 * np.cos(2 * math.pi * n / (FRAME_LENGTH - 1))).astype(np.float32)


def _mel(freq: np.ndarray | float) -> np.ndarray | float:
    return 1127.0 * np.log1p(np.divide(freq, 700.0))


@lru_cache(maxsize=4)
def _mel_filters(num_mel_bins: int) -> np.ndarray:
    """(num_mel_bins, FFT_SIZE // 2 + 1) triangular filters; the Nyquist column is zero."""
    low = _mel(LOW_FREQ)
    high = _mel(SAMPLE_RATE / 2)
    delta = (high - low) / (num_mel_bins + 1)
    edges = low + delta * np.arange(num_mel_bins + 2)
    left, center, right = edges[:-2, None], edges[1:-1, None], edges[2:, None]
    mel = _mel(SAMPLE_RATE / FFT_SIZE * np.arange(FFT_SIZE // 2 + 1))[None, :]
    rising = (mel - left) / (center - left)
    falling = (right - mel) / (right - center)
    filters = np.maximum(np.minimum(rising, falling), 0.0)
    filters[:, -1] = 0.0
    return filters.astype(np.float32)
