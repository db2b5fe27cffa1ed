"""One paired sample in memory: ``render_sample(concept, split, index, seed)``."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np

from .audio import SAMPLE_RATE, render_audio
from .caption import render_caption
from .concepts import Concept, get_concept
from .depth import render_depth
from .difficulty import Difficulty, get_difficulty
from .factors import SampleFactors, draw_factors, sample_stream
from .image import render_image
from .imu import render_imu
from .layout import build_layout
from .thermal import render_thermal

MODALITIES: tuple[str, ...] = ("image", "text", "audio", "depth", "thermal", "imu")
"""The corpus' modalities (``image`` feeds the ``vision`` encoder)."""


@dataclass
class Sample:
    """All views of one sample; views that were not requested are ``None``."""

    id: str
    concept: str
    split: str
    index: int
    factors: SampleFactors
    image: np.ndarray | None = None
    """(224, 224, 3) uint8 RGB."""
    text: str | None = None
    audio: np.ndarray | None = None
    """(N,) float32 mono in [-1, 1] at ``audio_rate`` Hz, 2-5 s."""
    audio_rate: int = SAMPLE_RATE
    depth: np.ndarray | None = None
    """(224, 224) uint16 millimetres, 0 = no return."""
    thermal: np.ndarray | None = None
    """(224, 224) uint8."""
    imu: np.ndarray | None = None
    """(2000, 6) float32: acc_x, acc_y, acc_z (m/s^2), gyro_x, gyro_y, gyro_z (rad/s) at 400 Hz."""
    extra: dict = field(default_factory=dict)


def sample_id(concept: str, split: str, index: int) -> str:
    """The stable identifier of a sample, also its file stem."""
    return f"{split}-{concept.replace(' ', '_')}-{index:05d}"


def check_modalities(modalities: Iterable[str]) -> tuple[str, ...]:
    """The requested modalities in canonical order; unknown names raise a clear error."""
    mods = tuple(modalities)
    unknown = sorted(set(mods) - set(MODALITIES))
    if unknown:
        raise ValueError(f"unknown modalities {unknown}; choose from {list(MODALITIES)}")
    if not mods:
        raise ValueError("at least one modality must be requested")
    return tuple(m for m in MODALITIES if m in mods)


def render_sample(
    concept: str | Concept,
    split: str,
    index: int,
    seed: int = 0,
    *,
    difficulty: str | Difficulty | dict | None = None,
    modalities: Iterable[str] = MODALITIES,
) -> Sample:
    """Render sample ``index`` of ``concept`` in ``split`` without touching the disk.

    The same arguments always give identical arrays; each modality uses its own random
    stream, so asking for fewer modalities does not change the others.
    """
    c = get_concept(concept) if isinstance(concept, str) else concept
    diff = get_difficulty(difficulty)
    mods = check_modalities(modalities)
    factors = draw_factors(c, split, index, seed, diff)

    def rng(stream: str) -> np.random.Generator:
        return sample_stream(seed, split, c.name, index, stream)

    sample = Sample(sample_id(c.name, split, index), c.name, split, index, factors)
    if {"image", "audio", "depth", "thermal"} & set(mods):
        layout = build_layout(c, factors, diff, rng("shape"), rng("layout"))
        sample.extra["distance_m"] = round(layout.distance_m, 4)
        if "image" in mods:
            sample.image = render_image(c, factors, layout, diff, rng("image"))
        if "depth" in mods:
            sample.depth = render_depth(layout, diff, rng("depth"))
        if "thermal" in mods:
            sample.thermal = render_thermal(c, factors, layout, diff, rng("thermal"))
        if "audio" in mods:
            sample.audio = render_audio(c, factors, layout, diff, rng("audio"))
    if "text" in mods:
        sample.text = render_caption(c, factors, diff, rng("text"))
    if "imu" in mods:
        sample.imu = render_imu(c, factors, diff, rng("imu"))
    return sample
