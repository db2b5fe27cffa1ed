"""Building the preprocessor of every input kind from one set of limits and options."""

from __future__ import annotations

from typing import Any, Protocol

import torch

from bindspace.models.preprocess.audio import AudioPreprocessor
from bindspace.models.preprocess.depth import DepthPreprocessor
from bindspace.models.preprocess.fast_image import FastImagePreprocessor
from bindspace.models.preprocess.image import ImagePreprocessor
from bindspace.models.preprocess.imu import ImuPreprocessor
from bindspace.models.preprocess.limits import InputLimits
from bindspace.models.preprocess.text import TextPreprocessor
from bindspace.models.preprocess.thermal import ThermalPreprocessor
from bindspace.models.preprocess.video import VideoPreprocessor
from bindspace.models.preprocess.wordpiece import WordPieceTextPreprocessor

INPUT_KINDS = ("image", "video", "text", "audio", "depth", "thermal", "imu")
"""What a client can send; `ENCODER_FOR` names the encoder modality each one goes through."""

ENCODER_FOR = {
    "image": "vision",
    "video": "vision",
    "text": "text",
    "audio": "audio",
    "depth": "depth",
    "thermal": "thermal",
    "imu": "imu",
}

PREPROCESSOR_CLASSES = {
    "image": ImagePreprocessor,
    "video": VideoPreprocessor,
    "text": TextPreprocessor,
    "audio": AudioPreprocessor,
    "depth": DepthPreprocessor,
    "thermal": ThermalPreprocessor,
    "imu": ImuPreprocessor,
}

ALTERNATIVE_CLASSES = {
    ("image", "fast"): FastImagePreprocessor,
    ("text", "wordpiece"): WordPieceTextPreprocessor,
}
"""Other preprocessings of a kind, chosen by its `"preprocessor"` option (a model directory's config
names the ones its towers need)."""


class Preprocessor(Protocol):
    """One input kind's preprocessing: bytes or a path in, one item's tensor (no batch dim) out."""

    kind: str
    encoder: str
    releases_gil: bool
    """Whether most of its work runs outside the GIL (decoders, NumPy), so that threads run it in parallel."""

    def __call__(self, source: Any) -> torch.Tensor: ...


def build_preprocessors(
    limits: InputLimits | None = None, **options: dict[str, Any]
) -> dict[str, Preprocessor]:
    """`{kind: preprocessor}` for every input kind, all sharing `limits`.

    `options` maps a kind to keyword arguments of its class, e.g.
    `build_preprocessors(depth={"baseline_m": 0.05}, imu={"sample_rate": 50})`. The option
    `"preprocessor"` picks one of `ALTERNATIVE_CLASSES` instead, e.g. `text={"preprocessor": "wordpiece", ...}`.
    """
    unknown = set(options) - set(INPUT_KINDS)
    if unknown:
        raise ValueError(f"unknown input kinds in options: {sorted(unknown)}")
    limits = limits or InputLimits()
    return {kind: _build(kind, limits, dict(options.get(kind, {}))) for kind in INPUT_KINDS}


def _build(kind: str, limits: InputLimits, options: dict[str, Any]) -> Preprocessor:
    name = options.pop("preprocessor", None)
    if name is None:
        return PREPROCESSOR_CLASSES[kind](limits, **options)
    if (kind, name) not in ALTERNATIVE_CLASSES:
        known = [n for k, n in ALTERNATIVE_CLASSES if k == kind]
        raise ValueError(f"unknown {kind} preprocessor {name!r}; choose one of {known}")
    return ALTERNATIVE_CLASSES[kind, name](limits, **options)
