"""The real evaluation sets in ../shared/data, read as (inputs, labels) lists (evaluation only, never training).

- COCO-mini: the 159 captioned photos and the first caption of each, in image-id order.
- CIFAR-10: the first `per_class` test images of each class (sorted file names), with class indices.
- Named photos: the 13 photos of `esc50_samples/images` and `imagebind_assets` and their name among 7.
- Sound clips: the 8 clips of `esc50_samples` and `imagebind_assets` and their name among 8 (the 7
  photo names and "car horn"; a car horn's photo is a car).
- UCI-HAR: the first `per_class` test windows of each activity, 6-axis (total acceleration in g, gyro in
  rad/s, 128 samples at 50 Hz), as `.npy` bytes.
"""

from __future__ import annotations

import io
import json
import os
from pathlib import Path

import numpy as np

SHARED_DATA = Path(os.environ.get("BINDSPACE_SHARED_DIR", Path(__file__).resolve().parents[2] / "shared")) / "data"

CIFAR_CLASSES = ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck")
PHOTO_NAMES = ("car", "cat", "alarm clock", "person coughing", "thunderstorm", "bird", "dog")
PHOTO_NAME_OF_FILE = {"cars": "car", "car": "car", "cat": "cat", "clock": "alarm clock",
                      "coughing": "person coughing", "lightning": "thunderstorm", "bird": "bird", "dog": "dog"}


def coco_pairs(data: Path = SHARED_DATA) -> tuple[list[Path], list[str]]:
    """(photo paths, first captions), one pair per captioned photo, in image-id order."""
    files: dict[int, Path] = {}
    first: dict[int, str] = {}
    for split in ("train2017", "val2017"):
        notes = json.loads((data / "coco_mini" / "annotations" / f"captions_{split}.json").read_text("utf-8"))
        for image in notes["images"]:
            files[image["id"]] = data / "coco_mini" / split / image["file_name"]
        for note in notes["annotations"]:
            first.setdefault(note["image_id"], note["caption"].strip())
    ids = sorted(i for i in first if i in files and files[i].is_file())
    return [files[i] for i in ids], [first[i] for i in ids]


def all_captions(data: Path = SHARED_DATA) -> dict[int, list[str]]:
    """Every caption of each COCO-mini photo, by image id."""
    captions: dict[int, list[str]] = {}
    for split in ("train2017", "val2017"):
        notes = json.loads((data / "coco_mini" / "annotations" / f"captions_{split}.json").read_text("utf-8"))
        for note in notes["annotations"]:
            captions.setdefault(note["image_id"], []).append(note["caption"].strip())
    return captions


def cifar_images(per_class: int = 100, data: Path = SHARED_DATA) -> tuple[list[Path], list[int]]:
    paths, labels = [], []
    for index, name in enumerate(CIFAR_CLASSES):
        chosen = sorted((data / "cifar10_test" / name).glob("*.jpg"))[:per_class]
        paths += chosen
        labels += [index] * len(chosen)
    return paths, labels


def named_photos(data: Path = SHARED_DATA) -> tuple[list[Path], list[int]]:
    """The 13 photos and the index in `PHOTO_NAMES` of each one's name (from its file name)."""
    paths = sorted((data / "esc50_samples" / "images").glob("*.jpg")) + sorted((data / "imagebind_assets").glob("*.jpg"))
    stems = [p.stem.rsplit("_", 1)[0] for p in paths]
    return paths, [PHOTO_NAMES.index(PHOTO_NAME_OF_FILE[s]) for s in stems]


SOUND_NAMES = ("car", "cat", "alarm clock", "person coughing", "thunderstorm", "bird", "dog", "car horn")
SOUND_NAME_OF_FILE = {"alarm": "alarm clock", "car": "car", "cat": "cat", "coughing": "person coughing",
                      "thunder": "thunderstorm", "bird": "bird", "dog": "dog"}
PHOTO_OF_SOUND = {"car horn": "car"}


def sound_clips(data: Path = SHARED_DATA) -> tuple[list[Path], list[int]]:
    """The 8 clips and the index in `SOUND_NAMES` of each one's name (from its file name)."""
    paths = sorted((data / "esc50_samples").glob("*.wav")) + sorted((data / "imagebind_assets").glob("*.wav"))
    names = []
    for path in paths:
        stem = path.stem
        names.append("car horn" if stem.startswith("car_horn") else SOUND_NAME_OF_FILE[stem.split("_", 1)[0]])
    return paths, [SOUND_NAMES.index(name) for name in names]


HAR_ACTIVITIES = ("walking", "walking upstairs", "walking downstairs", "sitting", "standing", "lying down")
HAR_CHANNELS = ("total_acc_x", "total_acc_y", "total_acc_z", "body_gyro_x", "body_gyro_y", "body_gyro_z")


def har_windows(per_class: int = 50, data: Path = SHARED_DATA) -> tuple[list[bytes], list[int]]:
    """`.npy` bytes of (128, 6) windows and their activity index, the first `per_class` of each activity."""
    folder = data / "uci_har_test"
    channels = np.stack([np.loadtxt(folder / f"{name}_test.csv", delimiter=",") for name in HAR_CHANNELS], axis=-1)
    labels = np.loadtxt(folder / "y_test.csv", dtype=np.int64) - 1
    windows, chosen = [], []
    for activity in range(len(HAR_ACTIVITIES)):
        for index in np.flatnonzero(labels == activity)[:per_class]:
            buffer = io.BytesIO()
            np.save(buffer, channels[index].astype(np.float32))
            windows.append(buffer.getvalue())
            chosen.append(activity)
    return windows, chosen
