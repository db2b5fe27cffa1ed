"""The depth view: metric depth in millimetres as a stereo/time-of-flight sensor reports it.

Values are uint16 millimetres along the optical axis; 0 means "no return" (sky, beyond
``MAX_RANGE_M``, sensor dropouts). Noise grows with the square of the distance and values are
quantised in disparity, as with a stereo sensor of ``BASELINE_FOCAL_PX_M`` baseline x focal.
"""

from __future__ import annotations

import numpy as np

from .difficulty import Difficulty
from .layout import OBJECT, SIZE, Layout
from .noise import smooth_field

MAX_RANGE_M = 50.0
BASELINE_FOCAL_PX_M = 45.0
_SUBPIXEL = 8.0


def render_depth(layout: Layout, difficulty: Difficulty, rng: np.random.Generator) -> np.ndarray:
    """The (224, 224) uint16 depth map of the sample in millimetres."""
    z = layout.depth_m.astype(np.float64)
    valid = (z > 0) & (z <= MAX_RANGE_M)
    k = difficulty.depth_noise
    wobble = 1 + 0.004 * k * smooth_field(rng, (SIZE, SIZE), 5)
    z = z * wobble + rng.standard_normal(z.shape) * (0.001 + 0.0012 * z**2) * k
    disparity = BASELINE_FOCAL_PX_M / np.maximum(z, 0.05)
    disparity = np.maximum(np.round(disparity * _SUBPIXEL) / _SUBPIXEL, 1.0 / _SUBPIXEL)
    z = BASELINE_FOCAL_PX_M / disparity

    drop = difficulty.depth_dropout
    if drop > 0:
        gy, gx = np.gradient(layout.depth_m)
        edge = (np.hypot(gx, gy) / np.maximum(layout.depth_m, 0.1)) > 0.08
        valid &= ~(edge & (rng.uniform(size=z.shape) < min(1.0, drop * 15)))
        blobs = smooth_field(rng, (SIZE, SIZE), 40)
        valid &= blobs < np.quantile(blobs, 1 - drop * 0.7)
        glass = np.zeros(len(layout.parts) + 1, bool)
        glass[1:] = [p.material == "glass" for p in layout.parts]
        shiny = glass[layout.label] & (layout.region == OBJECT)
        valid &= ~(shiny & (rng.uniform(size=z.shape) < min(1.0, drop * 12)))
    mm = np.where(valid, np.clip(np.round(z * 1000.0), 1, 65535), 0)
    return mm.astype(np.uint16)
