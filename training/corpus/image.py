"""The RGB view: a shaded, textured object in a drawn scene, photographed by a noisy camera."""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageFilter

from .concepts import Concept
from .difficulty import Difficulty
from .factors import SampleFactors
from .layout import FOCAL_PX, GROUND, SIZE, WALL, Layout
from .noise import smooth_field

ROLE_RGB: dict[str, tuple[int, int, int]] = {
    "eye": (18, 16, 16),
    "nose": (35, 28, 28),
    "hoof": (45, 38, 34),
    "horn": (225, 215, 190),
    "glass": (55, 75, 95),
    "tyre": (28, 28, 30),
    "hub": (175, 176, 180),
    "lamp": (250, 242, 210),
    "tail_lamp": (205, 30, 30),
    "exhaust": (90, 90, 95),
    "grille": (40, 40, 44),
    "trim": (45, 45, 48),
    "engine": (110, 112, 118),
    "frame": (60, 60, 64),
    "seat": (30, 28, 28),
    "rotor": (60, 62, 66),
    "skid": (70, 72, 76),
    "sign": (250, 180, 40),
    "steam": (245, 245, 245),
    "flame": (255, 170, 40),
    "ember": (230, 80, 20),
    "log": (85, 55, 35),
    "stone": (125, 122, 118),
    "screen": (40, 80, 150),
    "wing": (0, 0, 0),
    "leg": (0, 0, 0),
    "head": (0, 0, 0),
    "ear": (0, 0, 0),
    "tail": (0, 0, 0),
    "snout": (0, 0, 0),
    "mane": (0, 0, 0),
}
"""Default colours of part roles; (0, 0, 0) means "same as the body colour"."""

# name: (specular strength, specular power, texture amplitude, emissive)
MATERIALS: dict[str, tuple[float, float, float, bool]] = {
    "fur": (0.03, 8, 0.10, False),
    "spotted": (0.03, 8, 0.08, False),
    "striped": (0.03, 8, 0.08, False),
    "wool": (0.0, 1, 0.16, False),
    "feather": (0.05, 10, 0.07, False),
    "paint": (0.55, 40, 0.02, False),
    "metal": (0.6, 25, 0.04, False),
    "glass": (0.7, 60, 0.02, False),
    "rubber": (0.08, 10, 0.05, False),
    "plastic": (0.3, 20, 0.03, False),
    "glossy": (0.8, 60, 0.02, False),
    "matte": (0.02, 4, 0.05, False),
    "wood": (0.12, 12, 0.12, False),
    "cloth": (0.0, 1, 0.10, False),
    "rubber_ball": (0.2, 12, 0.10, False),
    "emissive": (0.0, 1, 0.0, True),
    "screen": (0.3, 60, 0.0, True),
    "flame": (0.0, 1, 0.0, True),
    "steam": (0.0, 1, 0.05, False),
}
_MAT_INDEX = {name: i for i, name in enumerate(MATERIALS)}
_NONE = len(MATERIALS)
_SPEC_S = np.array([m[0] for m in MATERIALS.values()] + [0.0], np.float32)
_SPEC_P = np.array([m[1] for m in MATERIALS.values()] + [1.0], np.float32)
_TEX_AMP = np.array([m[2] for m in MATERIALS.values()] + [0.0], np.float32)
_EMISSIVE = np.array([m[3] for m in MATERIALS.values()] + [False], bool)
_REFLECTIVE = np.array([n in ("glass", "paint", "metal") for n in MATERIALS] + [False], bool)
_YS, _XS = (g.astype(np.float32) for g in np.mgrid[0:SIZE, 0:SIZE])

_BACKDROP_RGB = {
    "trunk": (90, 65, 45),
    "crown": (60, 115, 50),
    "conifer": (35, 80, 45),
    "building": (170, 165, 158),
    "fence": (140, 110, 75),
    "hill": (100, 135, 110),
    "window": (185, 215, 240),
    "frame": (240, 240, 238),
    "picture": (150, 120, 100),
    "shelf": (150, 110, 70),
    "fold": (0, 0, 0),
}


