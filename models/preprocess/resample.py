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
pair. For common rate pairs (44.1, 48, 22.05, 8 kHz, ...) the `new` phases form one dense
polyphase matrix, and each block of `new` outputs is one row of a matrix product with the `orig`
input samples it covers (one BLAS call for a whole clip; pairs with few phases take several
blocks per row). Pairs whose matrix would be large (e.g. 16001 -> 16000 Hz) store only the taps
inside each window (about 2 Z orig / base per output) and gather them instead, which keeps
unusual rates affordable. Any range of output samples can be computed on its own from the input
samples around it, so callers can resample just the clips they need. The computation runs in
NumPy on one thread: preprocessing runs beside model inference, where torch's intra-op thread
pool would only add contention.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

ZERO_CROSSINGS = 6
ROLLOFF = 0.99
MAX_POLYPHASE_ELEMENTS = 1 << 20
"""Largest dense polyphase matrix (4 MiB of float32); beyond it the taps are gathered."""
MIN_BLOCK_OUTPUTS = 32
"""Outputs per matrix row at least: pairs with few phases (48 -> 16 kHz has one) group blocks."""


class SincResampler:
    """Resampler from `orig_rate` to `new_rate` Hz (any positive integer rates)."""

    def __init__(self, orig_rate: int, new_rate: int) -> None:
        if orig_rate <= 0 or new_rate <= 0:
            raise ValueError(f"sample rates must be positive, got {orig_rate} and {new_rate}")
        gcd = math.gcd(orig_rate, new_rate)
        self.orig = orig_rate // gcd
        self.new = new_rate // gcd
        self.first_tap, self.weights = _phase_table(self.orig, self.new)
        group = -(-MIN_BLOCK_OUTPUTS // self.new)
        self.block_orig, self.block_new = self.orig * group, self.new * group
        identity = self.orig == self.new
        self.polyphase = None if identity else _polyphase_matrix(self.block_orig, self.block_new)

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
        if self.polyphase is not None:
            return self._polyphase(signal, start, stop, offset, edge)
        outputs = np.arange(start, stop)
        phase = outputs % self.new
        first = (outputs // self.new) * self.orig + self.first_tap[phase] - offset
        signal, shift = _pad(signal, int(first[0]), int(first[-1]) + self.weights.shape[1], edge)
        windows = sliding_window_view(signal, self.weights.shape[1], axis=-1)[:, first + shift]
        return np.einsum("cnk,nk->cn", windows, self.weights[phase].astype(signal.dtype, copy=False))

    def _polyphase(self, signal: np.ndarray, start: int, stop: int, offset: int, edge: str) -> np.ndarray:
        """Whole blocks of `block_new` outputs as (block inputs) @ (polyphase matrix), then the range."""
        first_block, end_block = start // self.block_new, (stop - 1) // self.block_new + 1
        span = self.polyphase.shape[0]
        first = first_block * self.block_orig + int(self.first_tap[0]) - offset
        end = first + (end_block - first_block - 1) * self.block_orig + span
        # Samples outside the signal only meet zero weights or outputs outside [start, stop).
        signal, shift = _pad(signal, first, end, edge)
        blocks = sliding_window_view(signal, span, axis=-1)[:, first + shift :: self.block_orig]
        outputs = blocks[:, : end_block - first_block] @ self.polyphase.astype(signal.dtype, copy=False)
        skip = start - first_block * self.block_new
        return outputs.reshape(signal.shape[0], -1)[:, skip : skip + stop - start]


def _pad(signal: np.ndarray, first: int, end: int, edge: str) -> tuple[np.ndarray, int]:
    """`signal` extended so that indices `first .. end - 1` exist, and the shift of its indices."""
    pad_left = max(0, -first)
    pad_right = max(0, end - signal.shape[-1])
    if pad_left or pad_right:
        mode = "constant" if edge == "zero" else "edge"
        signal = np.pad(signal, ((0, 0), (pad_left, pad_right)), mode=mode)
    return signal, pad_left


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


@lru_cache(maxsize=32)
def _polyphase_matrix(orig: int, new: int) -> np.ndarray | None:
    """(span, new) weights: column j holds phase j's taps at their offset within a block's inputs
    (block b starts at input b * orig + first_tap[0]); None when it would be too large.

    The table of (g orig, g new) is that of (orig, new) for g consecutive blocks, so grouped
    blocks come from the same formula."""
    first_tap, weights = _phase_table(orig, new)
    offsets = first_tap - first_tap[0]
    span = int(offsets[-1]) + weights.shape[1]
    if span * new > MAX_POLYPHASE_ELEMENTS:
        return None
    matrix = np.zeros((span, new), dtype=np.float32)
    for phase, column in enumerate(offsets):
        matrix[column : column + weights.shape[1], phase] = weights[phase]
    return matrix
