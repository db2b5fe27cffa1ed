"""Silhouette builders for household objects, instruments and tools."""

from __future__ import annotations

import numpy as np

from .geometry import (
    Part,
    arc,
    capsule,
    circle,
    ellipse,
    part,
    poly,
    polyline_band,
    rect,
    rotate,
    rotate_parts,
    rounded_rect,
)
from .pose import Pose


def _steam(x: float, y: float, size: float, rng: np.random.Generator, temperature: float) -> list[Part]:
    if temperature < 0.55:
        return []
    n = int(2 + 5 * (temperature - 0.55) / 0.45)
    blobs = [
        circle(
            x + rng.uniform(-0.4, 0.6) * size * (k + 1) * 0.5,
            y + size * (0.4 + 0.8 * k),
            size * rng.uniform(0.35, 0.6) * (1 + 0.2 * k),
            14,
        )
        for k in range(n)
    ]
    return [part("steam", "steam", *blobs, z=-0.05)]


def kettle(p: dict[str, float], rng: np.random.Generator, pose: Pose) -> list[Part]:
    b = p["belly"]
    body = poly(
        *[
            (x, y)
            for x, y in zip(
                np.concatenate([np.linspace(-b, -b * 0.62, 10), np.linspace(b * 0.62, b, 10)]),
                np.concatenate([np.linspace(0.05, 0.62, 10), np.linspace(0.62, 0.05, 10)]),
            )
        ]
    )
    if p["dome"] > 0.5:
        body = ellipse(0, 0.3, b, 0.3, n=40)
    handle = arc(-b * 0.1, 0.62, b * 0.85, 0.28, 100, 20 if p["dome"] > 0.5 else 0, 20)
    parts = [part("handle", "plastic", polyline_band(handle, 0.06), z=0.02)]
    spout_root = (b * 0.8, 0.28)
    tip = (b * 1.35 + 0.05 * p["spout"], 0.6)
    parts.append(part("spout", "metal", capsule(spout_root, tip, 0.12, 0.05), z=0.01))
    parts.append(part("base", "plastic", rounded_rect(-b * 1.02, 0.0, b * 1.02, 0.07, 0.02), z=-0.01))
    parts.append(part("body", "metal", body))
    parts.append(part("lid", "metal", ellipse(0, 0.63, b * 0.55, 0.05), circle(0, 0.69, 0.04, 12), z=-0.02))
    parts += _steam(tip[0], tip[1] + 0.05, 0.12, rng, pose.temperature)
    return parts


def hair_dryer(p: dict[str, float], rng: np.random.Generator, pose: Pose) -> list[Part]:
    bw, hl, nz = p["barrel"], p["handle"], p["nozzle"]
    by = hl + bw * 0.3
    parts = [
        part("handle", "plastic", capsule((0.02, by), (-0.06, by - hl), 0.13, 0.11), z=0.02),
        part("trim", "matte", capsule((-0.06, by - hl), (-0.2, by - hl - 0.05), 0.02), z=0.03),
        part("body", "plastic", capsule((-0.28, by), (0.25, by), bw)),
        part(
            "nozzle",
            "matte",
            poly(
                (0.27, by - bw * 0.42), (0.27 + nz, by - bw * 0.25), (0.27 + nz, by + bw * 0.25), (0.27, by + bw * 0.42)
            ),
            z=-0.01,
        ),
        part("grille", "matte", ellipse(-0.36, by, 0.03, bw * 0.45), z=-0.01),
        part("accent", "plastic", rounded_rect(-0.005, by - hl * 0.45, 0.04, by - hl * 0.25, 0.01), z=-0.03),
    ]
    return rotate_parts(parts, rng.uniform(-20, 20), (0.0, by))


def vacuum(p: dict[str, float], rng: np.random.Generator, pose: Pose) -> list[Part]:
    w, hw = p["body_w"], p["head_w"]
    lean = rng.uniform(-12, 8)
    parts = [
        part("head", "plastic", rounded_rect(-hw / 2, 0.0, hw / 2, 0.07, 0.025), z=-0.02),
        part("tyre", "rubber", circle(-hw / 2 + 0.05, 0.035, 0.035, 14), z=-0.03),
        part("handle", "metal", capsule((0.0, 0.6), (np.sin(np.radians(lean)) * 0.4, 1.0), 0.035), z=0.01),
        part("handle", "plastic", circle(np.sin(np.radians(lean)) * 0.4, 1.0, 0.045, 14), z=0.01),
        part("body", "plastic", rounded_rect(-w / 2, 0.06, w / 2, 0.62, w * 0.3)),
    ]
    if p["bin"] > 0.5:
        parts.append(part("bin", "glass", rounded_rect(-w * 0.38, 0.3, w * 0.38, 0.55, w * 0.2), z=-0.02))
    else:
        parts.append(part("accent", "plastic", rounded_rect(-w * 0.38, 0.3, w * 0.38, 0.55, w * 0.2), z=-0.02))
    parts.append(part("trim", "matte", circle(0.0, 0.18, w * 0.22, 16), z=-0.03))
    return parts


