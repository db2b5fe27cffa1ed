"""Per-sample latent factors shared by all modalities, and the seed streams they come from.

A sample is identified by ``(seed, split, concept, index)``. Each split has its own seed
stream, so train, validation and test samples never share a random state. Every modality draws
its nuisances from its own child stream, so rendering a subset of modalities gives exactly the
same files as rendering all of them.
"""

from __future__ import annotations

import zlib
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from .concepts import Concept, get_concept
from .difficulty import Difficulty
from .scenes import INDOOR, OUTDOOR_GROUND, SCENES

SPLITS: tuple[str, ...] = ("train", "val", "test")
_SPLIT_CODE = {"train": 0x7A11, "val": 0x7A12, "test": 0x7A13}
_STREAMS = ("factors", "params", "shape", "layout", "image", "audio", "depth", "thermal", "imu", "text")

RGB = tuple[int, int, int]


def sample_stream(seed: int, split: str, concept: str, index: int, stream: str) -> np.random.Generator:
    """The random generator of one named stream (``"image"``, ``"audio"``...) of one sample."""
    if split not in _SPLIT_CODE:
        raise ValueError(f"unknown split {split!r}; choose one of {list(SPLITS)}")
    if not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    if not isinstance(index, (int, np.integer)) or index < 0:
        raise ValueError(f"sample index must be a non-negative integer, got {index!r}")
    key = [int(seed), _SPLIT_CODE[split], zlib.crc32(concept.encode("utf-8")), int(index), _STREAMS.index(stream)]
    return np.random.default_rng(np.random.SeedSequence(key))


@dataclass(frozen=True)
class SampleFactors:
    """The latent state of one sample, rendered consistently into every modality."""

    concept: str
    split: str
    index: int
    size: float
    """0..1 within the concept's size range: image scale, depth distance and extent, pitch, words."""
    size_m: float
    speed: float
    """0..1: pose, IMU frequencies, sound tempo and engine pitch, caption verbs."""
    temperature: float
    """0..1: thermal brightness of hot parts, steam and flames, kettle whistle, caption words."""
    colour: str
    colour_rgb: RGB
    accent: str
    accent_rgb: RGB
    scene: str
    dark: bool
    ambient_c: float
    """Scene temperature: thermal background, and sets how warm parts appear against it."""
    aerial: bool
    water: bool
    shape_params: Mapping[str, float]
    sound_params: Mapping[str, float]
    motion_params: Mapping[str, float]

    def summary(self) -> dict[str, Any]:
        """The factors worth recording in a manifest (rounded, JSON-ready)."""
        d = asdict(self)
        keep = ("size", "size_m", "speed", "temperature", "colour", "accent", "scene", "dark", "ambient_c")
        return {k: (round(v, 4) if isinstance(v, float) else v) for k, v in d.items() if k in keep}


def _blend_ranges(
    own: Mapping[str, tuple[float, float]], twin: Mapping[str, tuple[float, float]] | None, similarity: float
) -> dict[str, tuple[float, float]]:
    """Move each range halfway-times-``similarity`` towards the twin's; at 1 both meet in the middle."""
    out = {}
    for key, (lo, hi) in own.items():
        if twin is not None and key in twin:
            tlo, thi = twin[key]
            w = similarity / 2
            lo, hi = lo + (tlo - lo) * w, hi + (thi - hi) * w
        out[key] = (lo, hi)
    return out


def _draw(ranges: Mapping[str, tuple[float, float]], rng: np.random.Generator) -> dict[str, float]:
    return {k: float(rng.uniform(lo, hi)) if hi > lo else float(lo) for k, (lo, hi) in ranges.items()}


def _twin(concept: Concept, family: str) -> Concept | None:
    name = concept.twins.get(family)
    return get_concept(name) if name else None


def draw_params(concept: Concept, family: str, rng: np.random.Generator, difficulty: Difficulty) -> dict[str, float]:
    """Draw one sample's ``shape``/``sound``/``motion`` parameters, pulled towards a designed twin."""
    attr = {"look": "shape_params", "sound": "sound_params", "motion": "motion_params"}[family]
    twin = _twin(concept, family)
    ranges = _blend_ranges(getattr(concept, attr), getattr(twin, attr) if twin else None, difficulty.twin_similarity)
    return _draw(ranges, rng)


def draw_factors(concept: Concept, split: str, index: int, seed: int, difficulty: Difficulty) -> SampleFactors:
    """The latent factors of sample ``index`` of ``concept`` in ``split``."""
    rng = sample_stream(seed, split, concept.name, index, "factors")
    size, speed = float(rng.uniform()), float(rng.uniform())
    temperature = float(rng.uniform())
    if concept.heat_follows_speed:
        temperature = float(np.clip(0.7 * speed + 0.3 * temperature, 0.0, 1.0))
    size_m = concept.size_m[0] + (concept.size_m[1] - concept.size_m[0]) * size

    look_twin = _twin(concept, "look")
    palette = concept.palette
    if look_twin is not None and rng.uniform() < difficulty.twin_similarity / 2:
        palette = look_twin.palette
    colour, colour_rgb = palette[int(rng.integers(len(palette)))]
    accents = concept.accents or concept.palette
    accent, accent_rgb = accents[int(rng.integers(len(accents)))]

    scene_name = concept.scenes[int(rng.integers(len(concept.scenes)))]
    if rng.uniform() < difficulty.off_context_prob:
        pool = OUTDOOR_GROUND if concept.size_m[1] > 2.5 else OUTDOOR_GROUND + INDOOR
        scene_name = pool[int(rng.integers(len(pool)))]
    scene = SCENES[scene_name]
    dark = bool(rng.uniform() < scene.dark or rng.uniform() < difficulty.night_prob)
    ambient = float(rng.uniform(*scene.ambient_c)) - (4.0 if dark and not scene.indoor else 0.0)

    params_rng = sample_stream(seed, split, concept.name, index, "params")
    return SampleFactors(
        concept=concept.name,
        split=split,
        index=index,
        size=size,
        size_m=float(size_m),
        speed=speed,
        temperature=temperature,
        colour=colour,
        colour_rgb=tuple(colour_rgb),
        accent=accent,
        accent_rgb=tuple(accent_rgb),
        scene=scene_name,
        dark=dark,
        ambient_c=ambient,
        aerial=scene.aerial,
        water=scene.ground == "water",
        shape_params=draw_params(concept, "look", params_rng, difficulty),
        sound_params=draw_params(concept, "sound", params_rng, difficulty),
        motion_params=draw_params(concept, "motion", params_rng, difficulty),
    )
