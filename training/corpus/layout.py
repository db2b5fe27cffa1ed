"""Scene geometry shared by the image, depth and thermal views.

A pinhole camera with a horizontal optical axis looks at a ground plane (a floor, a table top,
a road or water) and, indoors, a back wall. The object stands on the ground (or flies) at the
distance where its metric size spans its pixel size: ``Z = focal * size_m / pixels``. The
camera height follows from where the object touches the ground, so the floor's depth at the
object's base row equals the object's distance. Everything the three views need (which pixel
shows what, and how far it is) is computed here once.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw

from .concepts import Concept
from .difficulty import Difficulty
from .factors import SampleFactors
from .geometry import Part, rotate
from .noise import gaussian_blur
from .pose import Pose
from .scenes import SCENES, Scene
from .shapes import build_parts

SIZE = 224
SUPERSAMPLE = 2
FOCAL_PX = SIZE / (2 * np.tan(np.radians(30.0)))
"""Focal length in pixels of the 60-degree horizontal field of view."""

SKY, GROUND, WALL, BACKDROP, OBJECT, OCCLUDER = range(6)
NON_SOLID = ("steam", "flame")
"""Materials a depth sensor sees through."""


@dataclass(frozen=True)
class BackdropItem:
    """Something behind the object: a tree, a building, a window on the wall..."""

    kind: str
    z_m: float
    shade: float
    """Per-item brightness variation, 0.8..1.2."""


@dataclass
class Layout:
    """Which pixel shows what, and at which distance (metres; 0 means nothing within range)."""

    scene: Scene
    parts: list[Part]
    label: np.ndarray
    """(H, W) uint8: 0 = not the object, k = ``parts[k - 1]``."""
    alpha: np.ndarray
    """(H, W) float32 anti-aliased coverage of the object."""
    bulge: np.ndarray
    """(H, W) float32 0..1: how far a pixel of the object bulges towards the camera."""
    region: np.ndarray
    """(H, W) uint8 region code: SKY, GROUND, WALL, BACKDROP, OBJECT or OCCLUDER."""
    backdrop_label: np.ndarray
    backdrop: list[BackdropItem]
    occluder_alpha: np.ndarray
    occluder_kind: str | None
    depth_m: np.ndarray
    floor_x_m: np.ndarray
    floor_z_m: np.ndarray
    """Ground-plane coordinates of ground pixels (0 elsewhere), for perspective textures."""
    horizon_y: float
    wall_y: float | None
    wall_z_m: float | None
    camera_height_m: float
    distance_m: float
    pixel_extent: float
    footprint: tuple[float, float, float]
    """(centre x, base row, width in pixels) of the object's contact with the ground."""
    aerial: bool


def _normalise(parts: list[Part]) -> tuple[list[Part], float, float]:
    pts = np.concatenate([s for p in parts for s, filled in p.shapes if filled])
    lo, hi = pts.min(axis=0), pts.max(axis=0)
    scale = 1.0 / max(hi[0] - lo[0], hi[1] - lo[1])
    shift = np.array([(lo[0] + hi[0]) / 2, lo[1]])
    out = [Part(p.role, p.material, [((s - shift) * scale, f) for s, f in p.shapes], p.z) for p in parts]
    return out, (hi[0] - lo[0]) * scale, (hi[1] - lo[1]) * scale


def _raster(parts: list[Part], transform) -> np.ndarray:
    """Painter's-order label image at the supersampled resolution."""
    n = SIZE * SUPERSAMPLE
    label = Image.new("L", (n, n), 0)
    draw = ImageDraw.Draw(label)
    for k, p in enumerate(parts, start=1):
        if all(filled for _, filled in p.shapes):
            for s, _ in p.shapes:
                draw.polygon([tuple(v) for v in transform(s) * SUPERSAMPLE], fill=k)
            continue
        mask = Image.new("L", (n, n), 0)
        mdraw = ImageDraw.Draw(mask)
        for s, filled in p.shapes:
            mdraw.polygon([tuple(v) for v in transform(s) * SUPERSAMPLE], fill=255 if filled else 0)
        label.paste(k, mask=mask)
    return np.asarray(label)


def _downsample_mean(a: np.ndarray) -> np.ndarray:
    return a.reshape(SIZE, SUPERSAMPLE, SIZE, SUPERSAMPLE).mean(axis=(1, 3)).astype(np.float32)