def _part_colours(concept: Concept, factors: SampleFactors, layout: Layout, rng: np.random.Generator) -> np.ndarray:
    cols = [(0.0, 0.0, 0.0)]
    body = np.array(factors.colour_rgb, float)
    for p in layout.parts:
        if p.role == "body":
            c = body
        elif p.role == "accent":
            c = np.array(factors.accent_rgb, float)
        elif p.role in concept.look:
            c = np.array(concept.look[p.role], float)
        else:
            c = np.array(ROLE_RGB.get(p.role, (0, 0, 0)), float)
            if not c.any():
                c = body
        cols.append(tuple(np.clip(c * rng.uniform(0.93, 1.07, 3), 0, 255)))
    return np.array(cols, np.float32) / 255.0


def _sky(rng: np.random.Generator, layout: Layout, base: np.ndarray) -> np.ndarray:
    ys = np.arange(SIZE, dtype=np.float32)[:, None, None]
    t = np.clip((ys - (layout.horizon_y - 200)) / 200, 0, 1)
    sky = base * (0.8 + 0.3 * t) + 25 * t
    clouds = smooth_field(rng, (SIZE, SIZE), int(rng.integers(3, 7)))
    cover = rng.uniform(0.3, 1.5)
    c = np.clip(clouds - cover, 0, 1)[..., None]
    return np.broadcast_to(sky, (SIZE, SIZE, 3)) * (1 - c) + 235 * c


def _ground(
    rng: np.random.Generator, layout: Layout, kind: str, base: np.ndarray, fine: np.ndarray, coarse: np.ndarray
) -> np.ndarray:
    X, Z = layout.floor_x_m, layout.floor_z_m
    g = base * (1 + 0.12 * coarse[..., None] + 0.03 * fine[..., None])
    if kind == "asphalt":
        lane = rng.uniform(-2.0, 2.0)
        mark = (np.abs(X - lane) < 0.07) & (np.mod(Z, 6.0) < 3.0) & (Z > 0)
        g[mark] = (225, 220, 200)
    elif kind == "water":
        waves = np.sin(Z * rng.uniform(2, 5) + coarse * 2.5)
        g = g * (1 + 0.15 * waves[..., None])
        g[(waves > 0.93) & (fine > 1.0)] = (230, 235, 240)
    elif kind == "gravel":
        g = base * (1 + 0.25 * fine[..., None])
        x0 = rng.uniform(-0.5, 0.5)
        sleeper = (np.mod(Z, 0.65) < 0.22) & (np.abs(X - x0) < 1.3) & (Z > 0)
        g[sleeper] = (95, 75, 55)
        rail = ((np.abs(X - x0 - 0.72) < 0.05) | (np.abs(X - x0 + 0.72) < 0.05)) & (Z > 0)
        g[rail] = (150, 150, 155)
    elif kind in ("wood", "court"):
        plank = np.floor(X / 0.14)
        shade = 0.9 + 0.2 * np.mod(plank * 0.618, 1.0)
        g = g * shade[..., None] * (1 + 0.06 * np.sin(Z * 25 + fine)[..., None])
        g[np.abs(np.mod(X, 0.14) - 0.07) > 0.066] *= 0.7
        if kind == "court":
            g[(np.abs(np.mod(Z, 4.0) - 2.0) < 0.04) & (Z > 0)] = (240, 240, 235)
    elif kind == "tile":
        line = (np.abs(np.mod(X, 0.3) - 0.15) > 0.14) | (np.abs(np.mod(Z, 0.3) - 0.15) > 0.14)
        g[line & (Z > 0)] *= 0.75
    elif kind == "grass":
        g = g * (1 + 0.1 * fine[..., None])
    return g


