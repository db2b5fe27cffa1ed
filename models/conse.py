"""ConSE (Norouzi et al., ICLR 2014): a classifier's output placed in a text embedding space.

An image's embedding is the probability-weighted mean of the text embeddings of its `top_k` most
probable classes, probabilities taken at softmax temperature `temperature` and renormalised over the
kept classes, then scaled to unit length. `centring` > 0 first subtracts that multiple of the mean
class embedding, which removes the direction every image shares (the mean of all class texts) so that
what tells images apart weighs more. The class embeddings are a buffer, computed once from the class
names by the text tower (`class_text_embeddings`) and saved with the model.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import torch
import torch.nn.functional as F
from torch import nn

DEFAULT_PROMPTS = ("a photo of a {}.",)


class ConseHead(nn.Module):
    """Class logits (B, C) -> unit-length embeddings (B, D) in the text tower's space."""

    def __init__(
        self, num_classes: int, dim: int, *, top_k: int = 10, temperature: float = 1.0, centring: float = 0.0
    ) -> None:
        super().__init__()
        if not isinstance(top_k, int) or not 1 <= top_k <= num_classes:
            raise ValueError(f"top_k must be an integer in 1..{num_classes}, got {top_k!r}")
        if not temperature > 0:
            raise ValueError(f"temperature must be positive, got {temperature!r}")
        if not 0.0 <= centring <= 2.0:
            raise ValueError(f"centring must be in [0, 2], got {centring!r}")
        self.top_k = top_k
        self.temperature = float(temperature)
        self.centring = float(centring)
        self.register_buffer("class_embeddings", torch.zeros(num_classes, dim))

    def forward(self, logits: torch.Tensor) -> torch.Tensor:
        probabilities = (logits.float() / self.temperature).softmax(dim=-1)
        top = probabilities.topk(self.top_k, dim=-1)
        weights = top.values / top.values.sum(dim=-1, keepdim=True)
        embeddings = self.class_embeddings[top.indices]  # (B, k, D)
        mixed = (weights.unsqueeze(-1) * embeddings).sum(dim=1)
        if self.centring:
            mixed = mixed - self.centring * self.class_embeddings.mean(dim=0)
        return F.normalize(mixed, dim=-1)


def class_text_embeddings(
    encode_texts: Callable[[list[str]], torch.Tensor],
    class_names: Sequence[Sequence[str]],
    prompts: Sequence[str] = DEFAULT_PROMPTS,
    *,
    batch_size: int = 256,
) -> torch.Tensor:
    """(C, D) unit-length class embeddings: the mean over every name of a class times every prompt.

    `class_names[i]` lists the names (synonyms) of class i; each prompt holds one `{}` for a name.
    The texts are encoded `batch_size` at a time.
    """
    texts = [prompt.format(name) for names in class_names for name in names for prompt in prompts]
    owner = torch.tensor([i for i, names in enumerate(class_names) for _ in names for _ in prompts])
    vectors = torch.cat([F.normalize(encode_texts(texts[start:start + batch_size]).float(), dim=-1)
                         for start in range(0, len(texts), batch_size)])
    sums = torch.zeros(len(class_names), vectors.shape[1]).index_add_(0, owner, vectors)
    return F.normalize(sums, dim=-1)