def _place(
    rng: np.random.Generator, scene: Scene, factors: SampleFactors, w_n: float, h_n: float
) -> tuple[float, float, float, float]:
    """Horizon row, pixels per object unit, centre column, and anchor row (the base row of an object
    on the ground, the bottom row of one in the air) of an object ``w_n`` x ``h_n`` units large."""
    horizon = float(rng.uniform(*scene.horizon))
    side = float(rng.uniform(0.42, 0.74)) * SIZE * (0.92 + 0.16 * factors.size)
    p = min(side / np.sqrt(w_n * h_n), 1.02 * SIZE / w_n, 0.96 * SIZE / h_n)
    if factors.aerial:
        p *= 0.85
        w_px, h_px = w_n * p, h_n * p
        bottom_limit = min(horizon, SIZE) - 2
        cy = float(rng.uniform(h_px * 0.5 + 4, max(h_px * 0.5 + 5, bottom_limit - h_px * 0.5)))
        anchor = cy + h_px / 2
    else:
        for _ in range(20):
            h_px = h_n * p
            lo, hi = max(horizon + 12, h_px * 0.95), SIZE - 2 + 0.04 * h_px
            if lo <= hi:
                break
            p *= 0.92
        w_px = w_n * p
        anchor = float(rng.uniform(lo, hi))
    half = min(w_px * 0.47, SIZE / 2)
    cx = float(rng.uniform(half, SIZE - half)) if SIZE - half > half else SIZE / 2
    return horizon, p, cx, anchor


def _backdrop(
    rng: np.random.Generator,
    scene: Scene,
    horizon: float,
    cam_h: float,
    z_obj: float,
    size_m: float,
    wall_y: float | None,
    wall_z: float | None,
) -> tuple[np.ndarray, list[BackdropItem]]:
    """Draw backdrop items into a label image (index + 1) and list them."""
    img = Image.new("L", (SIZE, SIZE), 0)
    draw = ImageDraw.Draw(img)
    items: list[BackdropItem] = []

    def add(kind: str, z: float, polys: list[list[tuple[float, float]]]) -> None:
        if len(items) >= 250:
            return
        items.append(BackdropItem(kind, z, float(rng.uniform(0.8, 1.2))))
        for pts in polys:
            draw.polygon(pts, fill=len(items))

    kind = scene.backdrop
    if scene.indoor and wall_y is not None and wall_z is not None:
        if kind == "window" and rng.uniform() < 0.8:
            x0 = rng.uniform(0, SIZE * 0.7)
            w, h = rng.uniform(50, 110), rng.uniform(40, 90)
            y1 = wall_y - rng.uniform(10, 40)
            add("window", wall_z, [[(x0, y1 - h), (x0 + w, y1 - h), (x0 + w, y1), (x0, y1)]])
            add(
                "frame",
                wall_z,
                [[(x0 + w / 2 - 2, y1 - h), (x0 + w / 2 + 2, y1 - h), (x0 + w / 2 + 2, y1), (x0 + w / 2 - 2, y1)]],
            )
        if kind in ("window", "shelves") and rng.uniform() < 0.6:
            x0, y0 = rng.uniform(0, SIZE * 0.8), rng.uniform(-20, max(wall_y - 60, 0))
            w, h = rng.uniform(25, 60), rng.uniform(20, 50)
            add("picture", wall_z, [[(x0, y0), (x0 + w, y0), (x0 + w, y0 + h), (x0, y0 + h)]])
        if kind == "shelves":
            for _ in range(int(rng.integers(1, 3))):
                y = rng.uniform(10, max(wall_y - 15, 12))
                x0 = rng.uniform(-40, SIZE * 0.6)
                add(
                    "shelf",
                    wall_z - 0.25,
                    [[(x0, y), (x0 + rng.uniform(60, 160), y), (x0 + rng.uniform(60, 160), y + 5), (x0, y + 5)]],
                )
        if kind == "curtain":
            for x in np.arange(rng.uniform(-20, 0), SIZE, rng.uniform(14, 24)):
                add("fold", wall_z, [[(x, 0), (x + 6, 0), (x + 6, wall_y), (x, wall_y)]])
        return np.asarray(img), items
    if kind == "none":
        return np.asarray(img), items
    if kind == "hills":
        z = 3000.0
        xs = np.linspace(-10, SIZE + 10, 24)
        phase, amp = rng.uniform(0, 6), rng.uniform(6, 22)
        top = horizon - amp * (0.6 + 0.4 * np.sin(xs / rng.uniform(20, 45) + phase))
        add("hill", z, [[(x, y) for x, y in zip(xs, top)] + [(SIZE + 10, horizon + 1), (-10, horizon + 1)]])
        return np.asarray(img), items
    n = {
        "trees": int(rng.integers(2, 6)),
        "forest": int(rng.integers(10, 22)),
        "buildings": int(rng.integers(3, 7)),
        "fence": 1,
    }[kind]
    for _ in range(n):
        if kind == "fence":
            z = z_obj + rng.uniform(1.0, 4.0) * max(size_m, 1.0)
        else:
            z = z_obj + rng.uniform(3.0, 30.0) * max(size_m, 1.0) ** 0.5
        base = horizon + FOCAL_PX * cam_h / z
        px_per_m = FOCAL_PX / z
        x = rng.uniform(-20, SIZE + 20)
        if kind in ("trees", "forest"):
            ht, crown = rng.uniform(4, 14) * px_per_m, rng.uniform(1.5, 4) * px_per_m
            trunk = rng.uniform(0.2, 0.5) * px_per_m
            conifer = kind == "forest" and rng.uniform() < 0.6
            crown_poly = (
                [(x - crown, base - ht * 0.25), (x + crown, base - ht * 0.25), (x, base - ht)]
                if conifer
                else [
                    (x + crown * np.cos(a), base - ht + crown * 1.2 + crown * 1.2 * np.sin(a))
                    for a in np.linspace(0, 2 * np.pi, 20)
                ]
            )
            add(
                "trunk",
                z,
                [[(x - trunk, base), (x + trunk, base), (x + trunk, base - ht * 0.5), (x - trunk, base - ht * 0.5)]],
            )
            add("conifer" if conifer else "crown", z, [crown_poly])
        elif kind == "buildings":
            w, ht = rng.uniform(8, 25) * px_per_m, rng.uniform(8, 40) * px_per_m
            add("building", z, [[(x - w / 2, base), (x + w / 2, base), (x + w / 2, base - ht), (x - w / 2, base - ht)]])
        else:
            post_h, gap = 1.2 * px_per_m, 2.0 * px_per_m
            posts = [
                [(px, base), (px + 0.12 * px_per_m, base), (px + 0.12 * px_per_m, base - post_h), (px, base - post_h)]
                for px in np.arange(rng.uniform(-gap, 0), SIZE, gap)
            ]
            rails = [
                [
                    (-5, base - post_h * f),
                    (SIZE + 5, base - post_h * f),
                    (SIZE + 5, base - post_h * f + 0.08 * px_per_m),
                    (-5, base - post_h * f + 0.08 * px_per_m),
                ]
                for f in (0.4, 0.85)
            ]
            add("fence", z, posts + rails)
    return np.asarray(img), items


