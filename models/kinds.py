"""The registry of input kinds: what a client can send, and everything that belongs to each kind.

A *kind* is what a client sends (`image`, `video`, `text`, `audio`, `depth`, `thermal`, `imu`); an
*encoder* is the tower of the model that embeds it (`vision`, `text`, `audio`, ...). Several kinds may
share an encoder: `image` and `video` both go through `vision`. This module is the one place that lists
them; the request layer (media types, schemas), the settings (batch sizes), zero-shot classification
(prompt templates), the command line (file extensions) and training read it from here.

`register_kind` adds a kind at run time, for example a new file format for an existing encoder; it is
visible to every layer built after the call (`build_preprocessors`, the HTTP app).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bindspace.models.preprocess.audio import AudioPreprocessor
from bindspace.models.preprocess.base import Preprocessor
from bindspace.models.preprocess.depth import DepthPreprocessor
from bindspace.models.preprocess.fast_image import FastImagePreprocessor
from bindspace.models.preprocess.image import ImagePreprocessor
from bindspace.models.preprocess.imu import ImuPreprocessor
from bindspace.models.preprocess.limits import InputLimits
from bindspace.models.preprocess.text import TextPreprocessor
from bindspace.models.preprocess.thermal import ThermalPreprocessor
from bindspace.models.preprocess.video import VideoPreprocessor
from bindspace.models.preprocess.wordpiece import WordPieceTextPreprocessor


@dataclass(frozen=True)
class EncoderSpec:
    """One encoder (tower) of the shared space and how the batcher feeds it by default."""

    name: str
    batch_size: int
    """Default largest batch (`BINDSPACE_BATCH_SIZES` overrides it), shared by every kind of this encoder."""
    batch_wait_ms: float = 5.0
    """Default longest wait of a batch for items still being preprocessed (`BINDSPACE_BATCH_WAIT_MS`)."""


@dataclass(frozen=True)
class KindSpec:
    """One input kind: its encoder, preprocessing, accepted formats, limits and zero-shot prompts."""

    name: str
    encoder: str
    preprocessor: type[Preprocessor]
    media_types: tuple[str, ...]
    """Media types accepted over HTTP; an entry ending in "/" accepts the whole family (`image/`)."""
    extensions: tuple[str, ...] = ()
    """File extensions that name this kind when a command guesses it (lower case, with the dot)."""
    prompt_templates: tuple[str, ...] = ("{}",)
    """Default hypothesis templates of zero-shot classification, averaged per label."""
    limits: tuple[str, ...] = ("max_bytes",)
    """The `InputLimits` fields that bound one input of this kind."""
    clip_stack: bool = False
    """Whether one preprocessed input is a stack of clips `(S, ...)` that the model averages."""

    @property
    def batch_size(self) -> int:
        """The default largest batch of this kind's encoder."""
        return ENCODERS[self.encoder].batch_size


ENCODERS: dict[str, EncoderSpec] = {spec.name: spec for spec in (
    EncoderSpec("vision", batch_size=16),
    EncoderSpec("text", batch_size=64),
    EncoderSpec("audio", batch_size=8),
    EncoderSpec("depth", batch_size=16),
    EncoderSpec("thermal", batch_size=16),
    EncoderSpec("imu", batch_size=32),
)}

IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".webp", ".bmp", ".gif", ".tif", ".tiff")
NPY_MEDIA_TYPES = ("application/x-npy", "application/npy")
MAP_LIMITS = ("max_bytes", "max_image_pixels", "max_image_side")

KINDS: dict[str, KindSpec] = {spec.name: spec for spec in (
    KindSpec("image", "vision", ImagePreprocessor, ("image/",), IMAGE_EXTENSIONS,
             ("a photo of {}.",), MAP_LIMITS),
    KindSpec("video", "vision", VideoPreprocessor, ("video/", "application/mp4"),
             (".mp4", ".mov", ".webm", ".mkv", ".avi", ".m4v"), ("a video of {}.",),
             ("max_video_bytes", "max_video_pixels", "max_image_side", "max_video_seconds"), clip_stack=True),
    KindSpec("text", "text", TextPreprocessor, ("text/plain",), (".txt", ".md"), ("{}",), ("max_text_chars",)),
    KindSpec("audio", "audio", AudioPreprocessor, ("audio/",), (".wav", ".flac", ".ogg", ".mp3", ".m4a", ".aac"),
             ("the sound of {}.",), ("max_bytes", "max_audio_seconds", "max_audio_channels"), clip_stack=True),
    # Depth and thermal maps are images or .npy arrays on disk, so no extension names them: commands take
    # an explicit kind for those files.
    KindSpec("depth", "depth", DepthPreprocessor, ("image/", *NPY_MEDIA_TYPES), (),
             ("a depth photo of {}.",), MAP_LIMITS),
    KindSpec("thermal", "thermal", ThermalPreprocessor, ("image/", *NPY_MEDIA_TYPES), (),
             ("a thermal photo of {}.",), MAP_LIMITS),
    KindSpec("imu", "imu", ImuPreprocessor,
             ("text/csv", "text/plain", "application/csv", "application/json", *NPY_MEDIA_TYPES), (".csv",),
             ("a person {}.",), ("max_bytes", "max_imu_samples")),
)}