def washer(p: dict[str, float], rng: np.random.Generator, pose: Pose) -> list[Part]:
    r, pn = p["door_r"], p["panel"]
    w, h = 0.68, 0.9
    cy = 0.4
    return [
        part("body", "plastic", rounded_rect(-w / 2, 0.02, w / 2, h, 0.03)),
        part(
            "trim", "matte", rect(-w / 2 + 0.02, 0.0, -w / 2 + 0.06, 0.03), rect(w / 2 - 0.06, 0.0, w / 2 - 0.02, 0.03)
        ),
        part("panel", "plastic", rect(-w / 2 + 0.01, h - pn, w / 2 - 0.01, h - 0.01), z=-0.01),
        part(
            "trim",
            "matte",
            circle(w / 2 - 0.09, h - pn / 2, pn * 0.32, 16),
            rect(-w / 2 + 0.05, h - pn * 0.7, -w / 2 + 0.22, h - pn * 0.3),
            z=-0.02,
        ),
        part("door", "metal", circle(0.0, cy, r, 40), cuts=(circle(0.0, cy, r * 0.78, 40),), z=-0.04),
        part("glass", "glass", circle(0.0, cy, r * 0.78, 40), z=-0.02),
        part(
            "accent",
            "cloth",
            ellipse(rng.uniform(-0.05, 0.05), cy - r * 0.35, r * 0.6, r * 0.3, rng.uniform(-20, 20)),
            z=-0.01,
        ),
    ]


def fan(p: dict[str, float], rng: np.random.Generator, pose: Pose) -> list[Part]:
    g, pole = p["guard_r"], p["pole"]
    cy = pole + g
    parts = [
        part("body", "plastic", ellipse(0, 0.03, 0.22, 0.03), capsule((0, 0.03), (0, pole), 0.04), z=0.02),
        part("motor", "plastic", ellipse(-0.02, cy, g * 0.35, g * 0.3), z=0.05),
    ]
    n = round(p["blades"])
    a0 = rng.uniform(0, 360)
    blur = pose.speed > 0.6
    blades = [
        ellipse(np.cos(np.radians(a)) * g * 0.5, cy + np.sin(np.radians(a)) * g * 0.5, g * 0.48, g * 0.2, a)
        for a in a0 + np.arange(n) * 360 / n
    ]
    if blur:
        blades = [circle(0, cy, g * 0.95, 40)]
    parts.append(part("blade", "glass" if blur else "plastic", *blades))
    spokes = [
        capsule((0, cy), (np.cos(a) * g, cy + np.sin(a) * g), 0.008) for a in np.linspace(0, np.pi, 4, endpoint=False)
    ]
    spokes += [
        capsule((0, cy), (-np.cos(a) * g, cy - np.sin(a) * g), 0.008) for a in np.linspace(0, np.pi, 4, endpoint=False)
    ]
    parts.append(part("guard", "metal", circle(0, cy, g, 48), cuts=(circle(0, cy, g - 0.02, 48),), z=-0.04))
    parts.append(
        part("guard", "metal", *spokes, circle(0, cy, g * 0.5, 32), cuts=(circle(0, cy, g * 0.5 - 0.012, 32),), z=-0.04)
    )
    parts.append(part("body", "plastic", circle(0, cy, g * 0.14, 20), z=-0.05))
    return parts


def blender(p: dict[str, float], rng: np.random.Generator, pose: Pose) -> list[Part]:
    jw, bh = p["jar_w"], p["base_h"]
    top = 1.0
    fill = bh + (top - bh) * rng.uniform(0.35, 0.8)
    jar = poly((-jw * 0.35, bh), (jw * 0.35, bh), (jw / 2, top), (-jw / 2, top))
    fw = jw * 0.35 + (jw / 2 - jw * 0.35) * (fill - bh) / (top - bh)
    return [
        part(
            "jar", "plastic", polyline_band(arc(jw / 2, (bh + top) / 2 + 0.05, 0.12, 0.22, -70, 70, 16), 0.035), z=0.02
        ),
        part("jar", "glass", jar),
        part(
            "contents",
            "cloth",
            poly((-jw * 0.33, bh + 0.02), (jw * 0.33, bh + 0.02), (fw - 0.02, fill), (-fw + 0.02, fill)),
            z=-0.01,
        ),
        part("lid", "plastic", rect(-jw / 2 - 0.01, top - 0.02, jw / 2 + 0.01, top + 0.04), z=-0.01),
        part("body", "plastic", poly((-jw * 0.5, 0.0), (jw * 0.5, 0.0), (jw * 0.42, bh), (-jw * 0.42, bh))),
        part("trim", "matte", circle(0.0, bh * 0.45, bh * 0.18, 16), z=-0.02),
    ]


