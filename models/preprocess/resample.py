"""Band-limited resampling with a Hann-windowed sinc filter (NumPy, single-threaded).

The filter is the one torchaudio uses by default (and so the reference preprocessing): both rates
are divided by their gcd (`orig`, `new`), the cutoff is `base = min(orig, new) * rolloff` with
rolloff 0.99, and output sample `n` is

    y[n] = sum_m x[m] * (base / orig) * sinc(t) * cos(pi * t / (2 * Z))**2,
    t = base * (m / orig - n / new),  |t| <= Z,

with Z = 6 zero crossings on each side (`lowpass_filter_width=6`) and x taken as zero outside the
signal (or, with `edge="replicate"`, as its first/last value). The output has
`ceil(len(x) * new / orig)` samples; output `n` sits at input position `n * orig / new`.

The weights depend only on the output phase `n mod new`, so they are tabulated once per rate
pair; only the taps inside the window are stored (about 2 Z orig / base per output), which keeps
unusual rate pairs (e.g. 44101 Hz) as cheap as common ones. Any range of output samples can be
computed on its own from the input samples around it, so callers can resample just the clips
they need. The computation runs in NumPy on one thread: preprocessing runs beside model
inference, where torch's intra-op thread pool would only add contention.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

ZERO_CROSSINGS = 6
ROLLOFF = 0.99


class SincResampler:
    """Resampler from `orig_rate` to `new_rate` Hz (any positive integer rates)."""

    def __init__(self, orig_rate: int, new_rate: int) -> None:
        if orig_rate <= 0 or new_rate <= 0:
            raise ValueError(f"sample rates must be positive, got {orig_rate} and {new_rate}")
        gcd = math.gcd(orig_rate, new_rate)
        self.orig = orig_rate // gcd
        self.new = new_rate // gcd
        self.first_tap, self.weights = _phase_table(self.orig, self.new)

    def output_length(self, input_length: int) -> int:
        """Number of output samples for `input_length` input samples."""
        return -(-input_length * self.new // self.orig)

    def input_span(self, start: int, stop: int) -> tuple[int, int]:
        """Half-open range of input indices that output samples [start, stop) read."""
        last = stop - 1
        first = (start // self.new) * self.orig + int(self.first_tap[start % self.new])
        end = (last // self.new) * self.orig + int(self.first_tap[last % self.new])
        return first, end + self.weights.shape[1]

    def __call__(
        self,
        signal: np.ndarray,
        start: int,
        stop: int,
        *,
        offset: int = 0,
        edge: str = "zero",
    ) -> np.ndarray:
        """Output samples [start, stop) of the resampled signal, shape (channels, stop - start).

        `signal` (channels, n) holds input samples `offset .. offset + n - 1`; it must contain
        every sample of `input_span(start, stop)` that exists. Indices beyond it count as
        outside the signal: zero (`edge="zero"`) or the nearest edge sample (`edge="replicate"`).
        """
        if edge not in ("zero", "replicate"):
            raise ValueError(f"edge must be 'zero' or 'replicate', got {edge!r}")
        outputs = np.arange(start, stop)
        phase = outputs % self.new
        first = (outputs // self.new) * self.orig + self.first_tap[phase] - offset
        num_taps = self.weights.shape[1]
        # Taps beyond the block lie outside the signal: pad with what is there.
        pad_left = max(0, -int(first[0]))
        pad_right = max(0, int(first[-1]) + num_taps - signal.shape[-1])
        if pad_left or pad_right:
            mode = "constant" if edge == "zero" else "edge"
            signal = np.pad(signal, ((0, 0), (pad_left, pad_right)), mode=mode)
        windows = sliding_window_view(signal, num_taps, axis=-1)[:, first + pad_left]
        return np.einsum("cnk,nk->cn", windows, self.weights[phase].astype(signal.dtype, copy=False))


@lru_cache(maxsize=32)
def _phase_table(orig: int, new: int) -> tuple[np.ndarray, np.ndarray]:
    """Per output phase j: index of its first input tap (relative to its block) and the weights."""
    if orig == new:
        return np.zeros(1, dtype=np.int64), np.ones((1, 1), dtype=np.float32)
    base = min(orig, new) * ROLLOFF
    half_width = ZERO_CROSSINGS * orig / base
    num_taps = math.floor(2 * half_width) + 2
    phase = np.arange(new, dtype=np.float64)
    first_tap = np.floor(phase * orig / new - half_width).astype(np.int64)
    taps = first_tap[:, None] + np.arange(num_taps)
    t = base * (taps / orig - phase[:, None] / new)
    window = np.cos(t * math.pi / (2 * ZERO_CROSSINGS)) ** 2
    weights = np.sinc(t) * window * (base / orig) * (np.abs(t) <= ZERO_CROSSINGS)
    return first_tap, weights.astype(np.float32)
