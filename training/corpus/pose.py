"""The per-sample state a silhouette builder needs besides its shape parameters."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Pose:
    speed: float
    """0 (at rest) .. 1 (fastest): spreads legs, spins wheels, raises flames."""
    temperature: float
    """0 (cold) .. 1 (hottest): steam, flame height."""
    aerial: bool
    """The object is in the air (flying pose)."""
    water: bool
    """The object floats on water (feet and wheels hidden)."""
