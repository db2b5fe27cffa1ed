"""Learning-rate schedule: linear warmup, then cosine decay to a floor."""

import math

import torch


class WarmupCosine:
    """Multiplier of the base learning rate at a given step (a `LambdaLR` lambda).

    Rises linearly from 1/(warmup+1) to 1 over `warmup_steps`, then follows a half cosine from 1 down
    to `min_ratio` at `total_steps`, and stays there.
    """

    def __init__(self, total_steps: int, warmup_steps: int = 0, min_ratio: float = 0.0):
        if total_steps < 1:
            raise ValueError(f"total_steps must be at least 1, got {total_steps}")
        if not 0 <= warmup_steps <= total_steps:
            raise ValueError(f"warmup_steps must be within [0, total_steps={total_steps}], got {warmup_steps}")
        if not 0.0 <= min_ratio <= 1.0:
            raise ValueError(f"min_ratio must be within [0, 1], got {min_ratio}")
        self.total_steps = total_steps
        self.warmup_steps = warmup_steps
        self.min_ratio = min_ratio

    def __call__(self, step: int) -> float:
        if step < self.warmup_steps:
            return (step + 1) / (self.warmup_steps + 1)
        decay_steps = self.total_steps - self.warmup_steps
        progress = min(1.0, (step - self.warmup_steps) / decay_steps) if decay_steps else 1.0
        return self.min_ratio + (1.0 - self.min_ratio) * 0.5 * (1.0 + math.cos(math.pi * progress))


def warmup_cosine_scheduler(
    optimizer: torch.optim.Optimizer, total_steps: int, warmup_steps: int = 0, min_ratio: float = 0.0
) -> torch.optim.lr_scheduler.LambdaLR:
    """A `LambdaLR` following `WarmupCosine`; its `state_dict` round-trips for exact resume."""
    return torch.optim.lr_scheduler.LambdaLR(optimizer, WarmupCosine(total_steps, warmup_steps, min_ratio))
