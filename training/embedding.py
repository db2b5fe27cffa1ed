"""Embedding whole datasets with one encoder, and caching a frozen encoder's embeddings on disk."""

import hashlib
from collections.abc import Sequence
from pathlib import Path

import torch
from torch import nn

from bindspace.training.cache import TensorCache
from bindspace.training.data import PairDataset, item_loader, sequential_batches
from bindspace.training.manifest import TEXT_KIND


def encoder_modules(model: nn.Module, modality: str) -> list[nn.Module]:
    """The four parts of one modality's encoder: preprocessor, trunk, head, postprocessor."""
    containers = (model.modality_preprocessors, model.modality_trunks, model.modality_heads, model.modality_postprocessors)
    return [container[modality] for container in containers]


def encoder_digest(model: nn.Module, modality: str) -> str:
    """sha256 of one encoder's tensors (names, dtypes, shapes, bytes): identifies a frozen anchor."""
    digest = hashlib.sha256()
    prefix = f"{modality}."
    state = {k: v for k, v in model.state_dict().items() if k.split(".", 1)[1].startswith(prefix)}
    for name in sorted(state):
        tensor = state[name].detach().cpu().contiguous()
        digest.update(f"{name}|{tensor.dtype}|{tuple(tensor.shape)}".encode())
        digest.update(tensor.reshape(-1).view(torch.uint8).numpy().tobytes())
    return digest.hexdigest()


@torch.no_grad()
def embed_dataset(
    model: nn.Module,
    dataset: PairDataset,
    kind: str,
    modality: str,
    *,
    indices: Sequence[int] | None = None,
    batch_size: int = 64,
    num_workers: int = 0,
    bf16: bool = False,
    device: torch.device | str = "cpu",
) -> torch.Tensor:
    """Raw embeddings `(N, D)` of `dataset[i][kind]` for `indices` (all items by default), in eval mode."""
    device = torch.device(device)
    indices = list(range(len(dataset))) if indices is None else list(indices)
    was_training = model.training
    model.eval()
    batches = [[indices[i] for i in batch] for batch in sequential_batches(len(indices), batch_size)]
    outputs = []
    try:
        for batch in item_loader(dataset, batches, num_workers):
            with torch.autocast(device.type, dtype=torch.bfloat16, enabled=bf16):
                outputs.append(model.encode(modality, batch[kind].to(device)).float().cpu())
    finally:
        model.train(was_training)
    if not outputs:
        raise ValueError("no items to embed")
    return torch.cat(outputs)


def frozen_embeddings(
    model: nn.Module,
    dataset: PairDataset,
    kind: str,
    modality: str,
    *,
    cache: TensorCache | None,
    batch_size: int = 64,
    num_workers: int = 0,
    bf16: bool = False,
    device: torch.device | str = "cpu",
) -> torch.Tensor:
    """Embeddings of every item's `kind` by a frozen encoder, reusing those cached by earlier runs.

    Entries are keyed by the encoder's weights, the preprocessing and the input's content, so two
    stages (or runs) binding different modalities to one anchor embed each image once.
    """
    if cache is None:
        return embed_dataset(model, dataset, kind, modality, batch_size=batch_size,
                             num_workers=num_workers, bf16=bf16, device=device)
    parameters = f"{encoder_digest(model, modality)}|{dataset.parameters[kind]}|bf16={bf16}"
    keys = []
    for record in dataset.records:
        value = record.inputs[kind]
        source = value.encode("utf-8") if kind == TEXT_KIND else Path(value).read_bytes()
        keys.append(cache.key(f"embedding:{modality}", parameters, source))
    found = [cache.load(key) for key in keys]
    missing = [i for i, tensor in enumerate(found) if tensor is None]
    if missing:
        computed = embed_dataset(model, dataset, kind, modality, indices=missing, batch_size=batch_size,
                                 num_workers=num_workers, bf16=bf16, device=device)
        for i, tensor in zip(missing, computed):
            found[i] = cache.store(keys[i], tensor)
    return torch.stack([tensor.float() for tensor in found])