def _wall(layout: Layout, base: np.ndarray, coarse: np.ndarray) -> np.ndarray:
    wall = np.broadcast_to(base, (SIZE, SIZE, 3)) * (1 + 0.04 * coarse[..., None])
    if layout.scene.name in ("bathroom", "kitchen") and layout.wall_z_m is not None:
        tile_px = max(4.0, 0.15 * FOCAL_PX / layout.wall_z_m)
        line = (np.mod(_XS, tile_px) < 1) | (np.mod(_YS, tile_px) < 1)
        wall = wall.copy()
        wall[line] *= 0.85
    return wall


def _background(rng: np.random.Generator, layout: Layout, fine: np.ndarray) -> np.ndarray:
    scene = layout.scene
    coarse = smooth_field(rng, (SIZE, SIZE), int(rng.integers(4, 12)))
    upper = np.array(scene.upper_rgbs[int(rng.integers(len(scene.upper_rgbs)))], np.float32)
    upper = upper * rng.uniform(0.9, 1.1, 3)
    ground_rgb = np.array(scene.ground_rgb, np.float32) * rng.uniform(0.88, 1.12, 3)
    img = np.zeros((SIZE, SIZE, 3), np.float32)
    r = layout.region
    top = _wall(layout, upper, coarse) if scene.indoor else _sky(rng, layout, upper)
    img[:] = top
    ground = _ground(rng, layout, scene.ground, ground_rgb, fine, coarse)
    gmask = (layout.floor_z_m > 0) | (r == GROUND)
    img[gmask] = ground[gmask]
    if not scene.indoor:
        haze = np.clip(layout.floor_z_m / (60.0 * max(layout.distance_m, 1.0) ** 0.5), 0, 0.7)[..., None]
        img = np.where(gmask[..., None], img * (1 - haze) + upper * haze, img)
    if layout.backdrop:
        curtain = upper * 0.6
        cols = [np.zeros(3, np.float32)]
        for item in layout.backdrop:
            c = curtain if item.kind == "fold" else np.array(_BACKDROP_RGB[item.kind], np.float32)
            if item.kind == "picture":
                c = rng.uniform(40, 230, 3).astype(np.float32)
            cols.append(c * item.shade)
        lut = np.array(cols, np.float32)
        bd = layout.backdrop_label > 0
        tex = 1 + 0.1 * fine[bd][:, None]
        img[bd] = lut[layout.backdrop_label[bd]] * tex
        if not scene.indoor:
            far = np.array([0.0] + [min(b.z_m / 80.0, 0.6) for b in layout.backdrop], np.float32)[layout.backdrop_label]
            img = np.where(bd[..., None], img * (1 - far[..., None]) + upper * far[..., None], img)
    return img / 255.0


