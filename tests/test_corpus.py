"""Tests of the procedural paired corpus (models.corpus)."""

from __future__ import annotations

import csv
import hashlib
import json
from itertools import pairwise
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from PIL import Image

from bindspace.training.corpus import (
    CONCEPT_NAMES,
    CONCEPTS,
    MODALITIES,
    Difficulty,
    get_concept,
    get_difficulty,
    render_sample,
    write_corpus,
)
from bindspace.training.corpus.factors import draw_params
from bindspace.training.corpus.imu import COLUMNS

SMALL = {"train": 2, "val": 1, "test": 1}
FEW_CONCEPTS = ("dog", "kettle", "helicopter")


def _check_arrays(s) -> None:
    assert s.image.shape == (224, 224, 3) and s.image.dtype == np.uint8
    assert s.image.std() > 5, "image should not be flat"
    assert s.audio.ndim == 1 and s.audio.dtype == np.float32 and s.audio_rate == 16_000
    assert 2.0 <= len(s.audio) / s.audio_rate <= 5.0
    assert np.isfinite(s.audio).all() and 0 < np.abs(s.audio).max() <= 1.0
    assert s.depth.shape == (224, 224) and s.depth.dtype == np.uint16
    valid = s.depth[s.depth > 0]
    assert valid.size > 1000 and valid.min() >= 20
    assert s.thermal.shape == (224, 224) and s.thermal.dtype == np.uint8
    assert s.imu.shape == (2000, 6) and s.imu.dtype == np.float32 and np.isfinite(s.imu).all()
    g = np.linalg.norm(s.imu[:, :3], axis=1).mean()
    assert 7.0 < g < 40.0, f"accelerometer should include gravity, mean |acc| = {g}"
    assert isinstance(s.text, str) and len(s.text.split()) >= 2


def test_there_are_enough_concepts_with_prompts():
    assert len(CONCEPTS) >= 24
    assert len(set(CONCEPT_NAMES)) == len(CONCEPT_NAMES)
    for c in CONCEPTS:
        assert c.name in c.prompts[0] and len(c.prompts) >= 3


@pytest.mark.parametrize("name", CONCEPT_NAMES)
def test_every_concept_renders_in_every_modality(name):
    s = render_sample(name, "train", 0, seed=3)
    assert s.concept == name
    _check_arrays(s)


def test_render_is_deterministic_and_depends_on_seed_split_and_index():
    a = render_sample("car", "train", 4, seed=1)
    b = render_sample("car", "train", 4, seed=1)
    for m in ("image", "audio", "depth", "thermal", "imu"):
        assert np.array_equal(getattr(a, m), getattr(b, m)), m
    assert a.text == b.text
    for other in (
        render_sample("car", "train", 4, seed=2),
        render_sample("car", "test", 4, seed=1),
        render_sample("car", "train", 5, seed=1),
    ):
        for m in ("image", "audio", "depth", "thermal", "imu"):
            assert not np.array_equal(getattr(a, m), getattr(other, m)), m


def test_requesting_fewer_modalities_gives_the_same_arrays():
    full = render_sample("drum", "val", 2, seed=5)
    part = render_sample("drum", "val", 2, seed=5, modalities=("audio", "imu"))
    assert part.image is None and part.depth is None and part.text is None
    assert np.array_equal(full.audio, part.audio) and np.array_equal(full.imu, part.imu)


def test_bad_arguments_raise_clear_errors(tmp_path):
    with pytest.raises(ValueError, match="unknown concept"):
        render_sample("unicorn", "train", 0)
    with pytest.raises(ValueError, match="unknown split"):
        render_sample("dog", "holdout", 0)
    with pytest.raises(ValueError, match="seed"):
        render_sample("dog", "train", 0, seed=-1)
    with pytest.raises(ValueError, match="unknown modalities"):
        render_sample("dog", "train", 0, modalities=("smell",))
    with pytest.raises(ValueError, match="unknown difficulty"):
        get_difficulty("nightmare")
    with pytest.raises(ValueError, match="twin_similarity"):
        Difficulty(twin_similarity=1.5)
    with pytest.raises(ValueError, match="unknown split"):
        write_corpus(tmp_path / "x", samples_per_concept_per_split={"dev": 1})
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "keep.txt").write_text("mine")
    with pytest.raises(FileExistsError):
        write_corpus(tmp_path / "busy", samples_per_concept_per_split={"train": 1}, concepts=["dog"], workers=0)
    with pytest.raises(FileExistsError, match="does not hold a corpus"):
        write_corpus(
            tmp_path / "busy", samples_per_concept_per_split={"train": 1}, concepts=["dog"], workers=0, overwrite=True
        )
    assert (tmp_path / "busy" / "keep.txt").read_text() == "mine"


