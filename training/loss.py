"""Symmetric InfoNCE, the contrastive loss that binds two modalities into one space."""

import math

import torch
import torch.nn.functional as F
from torch import nn


def symmetric_info_nce(a: torch.Tensor, b: torch.Tensor, logit_scale: torch.Tensor | float) -> torch.Tensor:
    """Mean of the two cross-entropies of `logit_scale * cos(a_i, b_j)`, row i's positive being column i.

    `a` and `b` are `(B, D)` embeddings of B paired items (any norm: both are L2-normalized here);
    `logit_scale` is 1 / temperature.
    """
    if a.ndim != 2 or a.shape != b.shape:
        raise ValueError(f"expected two (B, D) tensors of the same shape, got {tuple(a.shape)} and {tuple(b.shape)}")
    if a.shape[0] < 2:
        raise ValueError("a contrastive loss needs a batch of at least 2 pairs")
    a = F.normalize(a.float(), dim=-1)
    b = F.normalize(b.float(), dim=-1)
    logits = logit_scale * (a @ b.T)
    target = torch.arange(a.shape[0], device=a.device)
    return (F.cross_entropy(logits, target) + F.cross_entropy(logits.T, target)) / 2


class InfoNCELoss(nn.Module):
    """Symmetric InfoNCE at a fixed temperature, or a learnable one (CLIP's log logit scale)."""

    def __init__(self, temperature: float, *, learnable: bool = False, max_logit_scale: float = 100.0):
        super().__init__()
        if not temperature > 0:
            raise ValueError(f"temperature must be positive, got {temperature}")
        initial = torch.tensor(math.log(1.0 / temperature))
        if learnable:
            self.log_logit_scale = nn.Parameter(initial)
        else:
            self.register_buffer("log_logit_scale", initial)
        self.max_logit_scale = max_logit_scale

    @property
    def logit_scale(self) -> torch.Tensor:
        """exp(log_logit_scale), clipped at `max_logit_scale` (as CLIP and ImageBind do)."""
        return self.log_logit_scale.exp().clamp(max=self.max_logit_scale)

    @property
    def temperature(self) -> float:
        return float(1.0 / self.logit_scale.detach())

    def forward(self, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        return symmetric_info_nce(a, b, self.logit_scale)