def _shade(concept: Concept, layout: Layout, light: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Lambert diffuse term and Blinn specular term from the object's bulge normals."""
    height = layout.bulge * (layout.pixel_extent * concept.depth_ratio * 0.5)
    gy, gx = np.gradient(height)
    inv = 1.0 / np.sqrt(gx * gx + gy * gy + 1.0)
    diffuse = np.clip((-gx * light[0] + gy * light[1] + light[2]) * inv, 0, 1)
    half = light + np.array([0, 0, 1.0], np.float32)
    half /= np.linalg.norm(half)
    spec = np.clip((-gx * half[0] + gy * half[1] + half[2]) * inv, 0, 1)
    return diffuse.astype(np.float32), spec.astype(np.float32)


def _object(
    rng: np.random.Generator,
    concept: Concept,
    factors: SampleFactors,
    layout: Layout,
    background: np.ndarray,
    light: np.ndarray,
    sky_rgb: np.ndarray,
    fine: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """The object's colour and its emissive mask (parts that glow regardless of the lighting)."""
    colours = _part_colours(concept, factors, layout, rng)
    lab = layout.label
    mat_of_part = np.array([_NONE] + [_MAT_INDEX[p.material] for p in layout.parts], np.int16)
    mats = mat_of_part[lab]
    present = set(mat_of_part[1:].tolist())
    base = colours[lab]
    mid = smooth_field(rng, (SIZE, SIZE), int(layout.pixel_extent / 10) + 4)
    if _MAT_INDEX["spotted"] in present:
        spots = (mats == _MAT_INDEX["spotted"]) & (
            smooth_field(rng, (SIZE, SIZE), int(layout.pixel_extent / 25) + 3) > 0.5
        )
        base[spots] = np.array(factors.accent_rgb, np.float32) / 255
    if _MAT_INDEX["striped"] in present:
        stripes = (mats == _MAT_INDEX["striped"]) & (np.sin(_XS * 0.35 + mid * 2.0) > 0.45)
        base[stripes] *= 0.55
    if _MAT_INDEX["wood"] in present:
        grain = mats == _MAT_INDEX["wood"]
        base[grain] *= (1 + 0.12 * np.sin(_YS[grain] * 0.9 + _XS[grain] * 0.2 + mid[grain] * 4))[:, None]
    diffuse, spec_dot = _shade(concept, layout, light)
    ambient = 0.45
    tex = 1 + _TEX_AMP[mats] * (0.6 * fine + 0.8 * mid)
    col = base * ((ambient + (1 - ambient) * diffuse) * tex)[..., None]
    reflect = _REFLECTIVE[mats]
    if reflect.any():
        env = (1 - _YS / SIZE)[..., None] * sky_rgb
        col[reflect] = col[reflect] * 0.8 + 0.25 * env[reflect] * (1 - diffuse[reflect][:, None] * 0.5)
    col += (_SPEC_S[mats] * spec_dot ** _SPEC_P[mats])[..., None]
    if _MAT_INDEX["screen"] in present:
        screen = mats == _MAT_INDEX["screen"]
        c1, c2 = rng.uniform(0.1, 1.0, 3), rng.uniform(0.1, 1.0, 3)
        t = (_YS[screen] / SIZE)[:, None]
        col[screen] = c1 * (1 - t) + c2 * t
    if _MAT_INDEX["flame"] in present:
        flame = mats == _MAT_INDEX["flame"]
        heat = np.clip(layout.bulge[flame] * (0.7 + 0.3 * factors.temperature), 0, 1)[:, None]
        col[flame] = np.array([0.85, 0.2, 0.05]) * (1 - heat) + np.array([1.0, 0.92, 0.6]) * heat
    if _MAT_INDEX["steam"] in present:
        steam = mats == _MAT_INDEX["steam"]
        col[steam] = 0.5 * col[steam] + 0.5 * background[steam]
    return np.clip(col, 0, 1.2), _EMISSIVE[mats]


def _occluder_colour(rng: np.random.Generator, kind: str, fine: np.ndarray) -> np.ndarray:
    rgb = {"post": (120, 90, 60), "rail": (120, 122, 128), "edge": (110, 80, 55), "bush": (55, 100, 45)}[kind]
    c = np.array(rgb, np.float32) / 255 * rng.uniform(0.8, 1.2, 3)
    amp = 0.25 if kind == "bush" else 0.06
    return c * (1 + amp * fine[..., None])


def render_image(
    concept: Concept, factors: SampleFactors, layout: Layout, difficulty: Difficulty, rng: np.random.Generator
) -> np.ndarray:
    """The (224, 224, 3) uint8 RGB photograph of the sample."""
    az, el = np.radians(rng.uniform(0, 360)), np.radians(rng.uniform(25, 70))
    light = np.array([np.cos(el) * np.cos(az), np.cos(el) * np.sin(az), np.sin(el)], np.float32)
    fine = rng.standard_normal((SIZE, SIZE)).astype(np.float32)
    bg = _background(rng, layout, fine)
    sky_rgb = bg[max(0, min(SIZE - 1, int(layout.horizon_y) - 40)), SIZE // 2]
    if concept.group == "vehicle" and factors.speed > 0.6 and not layout.scene.indoor:
        k = int(2 + (factors.speed - 0.6) * 30)
        blurred = Image.fromarray((np.clip(bg, 0, 1) * 255).astype(np.uint8)).filter(ImageFilter.BoxBlur(k // 2))
        bg = np.asarray(blurred, np.float32) / 255 * 0.5 + bg * 0.5
    cx, by, w = layout.footprint
    if not layout.aerial:
        d = ((_XS - cx + (light[0] * 0.25 * w)) / (0.6 * w + 1)) ** 2 + ((_YS - by) / (0.08 * w + 2)) ** 2
        shadow = np.clip(1.2 - d, 0, 1) * 0.45 * (layout.region != WALL)
        bg *= (1 - shadow)[..., None]
    obj, emissive = _object(rng, concept, factors, layout, bg, light, sky_rgb, fine)
    a = layout.alpha[..., None]
    img = bg + (obj - bg) * a
    if layout.occluder_kind:
        oa = layout.occluder_alpha[..., None]
        img += (_occluder_colour(rng, layout.occluder_kind, fine[::-1]) * 0.8 - img) * oa
        emissive &= layout.occluder_alpha < 0.5

    if factors.dark:
        exposure = rng.uniform(0.25, 0.5)
        tint = (
            np.array([0.85, 0.9, 1.15], np.float32)
            if not layout.scene.indoor
            else np.array([1.15, 0.95, 0.75], np.float32)
        )
    else:
        exposure = rng.uniform(0.85, 1.15)
        tint = np.array([1.06, 1.0, 0.9] if layout.scene.indoor else [1.0, 1.0, 1.02], np.float32)
    lit = img * (exposure * tint)
    if factors.dark and layout.scene.indoor:
        r = max(w, layout.pixel_extent) * 0.7
        spot = np.exp(-(((_XS - cx) ** 2 + (_YS - by + 0.4 * r) ** 2) / r**2))[..., None]
        lit *= 1 + spot * (0.9 / exposure - 1) * rng.uniform(0.6, 1.0)
    if emissive.any():
        lit[emissive] = img[emissive] * max(exposure, 0.8)
    img = lit
    if factors.dark and concept.name == "campfire":
        halo = np.exp(-(((_XS - cx) ** 2 + (_YS - by + 0.3 * w) ** 2) / (0.8 * w + 10) ** 2))[..., None]
        img += halo * np.array([0.5, 0.25, 0.05], np.float32) * (0.4 + 0.6 * factors.temperature)

    cj = difficulty.colour_jitter
    img *= (1 + rng.uniform(-0.08, 0.08, 3) * cj).astype(np.float32)
    grey = img.mean(axis=-1, keepdims=True)
    img = grey + (img - grey) * (1 + rng.uniform(-0.25, 0.2) * cj)
    img = (img - 0.5) * (1 + rng.uniform(-0.15, 0.15) * cj) + 0.5
    img = np.clip(img, 0, 1) ** (1 + rng.uniform(-0.15, 0.15) * cj)

    if rng.uniform() < difficulty.blur_prob:
        out = Image.fromarray((img * 255 + 0.5).astype(np.uint8))
        if rng.uniform() < 0.5:
            out = out.filter(ImageFilter.GaussianBlur(rng.uniform(0.6, 1.8)))
        else:
            out = out.filter(ImageFilter.BoxBlur(int(rng.integers(1, 3))))
        img = np.asarray(out, np.float32) / 255
    vig = 1 - rng.uniform(0.0, 0.35) * (((_XS - SIZE / 2) ** 2 + (_YS - SIZE / 2) ** 2) / (SIZE / 2) ** 2 / 2)
    img = img * vig[..., None]
    sigma = (0.008 + (0.03 if factors.dark else 0.0)) * difficulty.image_noise
    shot = rng.standard_normal(img.shape, dtype=np.float32) * sigma
    img += shot * np.sqrt(np.clip(img, 0.02, 1) + 0.1)
    return (np.clip(img, 0, 1) * 255 + 0.5).astype(np.uint8)
