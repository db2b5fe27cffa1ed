"""The audio view: the concept's sound as a 16 kHz microphone records it in the scene.

The dry source (``sound_sources``) is placed at the object's distance in the scene's acoustics
(room reverberation grows with distance), mixed with the scene's ambient bed at a random
signal-to-noise ratio, sometimes with a quiet sound of another concept, coloured by a random
microphone response, delayed, sometimes interrupted by short gaps, and normalised to a random
peak level.
"""

from __future__ import annotations

import numpy as np

from .concepts import CONCEPTS, Concept
from .difficulty import Difficulty
from .factors import SampleFactors, draw_params
from .layout import Layout
from .noise import band_noise
from .sound_sources import RECIPES
from .synth import slow_wander

SAMPLE_RATE = 16_000
DURATION_S = (2.0, 5.0)


def _rms(x: np.ndarray) -> float:
    return float(np.sqrt(np.mean(x**2))) + 1e-12


def _bed(kind: str, rng: np.random.Generator, n: int, sr: int) -> np.ndarray:
    """The scene's ambient sound (unit RMS)."""
    t = np.arange(n) / sr
    if kind in ("wind", "park", "forest"):
        gust = np.clip(1 + 0.8 * slow_wander(rng, n, sr, 0.4), 0.1, None)
        x = band_noise(rng, n, sr, 20, 500) * gust
        if kind != "wind":
            x += 0.3 * band_noise(rng, n, sr, 1500, 6000) * gust
    elif kind == "city":
        x = band_noise(rng, n, sr, 40, 1500) + 0.3 * band_noise(rng, n, sr, 1500, 5000)
        x += 0.5 * np.sin(2 * np.pi * rng.uniform(50, 120) * t) * np.clip(slow_wander(rng, n, sr, 0.3), 0, None)
    elif kind == "water":
        x = band_noise(rng, n, sr, 150, 4000) * (1 + 0.6 * np.sin(2 * np.pi * rng.uniform(0.1, 0.4) * t))
    else:  # room, hall: a quiet room tone with mains hum
        x = band_noise(rng, n, sr, 30, 3000) + 0.3 * np.sin(2 * np.pi * rng.choice([50.0, 60.0]) * t)
    return x / _rms(x)


def _reverb(x: np.ndarray, rt60: float, wet: float, rng: np.random.Generator, sr: int, tilt: float) -> np.ndarray:
    """Convolve with an exponentially decaying noise tail and apply a spectral tilt, in one FFT."""
    m = int(max(rt60, 0.05) * sr)
    t = np.arange(m) / sr
    ir = rng.standard_normal(m) * np.exp(-6.9 * t / max(rt60, 0.05))
    ir *= wet / _rms(ir) / np.sqrt(m)
    ir[0] += 1.0
    size = 1 << (len(x) + m - 1).bit_length()
    spec = np.fft.rfft(x, size) * np.fft.rfft(ir, size)
    freqs = np.fft.rfftfreq(size, 1 / sr)
    spec *= (np.maximum(freqs, 50) / 1000.0) ** tilt
    return np.fft.irfft(spec, size)[: len(x)]


def _source(
    concept: Concept, params: dict[str, float], factors: SampleFactors, rng: np.random.Generator, n: int
) -> np.ndarray:
    x = RECIPES[concept.sound](params, factors, rng, n, SAMPLE_RATE)
    return x / _rms(x)


def render_audio(
    concept: Concept, factors: SampleFactors, layout: Layout, difficulty: Difficulty, rng: np.random.Generator
) -> np.ndarray:
    """The sample's mono float32 waveform at ``SAMPLE_RATE`` (2-5 s, peak below 1)."""
    sr = SAMPLE_RATE
    n = int(rng.uniform(*DURATION_S) * sr)
    x = _source(concept, dict(factors.sound_params), factors, rng, n)
    if rng.uniform() < 0.3:
        lead = int(rng.uniform(0.0, 0.6) * sr)
        x = np.concatenate([np.zeros(lead), x[: n - lead] * np.clip(np.arange(n - lead) / (0.01 * sr), 0, 1)])

    if rng.uniform() < difficulty.audio_distractor_prob:
        others = [c for c in CONCEPTS if c.name != concept.name]
        other = others[int(rng.integers(len(others)))]
        params = draw_params(other, "sound", rng, difficulty)
        x = x + _source(other, params, factors, rng, n) * 10 ** (-rng.uniform(10, 20) / 20)

    scene = layout.scene
    if scene.indoor:
        rt60 = rng.uniform(*scene.rt60_s) * difficulty.reverb
        wet = (0.2 + 0.6 * min(layout.distance_m / 6.0, 1.0)) * difficulty.reverb
    else:
        rt60 = rng.uniform(0.05, 0.2 + scene.rt60_s[1])
        wet = 0.08 * difficulty.reverb
    x = _reverb(x, rt60, wet, rng, sr, rng.uniform(-0.25, 0.25))

    snr_db = rng.uniform(*difficulty.audio_snr_db)
    bed = _bed(scene.sound_bed, rng, n, sr)
    x = x / _rms(x) + bed * 10 ** (-snr_db / 20)
    x += rng.standard_normal(n) * 10 ** (-rng.uniform(45, 60) / 20)
    if rng.uniform() < difficulty.audio_dropout_prob:
        for _ in range(int(rng.integers(1, 4))):
            gap = int(rng.uniform(0.02, 0.12) * sr)
            start = int(rng.integers(0, n - gap))
            x[start : start + gap] = 0.0
    peak = 10 ** (rng.uniform(-20, -1) / 20)
    x = x * peak / max(float(np.max(np.abs(x))), 1e-9)
    return x.astype(np.float32)
