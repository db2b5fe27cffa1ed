"""Difficulty knobs of the procedural corpus, as data.

Each field scales one nuisance or confusion; 0 switches it off. ``DIFFICULTY_PRESETS`` holds
``easy`` (clean renders, for debugging), ``default`` (what the bundled model trains on) and
``hard``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields, replace
from typing import Any

_UNIT_FIELDS = (
    "twin_similarity",
    "occlusion_prob",
    "night_prob",
    "blur_prob",
    "audio_distractor_prob",
    "audio_dropout_prob",
    "imu_dropout_prob",
    "vague_caption_prob",
    "typo_prob",
    "depth_dropout",
    "off_context_prob",
)


@dataclass(frozen=True)
class Difficulty:
    """How hard a corpus is. Probabilities are per sample; ``*_noise`` fields scale noise levels."""

    twin_similarity: float = 0.85
    """How alike designed twin concepts are in their shared modality (0 distinct .. 1 identical)."""
    off_context_prob: float = 0.15
    """Chance that a sample's scene is drawn from all scenes instead of the concept's usual ones."""
    occlusion_prob: float = 0.2
    """Chance of a foreground occluder (post, bush, table edge) covering part of the object."""
    night_prob: float = 0.15
    """Chance of a dark (night or dim room) scene, on top of scenes that are dark by nature."""
    blur_prob: float = 0.2
    """Chance of defocus or motion blur on the image."""
    colour_jitter: float = 1.0
    image_noise: float = 1.0
    audio_snr_db: tuple[float, float] = (3.0, 30.0)
    """Signal-to-background ratio range of the scene's ambient sound bed."""
    audio_distractor_prob: float = 0.25
    """Chance that another concept's sound is mixed in quietly (10-20 dB below)."""
    audio_dropout_prob: float = 0.1
    """Chance of 1-3 short gaps (20-120 ms of silence) in the recording, as from lost packets."""
    reverb: float = 1.0
    depth_noise: float = 1.0
    depth_dropout: float = 0.03
    """Fraction of depth pixels lost (set to 0 = no return), in blobs and at depth edges."""
    thermal_noise: float = 1.0
    imu_noise: float = 1.0
    imu_bias: float = 1.0
    imu_rotation_deg: float = 90.0
    """Largest angle of the random mounting rotation of the IMU on its carrier (180 = any)."""
    imu_dropout_prob: float = 0.25
    """Chance of a stretch of IMU samples repeating the last value (a stalled sensor bus)."""
    vague_caption_prob: float = 0.1
    """Chance a caption names only a broader category ("an animal") instead of the concept."""
    typo_prob: float = 0.03
    """Chance of each word of a caption getting a typing error."""

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name == "audio_snr_db":
                if len(value) != 2 or value[0] > value[1]:
                    raise ValueError(f"difficulty audio_snr_db must be a (low, high) pair, got {value!r}")
                continue
            if not isinstance(value, (int, float)) or value < 0:
                raise ValueError(f"difficulty {f.name} must be a non-negative number, got {value!r}")
            if f.name in _UNIT_FIELDS and value > 1:
                raise ValueError(f"difficulty {f.name} must lie in [0, 1], got {value!r}")
            if f.name == "imu_rotation_deg" and value > 180:
                raise ValueError(f"difficulty imu_rotation_deg must lie in [0, 180], got {value!r}")

    def as_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["audio_snr_db"] = list(self.audio_snr_db)
        return d


DIFFICULTY_PRESETS: dict[str, Difficulty] = {
    "easy": Difficulty(
        twin_similarity=0.0,
        off_context_prob=0.0,
        occlusion_prob=0.0,
        night_prob=0.0,
        blur_prob=0.0,
        colour_jitter=0.3,
        image_noise=0.3,
        audio_snr_db=(25.0, 40.0),
        audio_distractor_prob=0.0,
        audio_dropout_prob=0.0,
        reverb=0.3,
        depth_noise=0.3,
        depth_dropout=0.0,
        thermal_noise=0.3,
        imu_noise=0.3,
        imu_bias=0.3,
        imu_rotation_deg=20.0,
        imu_dropout_prob=0.0,
        vague_caption_prob=0.0,
        typo_prob=0.0,
    ),
    "default": Difficulty(),
    "hard": Difficulty(
        twin_similarity=0.95,
        off_context_prob=0.3,
        occlusion_prob=0.35,
        night_prob=0.3,
        blur_prob=0.35,
        colour_jitter=1.5,
        image_noise=1.6,
        audio_snr_db=(-3.0, 20.0),
        audio_distractor_prob=0.4,
        audio_dropout_prob=0.2,
        reverb=1.5,
        depth_noise=1.8,
        depth_dropout=0.06,
        thermal_noise=1.8,
        imu_noise=1.8,
        imu_bias=1.8,
        imu_rotation_deg=180.0,
        imu_dropout_prob=0.4,
        vague_caption_prob=0.2,
        typo_prob=0.06,
    ),
}


def get_difficulty(spec: str | Difficulty | Mapping[str, Any] | None = None) -> Difficulty:
    """A ``Difficulty`` from a preset name, a mapping of overrides on ``default``, or itself."""
    if spec is None:
        return DIFFICULTY_PRESETS["default"]
    if isinstance(spec, Difficulty):
        return spec
    if isinstance(spec, str):
        if spec not in DIFFICULTY_PRESETS:
            raise ValueError(f"unknown difficulty preset {spec!r}; choose one of {sorted(DIFFICULTY_PRESETS)}")
        return DIFFICULTY_PRESETS[spec]
    if isinstance(spec, Mapping):
        known = {f.name for f in fields(Difficulty)}
        unknown = sorted(set(spec) - known)
        if unknown:
            raise ValueError(f"unknown difficulty fields {unknown}; known fields are {sorted(known)}")
        overrides = dict(spec)
        if "audio_snr_db" in overrides:
            overrides["audio_snr_db"] = tuple(overrides["audio_snr_db"])
        return replace(DIFFICULTY_PRESETS["default"], **overrides)
    raise TypeError(f"difficulty must be a preset name, a mapping or a Difficulty, got {type(spec).__name__}")