def drum(p: dict[str, float], rng: np.random.Generator, pose: Pose) -> list[Part]:
    sh = p["shell_h"]
    y0 = 0.35 if p["legs"] > 0.5 else 0.0
    parts: list[Part] = []
    if y0:
        parts.append(
            part(
                "hoop",
                "metal",
                capsule((0, y0), (-0.3, 0.0), 0.025),
                capsule((0, y0), (0.3, 0.0), 0.025),
                capsule((0, y0), (0.0, 0.02), 0.025),
                z=0.05,
            )
        )
    parts.append(part("body", "paint", rect(-0.5, y0 + 0.04, 0.5, y0 + sh)))
    parts.append(part("skin", "matte", ellipse(0, y0 + sh, 0.5, 0.08, n=40), z=0.05))
    parts.append(
        part(
            "hoop",
            "metal",
            rect(-0.5, y0 + sh - 0.03, 0.5, y0 + sh + 0.01),
            rect(-0.5, y0 + 0.02, 0.5, y0 + 0.06),
            z=-0.01,
        )
    )
    lugs = [rounded_rect(x - 0.02, y0 + sh * 0.35, x + 0.02, y0 + sh * 0.65, 0.01) for x in np.linspace(-0.4, 0.4, 5)]
    parts.append(part("hoop", "metal", *lugs, z=-0.03))
    a = rng.uniform(-30, 30)
    parts.append(
        part(
            "stick",
            "wood",
            capsule(
                (-0.15, y0 + sh + 0.02),
                (-0.15 + 0.55 * np.cos(np.radians(20 + a)), y0 + sh + 0.02 + 0.3 * np.sin(np.radians(20 + a))),
                0.03,
                0.02,
            ),
            z=-0.06,
        )
    )
    return parts


def _string_body(lower: float, upper: float, waist_cut: float) -> tuple[list[np.ndarray], list[np.ndarray]]:
    yl, yu = lower, lower * 2 + upper * 0.9
    body = [
        circle(0, yl, lower, 40),
        circle(0, yu, upper, 36),
        poly((-upper * 0.8, yu), (upper * 0.8, yu), (lower * 0.8, yl), (-lower * 0.8, yl)),
    ]
    cuts = [circle(s * (upper + waist_cut * 0.35), (yl + yu) / 2, waist_cut * 0.5, 24) for s in (-1, 1)]
    return body, cuts


def guitar(p: dict[str, float], rng: np.random.Generator, pose: Pose) -> list[Part]:
    lo, up = p["lower"], p["upper"]
    body, cuts = _string_body(lo, up, lo * 0.45)
    yu = lo * 2 + up * 0.9
    parts = [
        part("neck", "wood", rect(-0.03, yu, 0.03, 1.0), rounded_rect(-0.045, 0.88, 0.045, 1.02, 0.015), z=-0.01),
        part("body", "wood", *body, cuts=tuple(cuts)),
        part("hole", "matte", circle(0, (lo + yu) / 2 + 0.04, up * 0.4, 24), z=-0.01),
        part("neck", "matte", rect(-0.07, lo * 0.55, 0.07, lo * 0.62), z=-0.02),
        part(
            "string",
            "metal",
            *[rect(x - 0.002, lo * 0.58, x + 0.002, 0.95) for x in np.linspace(-0.02, 0.02, 6)],
            z=-0.03,
        ),
    ]
    return rotate_parts(parts, p["lean"], (0.0, 0.0))