def _tree_digest(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("corpus") / "c"
    return write_corpus(root, samples_per_concept_per_split=SMALL, seed=7, concepts=FEW_CONCEPTS, workers=2)


def test_same_seed_gives_identical_bytes_whatever_the_worker_count(corpus, tmp_path):
    again = write_corpus(
        tmp_path / "again", samples_per_concept_per_split=SMALL, seed=7, concepts=FEW_CONCEPTS, workers=0
    )
    assert _tree_digest(corpus) == _tree_digest(again)
    other = write_corpus(
        tmp_path / "other", samples_per_concept_per_split=SMALL, seed=8, concepts=FEW_CONCEPTS, workers=0
    )
    a, b = _tree_digest(corpus), _tree_digest(other)
    media = [k for k in a if k.endswith((".png", ".wav", ".csv"))]
    assert media and all(a[k] != b[k] for k in media)


def test_manifest_fields_files_and_decoding(corpus):
    concepts = json.loads((corpus / "concepts.json").read_text())
    assert concepts["labels"] == list(FEW_CONCEPTS)
    assert all(c["prompts"] and c["name"] in c["prompts"][0] for c in concepts["concepts"])
    assert "a photo of a {}" in concepts["templates"]
    meta = json.loads((corpus / "corpus.json").read_text())
    assert meta["seed"] == 7 and meta["modalities"] == list(MODALITIES)
    for split, n in SMALL.items():
        rows = [json.loads(line) for line in (corpus / split / "manifest.jsonl").read_text().splitlines()]
        assert len(rows) == n * len(FEW_CONCEPTS)
        for row in rows:
            assert row["split"] == split and row["concept"] in FEW_CONCEPTS
            assert set(MODALITIES) | {"id"} <= set(row)
            assert isinstance(row["text"], str) and row["text"]
            base = corpus / split
            with Image.open(base / row["image"]) as im:
                assert im.mode == "RGB" and im.size == (224, 224)
            with Image.open(base / row["depth"]) as im:
                depth = np.asarray(im)
                assert im.size == (224, 224) and depth.dtype == np.uint16 and depth.max() > 255
            with Image.open(base / row["thermal"]) as im:
                assert im.mode == "L" and im.size == (224, 224)
            audio, rate = sf.read(base / row["audio"], dtype="float32")
            assert rate == 16_000 and audio.ndim == 1 and 2.0 <= len(audio) / rate <= 5.0
            with open(base / row["imu"], newline="") as fh:
                table = list(csv.reader(fh))
            assert tuple(table[0]) == COLUMNS and len(table) == 2001
            values = np.array(table[1:], dtype=np.float64)
            assert values.shape == (2000, 6) and np.isfinite(values).all()


def test_a_subset_of_modalities_writes_only_those(tmp_path):
    root = write_corpus(
        tmp_path / "c",
        samples_per_concept_per_split={"train": 1},
        concepts=["bell"],
        modalities=("imu", "text"),
        workers=0,
    )
    row = json.loads((root / "train" / "manifest.jsonl").read_text())
    assert {"imu", "text"} <= set(row) and not {"image", "audio", "depth", "thermal"} & set(row)
    assert sorted(p.name for p in (root / "train").iterdir()) == ["imu", "manifest.jsonl"]
    assert not (root / "val").exists()


def test_overwrite_replaces_an_interrupted_corpus(tmp_path):
    root = tmp_path / "c"
    (root / "train" / "image").mkdir(parents=True)
    (root / "train" / "image" / "stale.png").write_bytes(b"old")
    (root / "corpus.json").write_text('{"complete": false}')
    write_corpus(
        root,
        samples_per_concept_per_split={"train": 1},
        concepts=["bell"],
        modalities=("image",),
        workers=0,
        overwrite=True,
    )
    assert not (root / "train" / "image" / "stale.png").exists()
    assert json.loads((root / "corpus.json").read_text())["complete"] is True


def test_written_files_hold_the_rendered_arrays(corpus):
    row = json.loads((corpus / "val" / "manifest.jsonl").read_text().splitlines()[0])
    s = render_sample(row["concept"], "val", row["index"], seed=7)
    base = corpus / "val"
    assert np.array_equal(np.asarray(Image.open(base / row["image"])), s.image)
    assert np.array_equal(np.asarray(Image.open(base / row["depth"])), s.depth)
    assert np.array_equal(np.asarray(Image.open(base / row["thermal"])), s.thermal)
    audio, _ = sf.read(base / row["audio"], dtype="float32")
    assert np.abs(audio - s.audio).max() < 1e-4
    imu = np.loadtxt(base / row["imu"], delimiter=",", skiprows=1)
    assert np.abs(imu - s.imu).max() < 1e-4
    assert row["text"] == s.text


def test_splits_are_disjoint(corpus):
    seen: dict[str, str] = {}
    for split in SMALL:
        for row in (json.loads(x) for x in (corpus / split / "manifest.jsonl").read_text().splitlines()):
            for m in ("image", "audio", "imu"):
                digest = hashlib.sha256((corpus / split / row[m]).read_bytes()).hexdigest()
                assert seen.setdefault(digest, split) == split, f"{row['id']} {m} also appears in {seen[digest]}"


# --- the pairing carries the latent factors, not only the label -------------------------------------


def _spearman(a, b) -> float:
    ra, rb = np.argsort(np.argsort(a)), np.argsort(np.argsort(b))
    return float(np.corrcoef(ra, rb)[0, 1])


def test_temperature_drives_thermal_brightness():
    samples = [
        render_sample("kettle", "train", i, seed=11, difficulty="easy", modalities=("thermal",)) for i in range(12)
    ]
    hot = [np.percentile(s.thermal, 99) for s in samples]
    assert _spearman([s.factors.temperature for s in samples], hot) > 0.6


def test_speed_drives_gait_frequency():
    samples = [render_sample("horse", "train", i, seed=11, difficulty="easy", modalities=("imu",)) for i in range(12)]

    def cadence(imu: np.ndarray) -> float:
        a = np.linalg.norm(imu[:, :3], axis=1)
        spec = np.abs(np.fft.rfft(a - a.mean()))
        f = np.fft.rfftfreq(len(a), 1 / 400)
        band = (f > 0.5) & (f < 6)
        return float(f[band][spec[band].argmax()])

    assert _spearman([s.factors.speed for s in samples], [cadence(s.imu) for s in samples]) > 0.6


def test_size_lowers_the_pitch():
    samples = [render_sample("bell", "train", i, seed=11, difficulty="easy", modalities=("audio",)) for i in range(12)]

    def pitch(a: np.ndarray) -> float:
        spec = np.abs(np.fft.rfft(a))
        f = np.fft.rfftfreq(len(a), 1 / 16_000)
        band = (f > 150) & (f < 2000)
        return float(f[band][spec[band].argmax()])

    assert _spearman([s.factors.size for s in samples], [pitch(s.audio) for s in samples]) < -0.6


def test_depth_map_carries_the_metric_size():
    # Birds in the sky: the only valid depth pixels are the bird's, so its metric size follows from
    # its distance and its extent in pixels (60 degree field of view: focal length 194 px).
    samples = [render_sample("bird", "train", i, seed=11, difficulty="easy", modalities=("depth",)) for i in range(40)]
    sky = [s for s in samples if s.factors.scene == "sky"]
    assert len(sky) >= 6

    def metric_size(depth: np.ndarray) -> float:
        valid = depth > 0
        return float(np.median(depth[valid]) / 1000 * np.sqrt(valid.sum()) / 194.0)

    assert _spearman([s.factors.size_m for s in sky], [metric_size(s.depth) for s in sky]) > 0.7


# --- separability: every modality identifies concepts, twins are confused where designed ------------


def _hog(gray: np.ndarray, grid: int, bins: int = 9) -> np.ndarray:
    """Histograms of gradient orientations in a grid x grid layout (a cheap, shift-tolerant shape cue)."""
    gy, gx = np.gradient(gray.astype(np.float32))
    magnitude = np.hypot(gx, gy)
    b = np.minimum((np.mod(np.arctan2(gy, gx), np.pi) / np.pi * bins).astype(int), bins - 1)
    h, w = gray.shape
    cy, cx = np.minimum(np.arange(h) * grid // h, grid - 1), np.minimum(np.arange(w) * grid // w, grid - 1)
    out = np.zeros((grid, grid, bins))
    np.add.at(out, (cy[:, None].repeat(w, 1), cx[None, :].repeat(h, 0), b), magnitude)
    out = out.reshape(grid * grid, bins)
    return (out / (np.linalg.norm(out, axis=1, keepdims=True) + 1e-6)).ravel()


def _shape_features(gray: np.ndarray) -> np.ndarray:
    """HOG at two scales plus an intensity histogram of a single-channel view with values in 0..1."""
    g = np.asarray(Image.fromarray(gray.astype(np.float32)).resize((64, 64), Image.Resampling.BOX))
    hist = np.histogram(g, bins=24, range=(0, 1))[0] / g.size
    return np.concatenate([_hog(g, 1), _hog(g, 3), 2 * np.sqrt(hist)])


def _image_features(img):
    small = Image.fromarray(img).resize((64, 64), Image.Resampling.BOX)
    hsv = np.asarray(small.convert("HSV"), np.float32)
    hist = np.histogram2d(hsv[..., 0].ravel(), hsv[..., 1].ravel(), bins=(12, 4), range=((0, 256), (0, 256)))[0]
    gray = np.asarray(small.convert("L"), np.float32) / 255
    return np.concatenate([_hog(gray, 1), _hog(gray, 3), 2 * np.sqrt(hist.ravel() / hist.sum())])


def _audio_features(a):
    win, hop = 512, 256
    frames = np.lib.stride_tricks.sliding_window_view(a, win)[::hop] * np.hanning(win)
    power = np.abs(np.fft.rfft(frames, axis=1)) ** 2
    f = np.fft.rfftfreq(win, 1 / 16_000)
    edges = np.geomspace(60, 8000, 33)
    bands = np.log(np.stack([power[:, (f >= lo) & (f < hi)].sum(1) for lo, hi in pairwise(edges)], 1) + 1e-10)
    bands -= bands.mean()
    env = np.log(power.sum(1) + 1e-10)
    mod = np.abs(np.fft.rfft(env - env.mean(), 256))[:40]
    return np.concatenate([bands.mean(0), bands.std(0), 0.5 * np.log(np.add.reduceat(mod, np.arange(0, 40, 5)) + 1e-6)])


def _depth_features(d):
    metres = np.maximum(d.astype(np.float32), 1.0) / 1000.0
    return _shape_features(np.where(d > 0, np.clip((np.log(metres) + 3.0) / 8.0, 0.0, 1.0), 0.0))


def _thermal_features(t):
    return _shape_features(t / 255.0)


def _imu_features(x):
    x = x.astype(np.float64)
    chans = [np.linalg.norm(x[:, :3], axis=1), np.linalg.norm(x[:, 3:], axis=1)] + [x[:, i] for i in range(6)]
    f = np.fft.rfftfreq(len(x), 1 / 400)
    edges = np.geomspace(0.3, 200, 19)
    out = []
    for c in chans:
        s = np.abs(np.fft.rfft(c - c.mean())) ** 2
        out.append(0.3 * np.log(np.array([s[(f >= lo) & (f < hi)].sum() for lo, hi in pairwise(edges)]) + 1e-6))
    return np.concatenate(out)


_FEATURES = {
    "image": _image_features,
    "audio": _audio_features,
    "depth": _depth_features,
    "thermal": _thermal_features,
    "imu": _imu_features,
}


def _nearest_centroid_accuracy(features: dict[str, list[np.ndarray]], labels: dict[str, list[str]]) -> float:
    xtr, xte = np.stack(features["train"]), np.stack(features["test"])
    ytr, yte = np.array(labels["train"]), np.array(labels["test"])
    mu, sd = xtr.mean(0), xtr.std(0) + 1e-6
    xtr, xte = (xtr - mu) / sd, (xte - mu) / sd
    classes = sorted(set(ytr))
    centroids = np.stack([xtr[ytr == c].mean(0) for c in classes])
    pred = np.array(classes)[((xte[:, None] - centroids[None]) ** 2).sum(-1).argmin(1)]
    return float(np.mean(pred == yte))


def _text_accuracy(texts: dict[str, list[str]], labels: dict[str, list[str]]) -> float:
    vocab = sorted({w.strip(".,").lower() for t in texts["train"] for w in t.split()})
    index = {w: i for i, w in enumerate(vocab)}

    def bag(t: str) -> np.ndarray:
        v = np.zeros(len(vocab), np.float32)
        for w in t.split():
            if w.strip(".,").lower() in index:
                v[index[w.strip(".,").lower()]] = 1
        return v

    return _nearest_centroid_accuracy({k: [bag(t) for t in v] for k, v in texts.items()}, labels)


def _render_set(concepts, modalities, n_train, n_test, seed=21):
    feats = {m: {"train": [], "test": []} for m in modalities}
    labels = {"train": [], "test": []}
    for split, n in (("train", n_train), ("test", n_test)):
        for c in concepts:
            for i in range(n):
                s = render_sample(c, split, i, seed=seed, modalities=modalities)
                labels[split].append(c)
                for m in modalities:
                    value = getattr(s, m)
                    feats[m][split].append(value if m == "text" else _FEATURES[m](value))
    return feats, labels


SEPARABILITY_CONCEPTS = ("dog", "cat", "car", "helicopter", "kettle", "guitar", "hammer", "phone")


def test_every_modality_identifies_concepts_well_above_chance():
    feats, labels = _render_set(SEPARABILITY_CONCEPTS, MODALITIES, n_train=8, n_test=5)
    chance = 1 / len(SEPARABILITY_CONCEPTS)
    scores = {
        m: (_text_accuracy(feats[m], labels) if m == "text" else _nearest_centroid_accuracy(feats[m], labels))
        for m in MODALITIES
    }
    for m, acc in scores.items():
        assert acc >= 2.5 * chance, f"{m}: nearest-centroid top-1 {acc:.2f} is too close to chance {chance:.2f}"
    # captions name the concept most of the time but not always
    assert 0.7 <= scores["text"] <= 1.0


# (pair, modality where the two are meant to be confused, modality where they are not)
TWINS = [
    (("dog", "wolf"), "image", "audio"),  # look alike, sound different
    (("hair dryer", "vacuum cleaner"), "audio", "depth"),  # sound alike, differ in depth shape
    (("phone", "alarm clock"), "audio", "depth"),
    (("hammer", "drum"), "imu", "image"),  # move alike, look different
]


@pytest.mark.parametrize("pair,confused,distinct", TWINS, ids=["-".join(t[0]) for t in TWINS])
def test_designed_twins_are_confused_in_one_modality_but_not_another(pair, confused, distinct):
    feats, labels = _render_set(pair, (confused, distinct), n_train=12, n_test=12)
    acc_confused = _nearest_centroid_accuracy(feats[confused], labels)
    acc_distinct = _nearest_centroid_accuracy(feats[distinct], labels)
    assert acc_distinct >= 0.8, f"{pair} should be told apart by {distinct}: {acc_distinct:.2f}"
    assert acc_confused <= 0.72, f"{pair} should be hard to tell apart by {confused}: {acc_confused:.2f}"


def test_twin_similarity_knob_pulls_twin_parameters_together():
    """At similarity 0 twins draw from their own ranges; at 1 both draw from one shared range."""
    dryer, vacuum = get_concept("hair dryer"), get_concept("vacuum cleaner")

    def spread(similarity: float) -> float:
        difficulty = Difficulty(twin_similarity=similarity)
        gaps = []
        for i in range(40):
            a = draw_params(dryer, "sound", np.random.default_rng([1, i]), difficulty)
            b = draw_params(vacuum, "sound", np.random.default_rng([1, i]), difficulty)
            shared = set(a) & set(b)
            gaps.append(np.mean([abs(a[k] - b[k]) / (1e-9 + abs(a[k]) + abs(b[k])) for k in shared]))
        return float(np.mean(gaps))

    assert spread(1.0) < 1e-6, "identical ranges and the same random stream must give identical parameters"
    assert spread(0.0) > spread(0.5) > spread(1.0)
