"""Paired items from a manifest, through the service's preprocessing, with an on-disk tensor cache.

The first pass over a manifest decodes and preprocesses every file (in worker processes); later
epochs read the cached tensors, which is a small fraction of the cost (audio filterbanks above all).
"""

import hashlib
import os
from collections.abc import Callable, Mapping, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import torch
from torch.utils.data import DataLoader, Dataset

from bindspace.models.errors import InputError
from bindspace.training.augment import random_resized_crop_flip
from bindspace.training.cache import TensorCache
from bindspace.models.kinds import get_kind
from bindspace.training.manifest import TEXT_KIND, ManifestRecord



@lru_cache(maxsize=1)
def preprocessing_code_digest() -> str:
    """sha256 of the preprocessing package's source, so a code change invalidates cached tensors."""
    from bindspace.models import preprocess

    folder = Path(preprocess.__file__).parent
    digest = hashlib.sha256()
    for path in sorted(folder.glob("*.py")):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def preprocessor_parameters(preprocessor: Callable) -> str:
    """A string naming a preprocessor's class, settings and code version (a cache key part).

    Settings are its attributes whose repr is stable (objects printed with an address are left out).
    """
    settings = {k: repr(v) for k, v in sorted(vars(preprocessor).items())}
    stable = {k: v for k, v in settings.items() if " at 0x" not in v}
    return f"{type(preprocessor).__qualname__}|{stable}|{preprocessing_code_digest()}"


class PairDataset(Dataset):
    """Item `i` of `records` as `{"index": i, kind: tensor, ...}` for each kind in `kinds`.

    Keys are an index, or `(index, epoch)` as `EpochBatches` yields them: with an epoch and
    `sample_one_clip`, audio and video keep one clip of their stack, drawn from (seed, epoch, index),
    so that augmentation is reproducible in any worker; kinds in `augment` then also get a random
    resized crop and flip. Floating tensors come back as float32.
    """

    def __init__(
        self,
        records: Sequence[ManifestRecord],
        kinds: Sequence[str],
        preprocessors: Mapping[str, Callable],
        *,
        cache: TensorCache | None = None,
        seed: int = 0,
        sample_one_clip: bool = True,
        augment: Sequence[str] = (),
    ):
        missing = [kind for kind in kinds if kind not in preprocessors]
        if missing:
            raise ValueError(f"no preprocessor for input kind(s) {', '.join(missing)}")
        self.records = list(records)
        self.kinds = tuple(kinds)
        self.preprocessors = {kind: preprocessors[kind] for kind in self.kinds}
        self.parameters = {kind: preprocessor_parameters(p) for kind, p in self.preprocessors.items()}
        self.cache = cache
        self.seed = seed
        self.sample_one_clip = sample_one_clip
        self.augment = tuple(augment)

    def __len__(self) -> int:
        return len(self.records)

    def __getitem__(self, key: int | tuple[int, int]) -> dict[str, Any]:
        index, epoch = key if isinstance(key, tuple) else (key, None)
        record = self.records[index]
        item: dict[str, Any] = {"index": index}
        generator = None
        if epoch is not None:
            generator = torch.Generator().manual_seed(((self.seed * 1_000_003 + epoch) * 1_000_003 + index) % 2**63)
        for kind in self.kinds:
            tensor = self.load(record, kind)
            if generator is not None and get_kind(kind).clip_stack and self.sample_one_clip:
                clip = int(torch.randint(tensor.shape[0], (1,), generator=generator))
                tensor = tensor[clip : clip + 1]
            tensor = tensor.float() if tensor.is_floating_point() else tensor
            if generator is not None and kind in self.augment:
                tensor = random_resized_crop_flip(tensor, generator)
            item[kind] = tensor
        return item

    def load(self, record: ManifestRecord, kind: str) -> torch.Tensor:
        """One preprocessed input; errors name the manifest line and the file."""
        value = record.inputs[kind]
        preprocessor = self.preprocessors[kind]
        try:
            if kind == TEXT_KIND or self.cache is None:
                return preprocessor(value)
            source = Path(value).read_bytes()
            return self.cache.get_or_compute(kind, self.parameters[kind], source, lambda: preprocessor(source))
        except (InputError, OSError) as error:
            raise InputError(f"manifest line {record.line}: {kind} {value!r}: {error}") from error


def item_loader(dataset: Dataset, batch_sampler, num_workers: int, collate_fn: Callable | None = None) -> DataLoader:
    """A `DataLoader` over `batch_sampler`'s batches that leaves the global random state untouched
    (its workers seed themselves from a private generator), so runs resume exactly."""
    return DataLoader(
        dataset,
        batch_sampler=batch_sampler,
        num_workers=num_workers,
        collate_fn=collate_fn,
        generator=torch.Generator().manual_seed(0),
        persistent_workers=False,
        multiprocessing_context="fork" if num_workers and os.name == "posix" else None,
    )


def sequential_batches(num_items: int, batch_size: int) -> list[list[int]]:
    """Consecutive index batches covering `num_items` (for embedding and evaluation passes)."""
    return [list(range(start, min(start + batch_size, num_items))) for start in range(0, num_items, batch_size)]


def warm_cache(dataset: PairDataset, num_workers: int, batch_size: int = 16) -> None:
    """Preprocess every item once so that the cache holds them all (uses all workers, no training)."""
    for _ in item_loader(dataset, sequential_batches(len(dataset), batch_size), num_workers, collate_fn=len):
        pass