def violin(p: dict[str, float], rng: np.random.Generator, pose: Pose) -> list[Part]:
    lo, up = p["lower"], p["upper"]
    body, cuts = _string_body(lo, up, lo * 0.7)
    yu = lo * 2 + up * 0.9
    f_holes = [
        polyline_band(
            np.stack(
                [
                    np.full(10, s * lo * 0.35) + 0.015 * np.sin(np.linspace(0, 2 * np.pi, 10)),
                    np.linspace(lo * 0.8, yu - up * 0.3, 10),
                ],
                axis=1,
            ),
            0.012,
        )
        for s in (-1, 1)
    ]
    parts = [
        part("neck", "matte", rect(-0.025, yu - up * 0.4, 0.025, 0.93), z=-0.02),
        part("body", "wood", *body, cuts=tuple(cuts)),
        part("hole", "matte", *f_holes, z=-0.01),
        part(
            "neck",
            "matte",
            rect(-0.05, lo * 0.45, 0.05, lo * 0.52),
            ellipse(-lo * 0.45, lo * 0.25, lo * 0.35, lo * 0.22),
            z=-0.03,
        ),
        part("neck", "wood", circle(0.0, 0.96, 0.04, 16), z=-0.02),
        part(
            "string",
            "metal",
            *[rect(x - 0.0015, lo * 0.5, x + 0.0015, 0.92) for x in np.linspace(-0.012, 0.012, 4)],
            z=-0.04,
        ),
    ]
    if p["bow"] > 0.5:
        a = np.radians(rng.uniform(20, 70))
        b0 = (-0.35, 0.15)
        parts.append(
            part("bow", "wood", capsule(b0, (b0[0] + np.cos(a) * 0.95, b0[1] + np.sin(a) * 0.95), 0.012), z=-0.1)
        )
    return rotate_parts(parts, p["lean"], (0.0, 0.0))


def bell(p: dict[str, float], rng: np.random.Generator, pose: Pose) -> list[Part]:
    f, hl = p["flare"], p["handle"]
    ys = np.linspace(0.0, 0.6, 16)
    rs = 0.12 + (f - 0.12) * (1 - ys / 0.6) ** 2.2
    profile = np.concatenate([np.stack([rs, ys], 1), np.stack([-rs[::-1], ys[::-1]], 1)])
    return [
        part("trim", "metal", circle(0.0, 0.0, 0.05, 14), z=0.05),
        part("body", "metal", profile, ellipse(0, 0.6, 0.12, 0.04)),
        part("body", "metal", rect(-f - 0.01, 0.0, f + 0.01, 0.05), z=-0.02),
        part(
            "handle",
            "wood",
            capsule((0.0, 0.62), (0.0, 0.62 + hl), 0.09, 0.07),
            circle(0.0, 0.62 + hl, 0.06, 16),
            z=-0.01,
        ),
    ]


def hammer(p: dict[str, float], rng: np.random.Generator, pose: Pose) -> list[Part]:
    hw = p["head_w"]
    parts = [
        part("body", "plastic", rounded_rect(-0.04, 0.0, 0.04, 0.8, 0.03)),
        part("head", "metal", rect(-hw * 0.35, 0.78, hw * 0.4, 0.9), circle(-hw * 0.35, 0.84, 0.06, 14), z=-0.01),
    ]
    if p["claw"] > 0.4:
        claw = arc(hw * 0.4, 0.7, hw * 0.5, 0.16, 90, 10, 12)
        parts.append(part("head", "metal", polyline_band(claw, 0.06), z=-0.01))
    else:
        parts.append(part("head", "metal", rect(hw * 0.4, 0.8, hw * 0.65, 0.88), z=-0.01))
    angle = rng.uniform(70, 110) if p["lie"] > 0.4 else rng.uniform(-15, 15)
    return rotate_parts(parts, angle, (0.0, 0.45))


def saw(p: dict[str, float], rng: np.random.Generator, pose: Pose) -> list[Part]:
    bh, tp = p["blade_h"], p["taper"]
    teeth = [(x, 0.0 if i % 2 == 0 else 0.015) for i, x in enumerate(np.linspace(0.75, -0.3, 48))]
    blade = poly((-0.3, bh), (0.75, bh * tp), *teeth)
    grip = rounded_rect(-0.5, -0.02, -0.28, bh + 0.1, 0.05)
    return rotate_parts(
        [
            part("blade", "metal", blade),
            part("body", "plastic", grip, cuts=(ellipse(-0.39, bh * 0.55, 0.05, bh * 0.3),), z=-0.02),
        ],
        p["lie"],
        (0.0, 0.0),
    )


def phone(p: dict[str, float], rng: np.random.Generator, pose: Pose) -> list[Part]:
    w = p["aspect"]
    parts = [
        part("body", "plastic", rounded_rect(-w / 2, 0.0, w / 2, 1.0, w * 0.14)),
        part("bezel", "glossy", rounded_rect(-w / 2 + 0.02, 0.02, w / 2 - 0.02, 0.98, w * 0.11), z=-0.01),
        part("screen", "screen", rounded_rect(-w / 2 + 0.04, 0.06, w / 2 - 0.04, 0.93, w * 0.06), z=-0.02),
        part("bezel", "glossy", circle(0.0, 0.955, 0.012, 10), z=-0.03),
    ]
    return rotate_parts(parts, p["lean"], (0.0, 0.0))


