"""What every preprocessor is: one input kind's bytes or path in, one item's tensor (no batch dim) out."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import ClassVar

import torch

from bindspace.models.preprocess.limits import InputLimits
from bindspace.models.preprocess.source import Source


class Preprocessor(ABC):
    """Base of every preprocessor: its kind, its limits, and whether threads can run it in parallel.

    The kind's encoder, media types and prompts are in the registry (`bindspace.models.kinds`), not here.
    """

    kind: ClassVar[str]
    """The input kind, as messages name it."""
    releases_gil: ClassVar[bool] = True
    """Whether most of the work runs outside the GIL (decoders, NumPy), so that threads run it in parallel."""

    def __init__(self, limits: InputLimits | None = None) -> None:
        self.limits = limits or InputLimits()

    @abstractmethod
    def __call__(self, source: Source) -> torch.Tensor:
        """The preprocessed tensor of one input; `InputError` naming the problem when it is bad."""
