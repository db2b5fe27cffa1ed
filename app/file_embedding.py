"""Embedding files from the command line: the model loaded in-process, inputs batched per kind."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
import torch

from bindspace.app.model_source import resolve_model_dir
from bindspace.app.runtime import load_encoder
from bindspace.app.settings import Settings
from bindspace.models.errors import InputError
from bindspace.models.factory import model_preprocessing
from bindspace.models.preprocess import ENCODER_FOR, build_preprocessors

# File extension -> input kind, for commands that guess the kind. Depth and thermal maps are images
# on disk, so they need an explicit --modality.
EXTENSION_KINDS = {
    **dict.fromkeys((".jpg", ".jpeg", ".png", ".webp", ".bmp", ".gif", ".tif", ".tiff"), "image"),
    **dict.fromkeys((".mp4", ".mov", ".webm", ".mkv", ".avi", ".m4v"), "video"),
    **dict.fromkeys((".wav", ".flac", ".ogg", ".mp3", ".m4a", ".aac"), "audio"),
    **dict.fromkeys((".txt", ".md"), "text"),
    ".csv": "imu",
}


def guess_kind(path: Path) -> str:
    """The input kind of `path` from its extension; InputError when the extension says nothing."""
    kind = EXTENSION_KINDS.get(path.suffix.lower())
    if kind is None:
        raise InputError(f"{path}: cannot tell the input kind from the extension {path.suffix!r}; "
                         "pass --modality")
    return kind


class FileEmbedder:
    """The configured model with its preprocessors, embedding files in batches of the configured size."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        model_dir = resolve_model_dir(settings.model)
        self.encoder, self.info = load_encoder(settings, model_dir)
        self.preprocessors = build_preprocessors(settings.input_limits(), **model_preprocessing(model_dir))

    def _prepare(self, kind: str, path: Path) -> torch.Tensor:
        try:
            return self.preprocessors[kind](path)
        except InputError as exc:
            raise InputError(f"{path}: {exc}") from exc

    def embed_texts(self, texts: Sequence[str]) -> np.ndarray:
        """Raw vectors of `texts`."""
        tensors = [self.preprocessors["text"](text) for text in texts]
        return self.encoder.encode("text", torch.stack(tensors)).numpy()

    def embed_files(self, kind: str, paths: Sequence[Path]) -> Iterator[tuple[Path, np.ndarray]]:
        """(path, raw vector) for each file, in order; InputError names the first bad file."""
        if ENCODER_FOR[kind] not in self.info.modalities:
            raise InputError(f"the model '{self.info.name}' has no encoder for {kind} inputs")
        modality = ENCODER_FOR[kind]
        size = self.settings.batch_sizes[modality]
        for start in range(0, len(paths), size):
            chunk = paths[start:start + size]
            batch = torch.stack([self._prepare(kind, path) for path in chunk])
            yield from zip(chunk, self.encoder.encode(modality, batch).numpy(), strict=True)
