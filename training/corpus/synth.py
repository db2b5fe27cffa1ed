"""Small signal-synthesis helpers shared by the sound recipes (all float64 numpy, mono)."""

from __future__ import annotations

import numpy as np

from .noise import band_noise

_TABLE = 4096


def phase_of(f0: np.ndarray, sr: int, start: float = 0.0) -> np.ndarray:
    """Instantaneous phase (radians) of a frequency track in Hz."""
    return start + 2 * np.pi * np.cumsum(f0) / sr


def wavetable_tone(f0: np.ndarray, amps: np.ndarray | list[float], sr: int, start: float = 0.0) -> np.ndarray:
    """A periodic tone with fixed harmonic amplitudes ``amps[k-1]`` following the track ``f0``.

    Harmonics that would pass 0.45 x ``sr`` at the track's highest frequency are dropped.
    """
    amps = np.asarray(amps, float)
    k = np.arange(1, len(amps) + 1)
    amps = np.where(k * float(np.max(f0)) < 0.45 * sr, amps, 0.0)
    grid = np.linspace(0, 2 * np.pi, _TABLE, endpoint=False)
    table = (amps[:, None] * np.sin(k[:, None] * grid[None, :])).sum(axis=0)
    idx = (phase_of(f0, sr, start) * (_TABLE / (2 * np.pi))).astype(np.int64) % _TABLE
    return table[idx]


def voiced(
    f0: np.ndarray,
    sr: int,
    n_harm: int,
    tilt_db: float,
    formants: list[tuple[np.ndarray | float, float, float]],
    start: float = 0.0,
    hop: int = 32,
) -> np.ndarray:
    """A harmonic voice whose spectrum is shaped by (possibly moving) formants.

    ``formants`` holds ``(centre_hz, bandwidth_hz, gain_db)``; centres may be arrays like ``f0``.
    Harmonic amplitudes are evaluated every ``hop`` samples and interpolated; the harmonics
    themselves come from the Chebyshev recursion sin((k+1)x) = 2 cos(x) sin(kx) - sin((k-1)x).
    """
    n = len(f0)
    ph = phase_of(f0, sr, start)
    two_cos = 2 * np.cos(ph)
    coarse = np.arange(0, n, hop)
    f0c = f0[coarse]
    centres = [(np.asarray(c)[coarse] if np.ndim(c) else c, bw, g) for c, bw, g in formants]
    t = np.arange(n)
    out = np.zeros(n)
    s_prev, s_cur = np.zeros(n), np.sin(ph)
    for k in range(1, n_harm + 1):
        fk = k * f0c
        gain_db = tilt_db * np.log2(k) + sum(g * np.exp(-0.5 * ((fk - c) / bw) ** 2) for c, bw, g in centres)
        amp = 10 ** (gain_db / 20) * (fk < 0.45 * sr)
        if amp.max() > 1e-4:
            out += np.interp(t, coarse, amp) * s_cur
        s_prev, s_cur = s_cur, two_cos * s_cur - s_prev
    return out


def envelope(n: int, sr: int, attack: float, release: float) -> np.ndarray:
    """Linear attack, flat hold, linear release, over ``n`` samples."""
    t = np.arange(n) / sr
    dur = n / sr
    a = np.clip(t / max(attack, 1e-4), 0, 1)
    r = np.clip((dur - t) / max(release, 1e-4), 0, 1)
    return a * r


def decay(n: int, sr: int, tau: float, attack: float = 0.002) -> np.ndarray:
    """A percussive envelope: short linear attack, exponential decay with time constant ``tau``."""
    t = np.arange(n) / sr
    return np.clip(t / attack, 0, 1) * np.exp(-t / tau)


def add_at(out: np.ndarray, sig: np.ndarray, start: int) -> None:
    """Mix ``sig`` into ``out`` starting at sample ``start`` (clipped to the buffer)."""
    if start >= len(out) or start + len(sig) <= 0:
        return
    s0 = max(start, 0)
    s1 = min(start + len(sig), len(out))
    out[s0:s1] += sig[s0 - start : s1 - start]


def event_times(rng: np.random.Generator, duration: float, rate: float, jitter: float = 0.2) -> np.ndarray:
    """Onset times (s) of roughly periodic events at ``rate`` per second, starting at a random phase."""
    period = 1.0 / max(rate, 1e-3)
    times, t = [], float(rng.uniform(0, period))
    while t < duration:
        times.append(t)
        t += period * float(rng.uniform(1 - jitter, 1 + jitter))
    return np.array(times)


def burst(rng: np.random.Generator, n: int, sr: int, lo: float, hi: float) -> np.ndarray:
    """Band-limited noise of ``n`` samples (unit RMS)."""
    return band_noise(rng, max(n, 8), sr, lo, hi)[:n]


def slow_wander(rng: np.random.Generator, n: int, sr: int, hz: float) -> np.ndarray:
    """A smooth random curve (unit RMS) varying on the time scale of ``1 / hz`` seconds."""
    return band_noise(rng, n, sr, 0.0, hz)
