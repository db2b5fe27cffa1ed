"""Writing a corpus to disk: ``write_corpus(out_dir, ...)``.

Layout of ``out_dir``::

    concepts.json                 concept names, groups, synonyms, class prompts, prompt templates
    corpus.json                   how the corpus was made (seed, sizes, difficulty, modalities, formats)
    <split>/manifest.jsonl        one JSON object per sample, paths relative to this file
    <split>/image/<id>.png        224x224 RGB
    <split>/audio/<id>.wav        16 kHz mono PCM-16, 2-5 s
    <split>/depth/<id>.png        224x224 16-bit millimetres (0 = no return)
    <split>/thermal/<id>.png      224x224 8-bit
    <split>/imu/<id>.csv          header + 2000 rows at 400 Hz
"""

from __future__ import annotations

import json
import multiprocessing
import os
import shutil
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

from . import formats
from .concepts import CONCEPTS, PROMPT_TEMPLATES, get_concept
from .depth import MAX_RANGE_M
from .difficulty import Difficulty, get_difficulty
from .factors import SPLITS
from .sample import MODALITIES, Sample, check_modalities, render_sample
from .thermal import LINEAR_HIGH_C, LINEAR_LOW_C, LINEAR_TOP_VALUE, MAX_C

CORPUS_VERSION = 1
DEFAULT_SAMPLES = {"train": 100, "val": 20, "test": 20}
_EXTENSIONS = {"image": "png", "audio": "wav", "depth": "png", "thermal": "png", "imu": "csv"}

Task = tuple[str, str, int]


def _encode(sample: Sample, modality: str) -> bytes:
    if modality == "image":
        return formats.image_png(sample.image)
    if modality == "audio":
        return formats.audio_wav(sample.audio, sample.audio_rate)
    if modality == "depth":
        return formats.depth_png(sample.depth)
    if modality == "thermal":
        return formats.thermal_png(sample.thermal)
    return formats.imu_csv(sample.imu)


def _write_one(job: tuple[Path, int, Difficulty, tuple[str, ...], Task]) -> dict:
    root, seed, difficulty, modalities, (concept, split, index) = job
    sample = render_sample(concept, split, index, seed, difficulty=difficulty, modalities=modalities)
    row = {"id": sample.id, "concept": concept, "split": split, "index": index}
    for m in modalities:
        if m == "text":
            row["text"] = sample.text
            continue
        rel = f"{m}/{sample.id}.{_EXTENSIONS[m]}"
        (root / split / rel).write_bytes(_encode(sample, m))
        row[m] = rel
    row["factors"] = {**sample.factors.summary(), **sample.extra}
    return row


def _write_json(path: Path, document: dict) -> None:
    path.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")


def _concepts_document(names: list[str]) -> dict:
    return {
        "concepts": [
            {"name": c.name, "group": c.group, "synonyms": list(c.nouns[1:]), "prompts": list(c.prompts)}
            for c in (get_concept(n) for n in names)
        ],
        "labels": names,
        "templates": list(PROMPT_TEMPLATES),
    }


def _formats_document() -> dict:
    return {
        "image": "PNG 224x224 RGB 8-bit",
        "audio": "WAV mono 16 kHz PCM-16, 2-5 s",
        "depth": f"PNG 224x224 16-bit, millimetres along the optical axis, 0 = no return, range <= {MAX_RANGE_M} m",
        "thermal": (
            f"PNG 224x224 8-bit; value = (T - {LINEAR_LOW_C}) / {LINEAR_HIGH_C - LINEAR_LOW_C} * "
            f"{LINEAR_TOP_VALUE} up to {LINEAR_HIGH_C} degC, logarithmic above up to {MAX_C} degC (255)"
        ),
        "imu": "CSV, header acc_x,acc_y,acc_z,gyro_x,gyro_y,gyro_z, 2000 rows at 400 Hz; m/s^2 incl. gravity, rad/s",
        "text": "caption string in the manifest's text field",
    }