ALTERNATIVE_PREPROCESSORS: dict[tuple[str, str], type[Preprocessor]] = {
    ("image", "fast"): FastImagePreprocessor,
    ("text", "wordpiece"): WordPieceTextPreprocessor,
}
"""Other preprocessings of a kind, chosen by its `"preprocessor"` option; a model directory's config
names the ones its towers need (`preprocess_options`)."""


class UnknownKindError(KeyError):
    """A kind name that is not registered; the message lists the registered ones."""

    def __str__(self) -> str:
        return str(self.args[0])


def kind_names() -> tuple[str, ...]:
    """Every registered kind, in registration order."""
    return tuple(KINDS)


def get_kind(name: str) -> KindSpec:
    """The spec of kind `name`; UnknownKindError naming the registered kinds otherwise."""
    spec = KINDS.get(name)
    if spec is None:
        raise UnknownKindError(f"unknown input kind {name!r}; the kinds are {', '.join(KINDS)}")
    return spec


def encoder_of(kind: str) -> str:
    """The encoder that embeds `kind` (image and video: vision)."""
    return get_kind(kind).encoder


def kind_for_path(path: str | Path) -> str | None:
    """The kind a file's extension names, or None when no registered kind claims it."""
    suffix = Path(path).suffix.lower()
    return next((spec.name for spec in KINDS.values() if suffix in spec.extensions), None)


def register_kind(spec: KindSpec) -> None:
    """Add (or replace) a kind; its encoder must be one of `ENCODERS`."""
    if spec.encoder not in ENCODERS:
        raise ValueError(f"kind {spec.name!r}: unknown encoder {spec.encoder!r}; encoders are {', '.join(ENCODERS)}")
    claimed = {ext: other.name for other in KINDS.values() if other.name != spec.name for ext in other.extensions}
    clashes = sorted(ext for ext in spec.extensions if ext in claimed)
    if clashes:
        raise ValueError(f"kind {spec.name!r}: extensions {clashes} already name kind(s) "
                         f"{sorted({claimed[ext] for ext in clashes})}")
    KINDS[spec.name] = spec


def unregister_kind(name: str) -> None:
    """Remove a kind added with `register_kind`."""
    get_kind(name)
    del KINDS[name]


def build_preprocessors(limits: InputLimits | None = None, **options: dict[str, Any]) -> dict[str, Preprocessor]:
    """`{kind: preprocessor}` for every registered kind, all sharing `limits`.

    `options` maps a kind to keyword arguments of its preprocessor class, e.g.
    `build_preprocessors(depth={"baseline_m": 0.05}, imu={"sample_rate": 50})`. The option
    `"preprocessor"` picks one of `ALTERNATIVE_PREPROCESSORS` instead, e.g. `text={"preprocessor": "wordpiece", ...}`.
    """
    unknown = set(options) - set(KINDS)
    if unknown:
        raise ValueError(f"unknown input kinds in options: {sorted(unknown)}; the kinds are {', '.join(KINDS)}")
    limits = limits or InputLimits()
    return {name: _build(spec, limits, dict(options.get(name, {}))) for name, spec in KINDS.items()}


def _build(spec: KindSpec, limits: InputLimits, options: dict[str, Any]) -> Preprocessor:
    name = options.pop("preprocessor", None)
    if name is None:
        return spec.preprocessor(limits, **options)
    if (spec.name, name) not in ALTERNATIVE_PREPROCESSORS:
        known = [n for kind, n in ALTERNATIVE_PREPROCESSORS if kind == spec.name]
        raise ValueError(f"unknown {spec.name} preprocessor {name!r}; choose one of {known}")
    return ALTERNATIVE_PREPROCESSORS[spec.name, name](limits, **options)


def preprocess_options(config: Any) -> dict[str, dict[str, Any]]:
    """`build_preprocessors` options that size and normalize images and video frames as the model
    (a `ModelConfig`) was trained: an OpenCLIP anchor trained at 336 pixels gets 336-pixel crops. A towers
    model (`TowerModelConfig`) states its per-kind options itself, in its config's `preprocessing`."""
    if hasattr(config, "preprocessing"):
        return {kind: dict(options) for kind, options in config.preprocessing.items()}
    vision = {"size": config.image_size, "mean": tuple(config.image_mean), "std": tuple(config.image_std)}
    return {
        name: dict(vision) for name, spec in KINDS.items()
        if issubclass(spec.preprocessor, (ImagePreprocessor, VideoPreprocessor))
    }