def alarm_clock(p: dict[str, float], rng: np.random.Generator, pose: Pose) -> list[Part]:
    r = p["body_r"]
    cy = r + 0.08
    parts = [
        part(
            "body",
            "metal",
            capsule((-r * 0.5, cy - r * 0.8), (-r * 0.75, 0.0), 0.05),
            capsule((r * 0.5, cy - r * 0.8), (r * 0.75, 0.0), 0.05),
            z=0.03,
        )
    ]
    if p["bells"] > 0.3:
        for s in (-1, 1):
            c = (s * r * 0.62, cy + r * 0.9)
            parts.append(part("bell", "metal", ellipse(c[0], c[1], r * 0.36, r * 0.28, s * -30), z=0.02))
        parts.append(
            part("bell", "metal", polyline_band(arc(0.0, cy + r * 0.95, r * 0.3, r * 0.35, 0, 180, 14), 0.03), z=0.02)
        )
    parts.append(part("body", "paint", circle(0.0, cy, r, 48)))
    parts.append(part("face", "matte", circle(0.0, cy, r * 0.8, 48), z=-0.02))
    ticks = [rotate(rect(-0.006, r * 0.66, 0.006, r * 0.76), k * 30) + (0.0, cy) for k in range(12)]
    ha, ma = rng.uniform(0, 360), rng.uniform(0, 360)
    hands = [
        capsule((0.0, cy), (np.cos(np.radians(ha)) * r * 0.42, cy + np.sin(np.radians(ha)) * r * 0.42), 0.025),
        capsule((0.0, cy), (np.cos(np.radians(ma)) * r * 0.65, cy + np.sin(np.radians(ma)) * r * 0.65), 0.015),
    ]
    parts.append(part("hand", "matte", *ticks, *hands, z=-0.03))
    return parts


def basketball(p: dict[str, float], rng: np.random.Generator, pose: Pose) -> list[Part]:
    r = 0.5
    seams = [
        polyline_band(np.stack([np.zeros(2), np.array([0.0, 2 * r])], 1), 0.018),
        polyline_band(np.stack([np.array([-r, r]), np.full(2, r)], 1), 0.018),
        polyline_band(arc(-r * 1.15, r, r * 0.75, r * 0.85, -55, 55, 16), 0.018),
        polyline_band(arc(r * 1.15, r, r * 0.75, r * 0.85, 125, 235, 16), 0.018),
    ]
    parts = [part("body", "rubber_ball", circle(0.0, r, r, 56)), part("seam", "matte", *seams, z=-0.02)]
    return rotate_parts(parts, p["seam_rot"], (0.0, r))


def campfire(p: dict[str, float], rng: np.random.Generator, pose: Pose) -> list[Part]:
    fh = p["flame_h"] * (0.35 + 0.65 * pose.temperature)
    parts: list[Part] = []
    stones = [
        ellipse(x, 0.04 + 0.02 * np.sin(x * 7), rng.uniform(0.06, 0.09), rng.uniform(0.04, 0.06))
        for x in np.linspace(-0.48, 0.48, 8)
    ]
    n = round(p["logs"])
    logs = [
        capsule(
            (rng.uniform(-0.4, -0.1), rng.uniform(0.03, 0.08)), (rng.uniform(0.1, 0.4), rng.uniform(0.1, 0.3)), 0.07
        )
        for _ in range(n)
    ]
    logs = [lg if k % 2 else lg * (-1, 1) for k, lg in enumerate(logs)]
    parts.append(part("log", "wood", *logs, z=0.02))
    flames = []
    for k in range(int(rng.integers(3, 6))):
        x = rng.uniform(-0.22, 0.22)
        h = fh * rng.uniform(0.5, 1.0)
        w = rng.uniform(0.08, 0.15)
        lean = rng.uniform(-0.05, 0.05)
        flames.append(
            poly(
                (x - w, 0.12),
                (x - w * 0.6, 0.12 + h * 0.4),
                (x + lean, 0.12 + h),
                (x + w * 0.6, 0.12 + h * 0.4),
                (x + w, 0.12),
            )
        )
    parts.append(part("flame", "flame", *flames, z=-0.01))
    parts.append(part("ember", "flame", ellipse(0.0, 0.1, 0.22, 0.05), z=-0.03))
    parts.append(part("stone", "matte", *stones, z=-0.05))
    return parts
