import json

import numpy as np
import pytest
import torch

from bindspace.models.errors import InputError
from bindspace.training.cache import TensorCache
from bindspace.training.data import PairDataset
from bindspace.training.manifest import read_manifest
from bindspace.training.sampler import EpochBatches


class CountingPreprocessor:
    """Returns a (3, 4) tensor of the file's bytes; counts its calls."""

    def __init__(self, scale=1.0, stack=False):
        self.scale = scale
        self.stack = stack
        self.calls = 0

    def __call__(self, source):
        self.calls += 1
        if isinstance(source, str):
            with open(source, "rb") as handle:
                source = handle.read()
        if source == b"bad":
            raise InputError("audio: not a WAV file")
        values = torch.tensor(list(source[:12].ljust(12, b"\0")), dtype=torch.float32).view(3, 4) * self.scale
        return values[:, None] if self.stack else values


def test_cache_hits_on_same_content_and_misses_on_changed_content_or_parameters(tmp_path):
    cache = TensorCache(tmp_path, float_dtype="float32")
    calls = []
    compute = lambda value: (lambda: calls.append(1) or torch.full((2,), value))
    first = cache.get_or_compute("audio", "p1", b"file", compute(1.0))
    again = cache.get_or_compute("audio", "p1", b"file", compute(2.0))
    assert torch.equal(first, again) and len(calls) == 1
    assert cache.get_or_compute("audio", "p1", b"edited", compute(3.0))[0] == 3.0
    assert cache.get_or_compute("audio", "p2", b"file", compute(4.0))[0] == 4.0
    assert cache.get_or_compute("image", "p1", b"file", compute(5.0))[0] == 5.0
    assert len(calls) == 4


@pytest.mark.parametrize("dtype, tolerance", [("float32", 0.0), ("float16", 1e-3), ("bfloat16", 1e-2)])
def test_cache_round_trips_floats_in_its_storage_type_and_keeps_integers(tmp_path, dtype, tolerance):
    cache = TensorCache(tmp_path, float_dtype=dtype)
    values = torch.randn(4, 5)
    stored = cache.store(cache.key("k", "", b"a"), values)
    loaded = cache.load(cache.key("k", "", b"a"))
    assert loaded.dtype == getattr(torch, dtype) and torch.equal(loaded, stored)
    assert torch.allclose(loaded.float(), values, rtol=tolerance, atol=tolerance)
    tokens = torch.arange(77)
    cache.store(cache.key("text", "", b"t"), tokens)
    assert torch.equal(cache.load(cache.key("text", "", b"t")), tokens)
    assert cache.load(cache.key("k", "", b"missing")) is None


@pytest.fixture
def manifest(tmp_path):
    lines = []
    for i in range(6):
        (tmp_path / f"{i}.bin").write_bytes(bytes(range(i, i + 12)))
        lines.append(json.dumps({"audio": f"{i}.bin", "text": f"item {i}"}))
    (tmp_path / "m.jsonl").write_text("\n".join(lines))
    return tmp_path / "m.jsonl"


def test_dataset_preprocesses_once_then_reads_the_cache(manifest, tmp_path):
    records = read_manifest(manifest, ["audio"])
    preprocessor = CountingPreprocessor()
    cache = TensorCache(tmp_path / "cache", float_dtype="float32")
    dataset = PairDataset(records, ["audio"], {"audio": preprocessor}, cache=cache)
    first = [dataset[i]["audio"] for i in range(6)]
    second = [dataset[i]["audio"] for i in range(6)]
    assert preprocessor.calls == 6
    assert all(torch.equal(a, b) for a, b in zip(first, second))
    assert dataset[2]["index"] == 2 and first[2].dtype == torch.float32

    rescaled = PairDataset(records, ["audio"], {"audio": CountingPreprocessor(scale=2.0)}, cache=cache)
    assert torch.equal(rescaled[2]["audio"], 2 * first[2])


def test_clip_stacks_keep_one_reproducible_clip_per_epoch(manifest):
    records = read_manifest(manifest, ["audio"])
    dataset = PairDataset(records, ["audio"], {"audio": CountingPreprocessor(stack=True)}, seed=5)
    assert dataset[0]["audio"].shape == (3, 1, 4)
    one = dataset[(0, 7)]["audio"]
    assert one.shape == (1, 1, 4) and torch.equal(one, dataset[(0, 7)]["audio"])
    clips = {int(dataset[(0, epoch)]["audio"][0, 0, 0]) for epoch in range(20)}
    assert len(clips) > 1


def test_preprocessing_errors_name_the_manifest_line(tmp_path):
    (tmp_path / "bad.bin").write_bytes(b"bad")
    (tmp_path / "m.jsonl").write_text(json.dumps({"audio": "bad.bin"}) + "\n")
    dataset = PairDataset(read_manifest(tmp_path / "m.jsonl", ["audio"]), ["audio"], {"audio": CountingPreprocessor()})
    with pytest.raises(InputError, match=r"manifest line 1: audio .*bad.bin.*not a WAV file"):
        dataset[0]


def test_epoch_batches_are_deterministic_and_resume_mid_epoch():
    batches = EpochBatches(num_items=10, batch_size=3, seed=1)
    assert len(batches) == 3
    epoch0 = list(batches.batches(0))
    assert epoch0 == list(batches.batches(0)) and epoch0 != list(batches.batches(1))
    assert list(batches.batches(0, start=2)) == epoch0[2:]
    assert all(epoch == 0 for batch in epoch0 for _, epoch in batch)
    flat = [index for batch in epoch0 for index, _ in batch]
    assert len(set(flat)) == 9
    with pytest.raises(ValueError):
        EpochBatches(num_items=2, batch_size=3, seed=0)


def test_grouped_batches_never_pair_two_items_of_one_group():
    groups = [f"class-{i % 8}" for i in range(80)] + ["rare"] * 2
    batches = EpochBatches(num_items=len(groups), batch_size=8, seed=3, groups=groups)
    assert len(batches) == len(groups) // 8
    seen = []
    for epoch in (0, 1):
        batch_list = list(batches.batches(epoch))
        assert batch_list == list(batches.batches(epoch))
        assert list(batches.batches(epoch, start=4)) == batch_list[4:]
        for batch in batch_list:
            assert len(batch) == 8 and len({groups[index] for index, _ in batch}) == 8
        seen += [index for batch in batch_list for index, _ in batch]
    # balanced groups are dealt out without repeats within an epoch, so two epochs reach most items
    assert len(set(seen)) >= 0.9 * len(groups)


def test_grouped_batches_refuse_more_slots_than_groups():
    with pytest.raises(ValueError, match="distinct groups"):
        EpochBatches(num_items=20, batch_size=5, seed=0, groups=["a", "b", "c", "d"] * 5)
    with pytest.raises(ValueError, match="group keys"):
        EpochBatches(num_items=20, batch_size=2, seed=0, groups=["a", "b"])