def _occluder(
    rng: np.random.Generator, scene: Scene, cx: float, anchor: float, w_px: float, h_px: float
) -> tuple[str, np.ndarray]:
    n = SIZE * SUPERSAMPLE
    img = Image.new("L", (n, n), 0)
    draw = ImageDraw.Draw(img)
    s = SUPERSAMPLE
    kinds = ("post", "bush", "edge") if scene.indoor else ("post", "bush", "rail")
    kind = kinds[int(rng.integers(len(kinds)))]
    top = anchor - h_px
    if kind == "post":
        x = cx + rng.uniform(-0.45, 0.45) * w_px
        w = rng.uniform(0.07, 0.16) * max(w_px, 60)
        draw.rectangle([(x - w / 2) * s, 0, (x + w / 2) * s, n], fill=255)
    elif kind == "rail":
        y = top + rng.uniform(0.3, 0.7) * h_px
        draw.rectangle([0, (y - 4) * s, n, (y + 4) * s], fill=255)
    elif kind == "edge":
        y = anchor - rng.uniform(0.05, 0.3) * h_px
        draw.rectangle([0, y * s, n, n], fill=255)
    else:
        bx = cx + rng.uniform(-0.5, 0.5) * w_px
        for _ in range(int(rng.integers(5, 10))):
            r = rng.uniform(0.08, 0.18) * max(h_px, 60)
            x, y = bx + rng.uniform(-r, r) * 1.5, anchor - rng.uniform(0, 0.3) * h_px + r * 0.3
            draw.ellipse([(x - r) * s, (y - r) * s, (x + r) * s, (y + r) * s], fill=255)
    return kind, _downsample_mean(np.asarray(img, dtype=np.float32) / 255.0)


