"""The thermal view: a long-wave infrared camera's 8-bit image.

Pixel values follow one fixed, documented mapping of apparent temperature (so a value means
the same temperature in every image, up to a small per-image gain/offset jitter that mimics
camera drift): linear from -20 degC (0) to 45 degC (230), then logarithmic up to 600 degC (255).
"""

from __future__ import annotations

import numpy as np
from PIL import Image

from .concepts import Concept
from .difficulty import Difficulty
from .factors import SampleFactors
from .layout import BACKDROP, GROUND, SIZE, SKY, WALL, Layout
from .noise import gaussian_blur, smooth_field

LINEAR_LOW_C, LINEAR_HIGH_C, MAX_C = -20.0, 45.0, 600.0
LINEAR_TOP_VALUE = 230.0


def celsius_to_value(t: np.ndarray) -> np.ndarray:
    """The fixed temperature-to-pixel mapping (before per-image jitter)."""
    t = np.asarray(t, np.float32)
    lin = (t - LINEAR_LOW_C) / (LINEAR_HIGH_C - LINEAR_LOW_C) * LINEAR_TOP_VALUE
    hot = LINEAR_TOP_VALUE + (255 - LINEAR_TOP_VALUE) * np.log1p(np.maximum(t - LINEAR_HIGH_C, 0) / 40) / np.log1p(
        (MAX_C - LINEAR_HIGH_C) / 40
    )
    return np.clip(np.where(t <= LINEAR_HIGH_C, lin, hot), 0, 255)


# Apparent offset from ambient of unheated surfaces: shiny ones reflect the cooler surroundings.
_EMISSIVITY_OFFSET_C = {
    "metal": -4.0,
    "glass": -4.0,
    "paint": -1.5,
    "glossy": -1.5,
    "plastic": 0.8,
    "rubber": 1.0,
    "wood": 0.5,
    "matte": 0.5,
    "cloth": 0.8,
}


def _part_temperatures(
    concept: Concept, factors: SampleFactors, layout: Layout, rng: np.random.Generator
) -> np.ndarray:
    amb, t = factors.ambient_c, factors.temperature
    history = rng.uniform(-2.0, 2.0)
    temps = [amb]
    for p in layout.parts:
        spec = concept.heat.get(p.role)
        if spec is None:
            temps.append(amb + history + _EMISSIVITY_OFFSET_C.get(p.material, 0.3))
            continue
        kind, lo, hi = spec
        value = lo + (hi - lo) * t
        if kind == "rise":
            temps.append(amb + value)
        else:
            # insulation: a cold scene cools fur and skin surfaces
            temps.append(max(amb, value - 0.25 * max(0.0, 20.0 - amb)))
    return np.array(temps, np.float32)


def render_thermal(
    concept: Concept, factors: SampleFactors, layout: Layout, difficulty: Difficulty, rng: np.random.Generator
) -> np.ndarray:
    """The (224, 224) uint8 thermal image of the sample."""
    amb = factors.ambient_c
    scene = layout.scene
    day = not factors.dark and not scene.indoor
    temp = np.full((SIZE, SIZE), amb, np.float32)
    region = layout.region
    temp[region == SKY] = amb - rng.uniform(12, 30) if day or not scene.indoor else amb
    ground_gain = {"asphalt": 12.0, "dirt": 6.0, "gravel": 8.0, "grass": 3.0, "snow": -1.0, "water": -2.0}
    sun = ground_gain.get(scene.ground, 0.5) * (rng.uniform(0.4, 1.0) if day else -0.2)
    temp[region == GROUND] = amb + sun
    if scene.indoor:
        temp[region == WALL] = amb + rng.uniform(-1.0, 1.0)
        if layout.backdrop:
            bd = np.array(
                [amb] + [amb + {"window": -6.0 + 10 * day, "frame": -2.0}.get(b.kind, 0.2) for b in layout.backdrop],
                np.float32,
            )
            on = layout.backdrop_label > 0
            temp[on] = bd[layout.backdrop_label[on]]
    elif layout.backdrop:
        bd = np.array(
            [amb]
            + [
                amb + {"building": 4.0 if day else 2.0, "hill": -8.0, "crown": -1.0, "conifer": -1.5}.get(b.kind, 0.0)
                for b in layout.backdrop
            ],
            np.float32,
        )
        on = region == BACKDROP
        temp[on] = bd[layout.backdrop_label[on]]
    temp += smooth_field(rng, (SIZE, SIZE), 6) * 0.8

    if not layout.aerial and day:
        cx, by, w = layout.footprint
        ys, xs = np.mgrid[0:SIZE, 0:SIZE].astype(np.float32)
        shade = np.clip(1.2 - ((xs - cx) / (0.6 * w + 1)) ** 2 - ((ys - by) / (0.08 * w + 2)) ** 2, 0, 1)
        temp -= shade * (region == GROUND) * max(sun, 0) * 0.6

    part_t = _part_temperatures(concept, factors, layout, rng)
    obj_t = part_t[layout.label] + 1.5 * layout.bulge * (concept.group == "animal")
    steam = np.zeros(len(layout.parts) + 1, bool)
    steam[1:] = [p.material == "steam" for p in layout.parts]
    a = layout.alpha * np.where(steam[layout.label], 0.5, 1.0)
    temp = temp * (1 - a) + obj_t * a
    hot = np.maximum(obj_t * (layout.alpha > 0.5) - (amb + 40), 0)
    if hot.any():
        temp += gaussian_blur(hot, 0.12 * layout.pixel_extent) * 0.25
    if layout.occluder_kind:
        oa = layout.occluder_alpha
        temp = (
            temp * (1 - oa) + (amb + {"bush": -1.0, "post": 0.5, "rail": -1.5, "edge": 0.5}[layout.occluder_kind]) * oa
        )

    k = difficulty.thermal_noise
    value = celsius_to_value(temp)
    res = int(rng.integers(80, 161))
    img = Image.fromarray(value.astype(np.float32)).resize((res, res), Image.Resampling.BILINEAR)
    value = np.asarray(img.resize((SIZE, SIZE), Image.Resampling.BILINEAR), np.float32)
    value = gaussian_blur(value, rng.uniform(0.6, 1.5))
    value = value * rng.uniform(1 - 0.06 * k, 1 + 0.06 * k) + rng.uniform(-6, 6) * k
    value += rng.standard_normal((1, SIZE)).astype(np.float32) * 0.8 * k
    value += rng.standard_normal((SIZE, SIZE)).astype(np.float32) * 1.2 * k
    ys, xs = np.mgrid[0:SIZE, 0:SIZE].astype(np.float32)
    value -= rng.uniform(0, 6) * (((xs - SIZE / 2) ** 2 + (ys - SIZE / 2) ** 2) / (SIZE / 2) ** 2) * k
    return np.clip(np.round(value), 0, 255).astype(np.uint8)