def _prepare(root: Path, overwrite: bool) -> None:
    """Make ``root`` ready for a new corpus; only a directory holding a corpus may be replaced."""
    if root.exists() and any(root.iterdir()):
        if not overwrite:
            raise FileExistsError(f"corpus directory {root} is not empty; pass overwrite=True to replace it")
        if not (root / "corpus.json").exists():
            raise FileExistsError(f"refusing to overwrite {root}: it does not hold a corpus (no corpus.json)")
        for split in SPLITS:
            if (root / split).is_dir():
                shutil.rmtree(root / split)
        (root / "concepts.json").unlink(missing_ok=True)
    root.mkdir(parents=True, exist_ok=True)


def write_corpus(
    out_dir: str | os.PathLike,
    *,
    samples_per_concept_per_split: Mapping[str, int] | None = None,
    seed: int = 0,
    modalities: Iterable[str] = MODALITIES,
    workers: int | None = None,
    difficulty: str | Difficulty | Mapping | None = None,
    concepts: Iterable[str] | None = None,
    overwrite: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> Path:
    """Render and write a paired corpus; returns ``out_dir`` as a ``Path``.

    ``samples_per_concept_per_split`` maps split names (``train``, ``val``, ``test``) to the
    number of samples per concept (default ``{"train": 100, "val": 20, "test": 20}``); each split
    draws from its own seed stream. ``modalities`` picks the views to write, ``concepts`` a
    subset of concept names (default: all), ``difficulty`` a preset name, a mapping of
    overrides or a ``Difficulty``. ``workers`` processes render in parallel (default: up to 2;
    0 or 1 renders in this process). Output bytes depend only on the arguments, not on the
    number of workers. ``progress(done, total)`` is called as samples finish.

    ``corpus.json`` is written first with ``"complete": false`` and rewritten with ``true`` once
    every manifest is in place, so an interrupted run is recognisable; ``overwrite=True`` replaces
    a directory holding a (complete or not) corpus and refuses any other non-empty directory.
    """
    counts = dict(DEFAULT_SAMPLES if samples_per_concept_per_split is None else samples_per_concept_per_split)
    for split, n in counts.items():
        if split not in SPLITS:
            raise ValueError(f"unknown split {split!r}; choose from {list(SPLITS)}")
        if not isinstance(n, int) or n < 0:
            raise ValueError(f"samples per concept for split {split!r} must be a non-negative integer, got {n!r}")
    if not isinstance(seed, int) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    mods = check_modalities(modalities)
    diff = get_difficulty(difficulty)
    names = [c.name for c in CONCEPTS] if concepts is None else [get_concept(n).name for n in concepts]
    if not names:
        raise ValueError("at least one concept must be selected")
    if workers is None:
        workers = min(2, os.cpu_count() or 1)
    if workers < 0:
        raise ValueError(f"workers must be >= 0, got {workers}")

    root = Path(out_dir)
    _prepare(root, overwrite)
    meta = {
        "version": CORPUS_VERSION,
        "complete": False,
        "seed": seed,
        "samples_per_concept_per_split": counts,
        "modalities": list(mods),
        "concepts": names,
        "difficulty": diff.as_dict(),
        "formats": _formats_document(),
        "manifests": {split: f"{split}/manifest.jsonl" for split, n in counts.items() if n},
    }
    _write_json(root / "corpus.json", meta)
    for split, n in counts.items():
        if n:
            for m in mods:
                if m != "text":
                    (root / split / m).mkdir(parents=True, exist_ok=True)

    tasks: list[Task] = [(name, split, i) for split, n in counts.items() for name in names for i in range(n)]
    jobs = [(root, seed, diff, mods, t) for t in tasks]
    rows: list[dict] = []
    if workers <= 1:
        for job in jobs:
            rows.append(_write_one(job))
            if progress:
                progress(len(rows), len(jobs))
    else:
        with multiprocessing.get_context("spawn").Pool(workers) as pool:
            for row in pool.imap_unordered(_write_one, jobs, chunksize=4):
                rows.append(row)
                if progress:
                    progress(len(rows), len(jobs))

    order = {name: k for k, name in enumerate(names)}
    rows.sort(key=lambda r: (r["split"], order[r["concept"]], r["index"]))
    for split, n in counts.items():
        if not n:
            continue
        lines = [json.dumps(r, sort_keys=False) for r in rows if r["split"] == split]
        (root / split / "manifest.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    _write_json(root / "concepts.json", _concepts_document(names))
    _write_json(root / "corpus.json", {**meta, "complete": True})
    return root
