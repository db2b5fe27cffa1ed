"""Every real file in the shared data set goes through its preprocessing and the fixture's model."""

from pathlib import Path

import numpy as np
import pytest
import torch

from bindspace.models.kinds import build_preprocessors
from preprocess_samples import DATA

CIFAR_PER_CLASS = 3
UCI_WINDOWS = 25
UCI_CHANNELS = ["total_acc_x", "total_acc_y", "total_acc_z", "body_gyro_x", "body_gyro_y", "body_gyro_z"]


def photo_paths() -> list[Path]:
    photos = sorted((DATA / "coco_mini").rglob("*.jpg"))
    photos += sorted((DATA / "esc50_samples" / "images").glob("*.jpg"))
    photos += sorted((DATA / "imagebind_assets").glob("*.jpg"))
    for folder in sorted((DATA / "cifar10_test").iterdir()):
        photos += sorted(folder.glob("*.jpg"))[:CIFAR_PER_CLASS]
    return photos


def audio_paths() -> list[Path]:
    return sorted((DATA / "esc50_samples").glob("*.wav")) + sorted((DATA / "imagebind_assets").glob("*.wav"))


@pytest.fixture(scope="module")
def preprocessors():
    return build_preprocessors()


@pytest.fixture(scope="module")
def uci_csvs() -> list[bytes]:
    """UCI-HAR test windows as T x 6 CSV files with a header row."""
    channels = [
        np.loadtxt(DATA / "uci_har_test" / f"{name}_test.csv", delimiter=",", max_rows=UCI_WINDOWS)
        for name in UCI_CHANNELS
    ]
    windows = np.stack(channels, axis=-1)
    return [
        "\n".join([",".join(UCI_CHANNELS)] + [",".join(map(str, row)) for row in window]).encode()
        for window in windows
    ]


def embed(model, encoder: str, batch: torch.Tensor) -> torch.Tensor:
    with torch.no_grad():
        return model({encoder: batch})[encoder]


def test_data_is_all_there():
    assert len(photo_paths()) >= 239 + 10 + 3 + 10 * CIFAR_PER_CLASS
    assert len(audio_paths()) == 8


def test_every_photo(preprocessors, reference_model):
    paths = photo_paths()
    batch = torch.stack([preprocessors["image"](path) for path in paths])
    assert batch.shape == (len(paths), 3, 224, 224) and torch.isfinite(batch).all()
    # Within the CLIP-normalized range of [0, 1] pixels, and not constant.
    assert -1.8 < batch.min() and batch.max() < 2.2
    assert torch.all(batch.flatten(1).std(dim=1) > 0.05)
    embeddings = torch.cat([embed(reference_model, "vision", batch[i : i + 64]) for i in range(0, len(paths), 64)])
    assert torch.isfinite(embeddings).all()
    assert torch.allclose(embeddings.norm(dim=1), torch.ones(len(paths)), atol=1e-4)


def test_every_audio_clip(preprocessors, reference_model):
    batch = torch.stack([preprocessors["audio"](path) for path in audio_paths()])
    assert batch.shape == (8, 3, 1, 128, 204) and torch.isfinite(batch).all()
    embeddings = embed(reference_model, "audio", batch)
    assert torch.isfinite(embeddings).all()
    # Raw audio outputs: each clip scaled to norm 20, then averaged over the 3 clips.
    assert torch.all(embeddings.norm(dim=1) <= 20 + 1e-3) and torch.all(embeddings.norm(dim=1) > 15)


def test_uci_har_windows(preprocessors, reference_model, uci_csvs):
    batch = torch.stack([preprocessors["imu"](data, sample_rate=50) for data in uci_csvs])
    assert batch.shape == (UCI_WINDOWS, 6, 2000) and torch.isfinite(batch).all()
    embeddings = embed(reference_model, "imu", batch)
    assert torch.isfinite(embeddings).all()
    assert torch.allclose(embeddings.norm(dim=1), torch.full((UCI_WINDOWS,), 5.0), atol=1e-3)


def test_captions(preprocessors, reference_model):
    import json

    captions = json.loads((DATA / "coco_mini" / "annotations" / "captions_val2017.json").read_text())
    texts = [entry["caption"] for entry in captions["annotations"][:50]]
    embeddings = embed(reference_model, "text", preprocessors["text"].batch(texts))
    assert embeddings.shape[0] == 50 and torch.isfinite(embeddings).all()


def test_photos_as_depth_and_thermal(preprocessors, reference_model):
    photos = photo_paths()[:8]
    for kind in ("depth", "thermal"):
        batch = torch.stack([preprocessors[kind](path) for path in photos])
        assert batch.shape == (8, 1, 224, 224) and batch.min() >= 0 and batch.max() <= 1
        assert torch.isfinite(embed(reference_model, kind, batch)).all()