def build_layout(
    concept: Concept,
    factors: SampleFactors,
    difficulty: Difficulty,
    shape_rng: np.random.Generator,
    layout_rng: np.random.Generator,
) -> Layout:
    """The geometry of one sample's scene."""
    scene = SCENES[factors.scene]
    pose = Pose(factors.speed, factors.temperature, factors.aerial, factors.water)
    parts, w_n, h_n = _normalise(build_parts(concept.shape, dict(factors.shape_params), shape_rng, pose))
    rng = layout_rng
    horizon, p, cx, anchor = _place(rng, scene, factors, w_n, h_n)
    flip = bool(rng.uniform() < 0.5)
    tilt = float(rng.uniform(-15, 15) if factors.aerial else rng.uniform(-5, 5))
    sgn = -1.0 if flip else 1.0

    def transform(pts: np.ndarray) -> np.ndarray:
        xy = np.stack([cx + sgn * pts[:, 0] * p, anchor - pts[:, 1] * p], axis=1)
        return rotate(xy, tilt, (cx, anchor))

    label_ss = _raster(parts, transform)
    alpha = _downsample_mean((label_ss > 0).astype(np.float32))
    label = label_ss.reshape(SIZE, SUPERSAMPLE, SIZE, SUPERSAMPLE).max(axis=(1, 3))
    dome = gaussian_blur(alpha, max(1.5, 0.06 * p))
    inside = alpha > 0.5
    peak = float(dome[inside].max()) if inside.any() else 1.0
    bulge = np.where(alpha > 0, np.sqrt(np.clip(dome / max(peak, 1e-6), 0, 1)), 0).astype(np.float32)

    size_m = factors.size_m
    z_obj = FOCAL_PX * size_m / p
    if factors.aerial:
        cam_h = float(rng.uniform(20.0, 300.0)) + z_obj * max(0.0, (anchor - horizon)) / FOCAL_PX
    else:
        cam_h = z_obj * (anchor - horizon) / FOCAL_PX

    ys = np.arange(SIZE, dtype=np.float32)[:, None] + 0.5
    xs = np.arange(SIZE, dtype=np.float32)[None, :] + 0.5
    below = np.broadcast_to(ys > horizon + 0.5, (SIZE, SIZE))
    floor_z = np.where(below, FOCAL_PX * cam_h / np.maximum(ys - horizon, 0.5), 0.0).astype(np.float32)
    floor_x = np.where(below, (xs - SIZE / 2) * floor_z / FOCAL_PX, 0.0).astype(np.float32)
    region = np.where(below, GROUND, SKY).astype(np.uint8)
    depth = floor_z.copy()

    wall_y = wall_z = None
    if scene.indoor:
        wall_z = z_obj + size_m * concept.depth_ratio + float(rng.uniform(0.3, 2.5)) * max(size_m, 0.6)
        wall_y = horizon + FOCAL_PX * cam_h / wall_z
        on_wall = np.broadcast_to(ys < wall_y, (SIZE, SIZE))
        region[on_wall] = WALL
        depth[on_wall] = wall_z
        floor_z[on_wall] = 0.0
        floor_x[on_wall] = 0.0

    backdrop_label, backdrop = _backdrop(rng, scene, horizon, cam_h, z_obj, size_m, wall_y, wall_z)
    has_bd = backdrop_label > 0
    if backdrop:
        bd_z = np.array([0.0] + [b.z_m for b in backdrop], dtype=np.float32)[backdrop_label]
        if not scene.indoor:
            region[has_bd] = BACKDROP
            floor_z[has_bd] = 0.0
            floor_x[has_bd] = 0.0
        depth[has_bd] = bd_z[has_bd]

    obj = alpha >= 0.5
    z_part = np.array([0.0] + [pt.z for pt in parts], dtype=np.float32)[label]
    obj_depth = z_obj - 0.5 * size_m * concept.depth_ratio * bulge + z_part * size_m
    solid = np.array([False] + [pt.material not in NON_SOLID for pt in parts])[label] & obj
    depth[solid] = obj_depth[solid]
    region[obj] = OBJECT

    occ_alpha = np.zeros((SIZE, SIZE), np.float32)
    occ_kind = None
    if rng.uniform() < difficulty.occlusion_prob:
        occ_kind, occ_alpha = _occluder(rng, scene, cx, anchor, w_n * p, h_n * p)
        occ = occ_alpha >= 0.5
        depth[occ] = z_obj * float(rng.uniform(0.35, 0.75))
        region[occ] = OCCLUDER

    return Layout(
        scene=scene,
        parts=parts,
        label=label,
        alpha=alpha,
        bulge=bulge,
        region=region,
        backdrop_label=backdrop_label,
        backdrop=backdrop,
        occluder_alpha=occ_alpha,
        occluder_kind=occ_kind,
        depth_m=depth.astype(np.float32),
        floor_x_m=floor_x,
        floor_z_m=floor_z,
        horizon_y=horizon,
        wall_y=wall_y,
        wall_z_m=wall_z,
        camera_height_m=float(cam_h),
        distance_m=float(z_obj),
        pixel_extent=float(p),
        footprint=(cx, anchor, w_n * p),
        aerial=factors.aerial,
    )
