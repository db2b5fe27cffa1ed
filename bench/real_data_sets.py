"""The real evaluation sets in ../shared/data, read as (inputs, labels) lists (evaluation only, never training).

- COCO-mini: the 159 captioned photos and the first caption of each, in image-id order.
- CIFAR-10: the first `per_class` test images of each class (sorted file names), with class indices.
- Named photos: the 13 photos of `esc50_samples/images` and `imagebind_assets` and their name among 7.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

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
