"""Several EfficientNet-Lite classifiers read one image together: their mean log-probabilities are the logits.

Averaging the log-probabilities of classifiers trained apart (a geometric mean of their predictions)
is more accurate than either alone; the ConSE head then weighs classes by that joint prediction. A
variant spec "lite0+lite2" names the members; all of them see the same input (the largest member's
size: the networks pool globally, so a smaller variant reads a larger image as well).
"""

from __future__ import annotations

import torch
from torch import nn

from .efficientnet import VARIANTS, EfficientNetLite, EfficientNetLiteConfig

ENSEMBLE_SEPARATOR = "+"


def member_variants(variant: str) -> list[str]:
    """["lite0", "lite2"] for "lite0+lite2"; one variant for a plain name; unknown names refused."""
    members = variant.split(ENSEMBLE_SEPARATOR)
    unknown = [m for m in members if m not in VARIANTS]
    if unknown or len(set(members)) != len(members):
        raise ValueError(f"EfficientNet-Lite variant {variant!r} must name distinct variants among {sorted(VARIANTS)}, "
                         f"joined by {ENSEMBLE_SEPARATOR!r}")
    return members


def input_size(variant: str) -> int:
    """The image size a (possibly ensembled) variant reads: its largest member's native size."""
    return max(VARIANTS[m][2] for m in member_variants(variant))


class EfficientNetLiteEnsemble(nn.Module):
    """Images (B, 3, H, W) -> (B, classes) mean log-probabilities of the member classifiers."""

    def __init__(self, variants: list[str]) -> None:
        super().__init__()
        if len(variants) < 2:
            raise ValueError(f"an ensemble needs at least two variants, got {variants}")
        self.members = nn.ModuleList(EfficientNetLite(EfficientNetLiteConfig(variant=v)) for v in variants)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.stack([member(x).log_softmax(dim=-1) for member in self.members]).mean(dim=0)
