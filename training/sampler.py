"""Deterministic batch order: epoch e's order depends only on (seed, e), so a run can resume mid-epoch."""

from collections.abc import Hashable, Iterator, Sequence

import torch


class EpochBatches:
    """Shuffled batches of `(item_index, epoch)` keys; the epoch travels with the key so that per-item
    augmentation can be seeded from it inside worker processes.

    The last incomplete batch is dropped when `drop_last` (contrastive batches should be full).

    With `groups` (one key per item, e.g. its class), no batch holds two items of one group: two items
    of a class in one contrastive batch are false negatives that the loss pushes apart. Each batch
    then draws `batch_size` different groups, with probability proportional to group size, and takes
    the next item of each group's shuffled order. `batch_size` may not exceed the number of groups.
    """

    def __init__(self, num_items: int, batch_size: int, seed: int, *, shuffle: bool = True, drop_last: bool = True,
                 groups: Sequence[Hashable] | None = None):
        if batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, got {batch_size}")
        if num_items < (batch_size if drop_last else 1):
            raise ValueError(f"{num_items} items cannot fill one batch of {batch_size}")
        if groups is not None:
            if len(groups) != num_items:
                raise ValueError(f"{len(groups)} group keys for {num_items} items")
            distinct = len(set(groups))
            if batch_size > distinct:
                raise ValueError(f"batches of {batch_size} distinct groups need at least {batch_size} groups; "
                                 f"the items have {distinct}")
        self.num_items = num_items
        self.batch_size = batch_size
        self.seed = seed
        self.shuffle = shuffle
        self.drop_last = drop_last
        self.groups = list(groups) if groups is not None else None

    def __len__(self) -> int:
        if self.drop_last:
            return self.num_items // self.batch_size
        return -(-self.num_items // self.batch_size)

    def order(self, epoch: int) -> list[int]:
        if not self.shuffle:
            return list(range(self.num_items))
        generator = torch.Generator().manual_seed(self.seed * 1_000_003 + epoch)
        return torch.randperm(self.num_items, generator=generator).tolist()

    def _grouped(self, epoch: int) -> list[list[int]]:
        """The batches of `epoch` when items are grouped (see the class docstring)."""
        members: dict[Hashable, list[int]] = {}
        for index in self.order(epoch):
            members.setdefault(self.groups[index], []).append(index)
        queues = list(members.values())
        weights = torch.tensor([len(items) for items in queues], dtype=torch.float64)
        generator = torch.Generator().manual_seed(self.seed * 1_000_003 + epoch + 500_009)
        taken = [0] * len(queues)
        batches = []
        for _ in range(len(self)):
            chosen = torch.multinomial(weights, self.batch_size, replacement=False, generator=generator).tolist()
            batches.append([queues[g][taken[g] % len(queues[g])] for g in chosen])
            for g in chosen:
                taken[g] += 1
        return batches

    def batches(self, epoch: int, start: int = 0) -> Iterator[list[tuple[int, int]]]:
        """Batches `start`, `start+1`, ... of `epoch`."""
        if self.groups is not None:
            for indices in self._grouped(epoch)[start:]:
                yield [(index, epoch) for index in indices]
            return
        order = self.order(epoch)
        for batch in range(start, len(self)):
            indices = order[batch * self.batch_size : (batch + 1) * self.batch_size]
            yield [(index, epoch) for index in indices]


class ResumableBatchSampler:
    """A `batch_sampler` for `DataLoader` yielding one epoch from a given batch onward."""

    def __init__(self, batches: EpochBatches, epoch: int, start: int = 0):
        self.batches = batches
        self.epoch = epoch
        self.start = start

    def __len__(self) -> int:
        return len(self.batches) - self.start

    def __iter__(self) -> Iterator[list[tuple[int, int]]]:
        return self.batches.batches(self.epoch, self.start)
