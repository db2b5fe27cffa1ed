"""Silhouette builders for vehicles: car, bus, motorcycle, bicycle, helicopter, airplane, train, boat.

Builders face right with the vehicle's length along x; the scene mirrors them.
"""

from __future__ import annotations

from itertools import pairwise

import numpy as np

from .geometry import Part, capsule, circle, ellipse, part, poly, rect, rounded_rect
from .pose import Pose


def _wheel(x: float, y: float, r: float, hub: float = 0.55, ring: float = 0.0, z: float = -0.06) -> list[Part]:
    cuts = (circle(x, y, r * (1 - ring)),) if ring else ()
    parts = [part("tyre", "rubber", circle(x, y, r), cuts=cuts, z=z)]
    if hub:
        parts.append(part("hub", "metal", circle(x, y, r * hub, 20), z=z - 0.01))
    return parts


def car(p: dict[str, float], rng: np.random.Generator, pose: Pose) -> list[Part]:
    r, bh, ch, cl = p["wheel_r"], p["body_h"], p["cab_h"], p["cab_l"]
    y0 = r * 0.45
    top = y0 + bh
    hatch = p["hatch"] > 0.5
    rear = -0.5 + (0.02 if hatch else 0.13)
    front = rear + cl
    parts = [part("exhaust", "metal", rect(-0.52, y0 + 0.01, -0.45, y0 + 0.035), z=0.02)]
    cabin = poly(
        (rear, top), (front + 0.08, top), (front - 0.08, top + ch), (rear + (0.03 if hatch else 0.1), top + ch)
    )
    parts.append(part("body", "paint", cabin, rounded_rect(-0.5, y0, 0.5, top, 0.07)))
    inset = 0.025
    glass = poly(
        (rear + inset + 0.02, top + 0.01),
        (front + 0.05, top + 0.01),
        (front - 0.09, top + ch - inset),
        (rear + (0.05 if hatch else 0.11), top + ch - inset),
    )
    parts.append(part("glass", "glass", glass, z=-0.01))
    pillar = rear + cl * rng.uniform(0.45, 0.55)
    parts.append(part("body", "paint", rect(pillar - 0.012, top, pillar + 0.012, top + ch), z=-0.02))
    parts.append(part("trim", "matte", rect(pillar - 0.004, y0 + 0.03, pillar + 0.004, top), z=-0.03))
    parts.append(part("grille", "matte", rounded_rect(0.44, y0 + 0.02, 0.505, y0 + bh * 0.5, 0.02), z=-0.02))
    parts.append(part("lamp", "emissive", ellipse(0.47, y0 + bh * 0.7, 0.03, 0.022), z=-0.03))
    parts.append(part("tail_lamp", "emissive", rect(-0.505, y0 + bh * 0.55, -0.48, y0 + bh * 0.85), z=-0.03))
    for x in (-0.32, 0.32):
        parts += _wheel(x, r, r)
    return parts


def bus(p: dict[str, float], rng: np.random.Generator, pose: Pose) -> list[Part]:
    r, h, wh = p["wheel_r"], p["height"], p["win_h"]
    y0 = r * 0.4
    parts = [
        part("exhaust", "metal", rect(-0.51, y0, -0.47, y0 + 0.02), z=0.02),
        part("body", "paint", rounded_rect(-0.5, y0, 0.5, y0 + h, 0.03)),
    ]
    if p["stripe"] > 0.5:
        parts.append(part("accent", "paint", rect(-0.5, y0 + h * 0.28, 0.5, y0 + h * 0.36), z=-0.01))
    wy0 = y0 + h - wh - 0.035
    n = int(rng.integers(5, 8))
    xs = np.linspace(-0.47, 0.3, n + 1)
    wins = [rect(a + 0.008, wy0, b - 0.008, wy0 + wh) for a, b in pairwise(xs)]
    wins.append(rect(0.4, wy0 - wh * 0.6, 0.49, wy0 + wh))
    parts.append(part("glass", "glass", *wins, z=-0.01))
    parts.append(part("glass", "glass", rect(0.31, y0 + 0.02, 0.38, wy0 + wh), z=-0.01))
    parts.append(part("sign", "emissive", rect(0.38, y0 + h - 0.03, 0.49, y0 + h - 0.008), z=-0.02))
    parts.append(part("grille", "matte", rect(0.46, y0 + 0.01, 0.505, y0 + 0.05), z=-0.02))
    parts.append(part("lamp", "emissive", circle(0.485, y0 + 0.07, 0.014), z=-0.03))
    for x in (-0.3, 0.3):
        parts += _wheel(x, r, r)
    return parts


def motorcycle(p: dict[str, float], rng: np.random.Generator, pose: Pose) -> list[Part]:
    r = p["wheel_r"]
    rear, front = (-0.33, r), (0.33, r)
    seat_y, head = r * 2.3, (0.22, r * 2.7)
    parts = [part("exhaust", "metal", capsule((-0.02, r * 0.9), (-0.34, r * 1.15), 0.045, 0.055), z=0.05)]
    parts += _wheel(*rear, r, hub=0.35, ring=0.3, z=0.02)
    parts += _wheel(*front, r, hub=0.35, ring=0.3, z=0.02)
    parts.append(
        part(
            "frame",
            "metal",
            capsule(rear, (-0.05, seat_y), 0.035),
            capsule((-0.05, seat_y * 0.95), head, 0.035),
            capsule(head, front, 0.035),
            capsule(rear, (0.0, r * 0.9), 0.035),
            z=-0.01,
        )
    )
    parts.append(part("engine", "metal", rounded_rect(-0.09, r * 0.65, 0.13, r * 1.55, 0.03), z=-0.03))
    parts.append(part("body", "paint", ellipse(0.06, seat_y + 0.02, p["tank"] * 1.3, p["tank"] * 0.55, -8), z=-0.04))
    parts.append(part("seat", "matte", ellipse(-0.16, seat_y + 0.02, 0.14, 0.035, 4), z=-0.02))
    if p["sport"] > 0.5:
        parts.append(
            part(
                "body", "paint", poly((0.12, r * 1.4), (0.33, r * 1.9), (0.3, r * 3.0), (0.16, seat_y + 0.06)), z=-0.05
            )
        )
    parts.append(part("frame", "metal", capsule(head, (head[0] - 0.06, head[1] + 0.1), 0.03), z=-0.06))
    parts.append(part("lamp", "emissive", circle(head[0] + 0.05, head[1] - 0.02, 0.035), z=-0.07))
    return parts


def bicycle(p: dict[str, float], rng: np.random.Generator, pose: Pose) -> list[Part]:
    r, fw = p["wheel_r"], p["frame_w"]
    rear, front = (-0.29, r), (0.29, r)
    bb = (-0.02, r * 0.95)
    seat_top = (-0.1, r * 2.4)
    head = (0.2, r * 2.35)
    parts: list[Part] = []
    for c in (rear, front):
        spokes = [
            capsule(c, (c[0] + r * np.cos(a), c[1] + r * np.sin(a)), 0.006)
            for a in np.linspace(0, np.pi * 2, 8, endpoint=False) + rng.uniform(0, 1)
        ]
        parts.append(part("hub", "metal", *spokes, circle(c[0], c[1], 0.02, 10), z=0.02))
        parts.append(part("tyre", "rubber", circle(c[0], c[1], r), cuts=(circle(c[0], c[1], r - 0.03),), z=0.01))
    parts.append(
        part(
            "body",
            "paint",
            capsule(rear, bb, fw),
            capsule(bb, seat_top, fw),
            capsule(rear, seat_top, fw * 0.8),
            capsule(seat_top, head, fw),
            capsule(bb, head, fw * 1.1),
            capsule(head, front, fw * 0.9),
        )
    )
    upright = p["upright"] > 0.5
    bar = (head[0] - (0.08 if upright else -0.04), head[1] + (0.09 if upright else 0.04))
    parts.append(part("trim", "metal", capsule(head, bar, 0.02), capsule(bar, (bar[0] + 0.05, bar[1]), 0.022), z=-0.01))
    parts.append(part("seat", "matte", ellipse(seat_top[0] - 0.01, seat_top[1] + 0.03, 0.065, 0.02), z=-0.01))
    ca = rng.uniform(0, 2 * np.pi)
    pedal = (bb[0] + 0.08 * np.cos(ca), bb[1] + 0.08 * np.sin(ca))
    parts.append(
        part(
            "trim",
            "metal",
            circle(bb[0], bb[1], 0.04, 14),
            capsule(bb, pedal, 0.018),
            rect(pedal[0] - 0.03, pedal[1] - 0.008, pedal[0] + 0.03, pedal[1] + 0.008),
            z=-0.03,
        )
    )
    return parts


def helicopter(p: dict[str, float], rng: np.random.Generator, pose: Pose) -> list[Part]:
    c, boom = p["cabin"], p["boom"]
    cy = 0.06 + c
    parts = [
        part(
            "skid",
            "metal",
            capsule((-0.05, 0.0), (0.3, 0.0), 0.018),
            capsule((0.0, 0.0), (0.04, cy - c * 0.7), 0.015),
            capsule((0.22, 0.0), (0.2, cy - c * 0.7), 0.015),
            z=0.05,
        )
    ]
    tail_end = (0.12 - boom - 0.3, cy + c * 0.35)
    parts.append(part("body", "paint", capsule((0.0, cy + c * 0.15), tail_end, c * 0.8, c * 0.28)))
    parts.append(
        part(
            "body",
            "paint",
            poly(
                (tail_end[0] + 0.06, tail_end[1]),
                (tail_end[0] - 0.03, tail_end[1] + c * 0.9),
                (tail_end[0] - 0.06, tail_end[1] + c * 0.9),
                (tail_end[0] - 0.02, tail_end[1]),
            ),
        )
    )
    blur = 0.6 + 0.4 * pose.speed
    parts.append(
        part("rotor", "metal", ellipse(tail_end[0] - 0.02, tail_end[1] + c * 0.3, 0.012, c * 0.7 * blur), z=-0.02)
    )
    parts.append(part("body", "paint", ellipse(0.14, cy, 0.22, c)))
    parts.append(
        part(
            "glass",
            "glass",
            poly(
                *[(0.14 + 0.2 * np.cos(a), cy + 0.9 * c * np.sin(a)) for a in np.linspace(-0.2, 1.4, 16)]
                + [(0.16, cy - 0.1 * c)]
            ),
            z=-0.01,
        )
    )
    parts.append(part("engine", "metal", rounded_rect(-0.1, cy + c * 0.7, 0.14, cy + c * 1.25, 0.04), z=0.01))
    parts.append(part("exhaust", "metal", rect(-0.15, cy + c * 0.85, -0.09, cy + c * 1.1), z=0.0))
    mast_top = cy + c * 1.55
    parts.append(part("rotor", "metal", rect(0.01, cy + c * 1.2, 0.04, mast_top), z=0.0))
    span = p["rotor"] * 0.5 * (0.75 + 0.25 * rng.uniform())
    parts.append(
        part("rotor", "metal", capsule((0.025 - span, mast_top + 0.01), (0.025 + span, mast_top), 0.018), z=0.0)
    )
    return parts


def airplane(p: dict[str, float], rng: np.random.Generator, pose: Pose) -> list[Part]:
    fh, wing, fin = p["fuse_h"], p["wing"], p["fin"]
    y0 = fh * 0.5 + (0.0 if pose.aerial else 0.07)
    parts: list[Part] = []
    if not pose.aerial:
        parts.append(
            part(
                "tyre",
                "rubber",
                capsule((0.33, y0), (0.33, 0.02), 0.012),
                circle(0.33, 0.02, 0.02),
                capsule((-0.05, y0), (-0.05, 0.02), 0.014),
                circle(-0.05, 0.02, 0.025),
                z=0.02,
            )
        )
    parts.append(
        part(
            "wing", "paint", poly((0.1, y0), (-0.02, y0), (-0.22, y0 + wing * 0.35), (-0.16, y0 + wing * 0.35)), z=0.08
        )
    )
    parts.append(
        part(
            "body",
            "paint",
            capsule((-0.46, y0 + fh * 0.15), (0.46, y0), fh * 0.7, fh),
            poly(
                (-0.5, y0 + fh * 0.3),
                (-0.38, y0 + fh * 0.4),
                (-0.45, y0 + fh * 0.45 + fin),
                (-0.5, y0 + fh * 0.45 + fin),
            ),
        )
    )
    parts.append(
        part(
            "accent",
            "paint",
            poly(
                (-0.5, y0 + fh * 0.45),
                (-0.42, y0 + fh * 0.45),
                (-0.455, y0 + fh * 0.4 + fin),
                (-0.5, y0 + fh * 0.4 + fin),
            ),
            rect(-0.4, y0 - fh * 0.05, 0.4, y0 + fh * 0.02),
            z=-0.01,
        )
    )
    wins = [circle(x, y0 + fh * 0.2, fh * 0.07, 8) for x in np.linspace(-0.3, 0.33, 18)]
    parts.append(
        part(
            "glass",
            "glass",
            *wins,
            poly((0.44, y0 + fh * 0.15), (0.48, y0 + fh * 0.1), (0.47, y0 + fh * 0.3), (0.43, y0 + fh * 0.3)),
            z=-0.02,
        )
    )
    parts.append(
        part(
            "wing",
            "paint",
            poly((0.12, y0 - fh * 0.1), (-0.02, y0 - fh * 0.1), (-0.26, y0 - wing * 0.45), (-0.19, y0 - wing * 0.45)),
            z=-0.06,
        )
    )
    parts.append(part("engine", "metal", capsule((0.1, y0 - fh * 0.8), (-0.02, y0 - fh * 0.8), fh * 0.55), z=-0.08))
    parts.append(part("exhaust", "metal", ellipse(-0.06, y0 - fh * 0.8, fh * 0.12, fh * 0.22), z=-0.09))
    parts.append(
        part("wing", "paint", poly((-0.4, y0 + fh * 0.15), (-0.47, y0 + fh * 0.2), (-0.52, y0 - fh * 0.2)), z=-0.04)
    )
    return parts


def train(p: dict[str, float], rng: np.random.Generator, pose: Pose) -> list[Part]:
    h, nose, win = p["height"], p["nose"], p["win"]
    y0 = 0.035
    parts = [part("trim", "matte", rect(-0.5, 0.02, 0.46, y0 + 0.03), z=0.02)]
    body = poly((-0.5, y0 + 0.02), (0.5, y0 + 0.02), (0.5, y0 + h * 0.45), (0.5 - nose, y0 + h), (-0.5, y0 + h))
    parts.append(part("body", "paint", body))
    parts.append(
        part(
            "accent",
            "paint",
            poly((-0.5, y0 + h * 0.2), (0.5, y0 + h * 0.2), (0.5, y0 + h * 0.3), (-0.5, y0 + h * 0.3)),
            z=-0.01,
        )
    )
    wy = y0 + h * 0.55
    xs = np.arange(-0.46, 0.28, win * 1.6)
    parts.append(
        part(
            "glass",
            "glass",
            *[rect(x, wy, x + win, wy + h * 0.25) for x in xs],
            poly(
                (0.5 - nose * 0.2, wy),
                (0.5 - nose * 0.1 - 0.005, wy),
                (0.5 - nose * 0.9, y0 + h * 0.93),
                (0.45 - nose, y0 + h * 0.93),
            ),
            z=-0.01,
        )
    )
    parts.append(part("engine", "matte", rect(-0.4, y0 + h * 0.9, -0.2, y0 + h * 1.05), z=0.01))
    for x in (-0.42, -0.34, 0.3, 0.38):
        parts.append(part("tyre", "metal", circle(x, 0.03, 0.03, 16), z=-0.03))
    parts.append(part("lamp", "emissive", circle(0.495, y0 + h * 0.38, 0.012, 10), z=-0.02))
    return parts


def boat(p: dict[str, float], rng: np.random.Generator, pose: Pose) -> list[Part]:
    hh, bow, cab = p["hull_h"], p["bow"], p["cabin"]
    hull = poly((-0.5, 0.04), (-0.5, hh), (0.5, hh + 0.05), (0.5 - bow * 0.3, hh * 0.4), (0.5 - bow, 0.0), (-0.4, 0.0))
    parts = [
        part("engine", "matte", rounded_rect(-0.54, -0.02, -0.47, hh + 0.06, 0.015), z=0.02),
        part("body", "paint", hull),
        part("accent", "paint", poly((-0.5, hh * 0.75), (0.5, hh + 0.02), (0.5, hh + 0.05), (-0.5, hh)), z=-0.01),
    ]
    cx0 = rng.uniform(-0.3, -0.1)
    parts.append(
        part(
            "cabin",
            "paint",
            poly((cx0, hh), (cx0 + 0.35, hh + 0.02), (cx0 + 0.3, hh + cab), (cx0 + 0.02, hh + cab)),
            z=0.02,
        )
    )
    parts.append(
        part(
            "glass",
            "glass",
            poly(
                (cx0 + 0.05, hh + cab * 0.45),
                (cx0 + 0.3, hh + cab * 0.45),
                (cx0 + 0.28, hh + cab * 0.85),
                (cx0 + 0.05, hh + cab * 0.85),
            ),
            z=0.01,
        )
    )
    parts.append(
        part(
            "trim",
            "metal",
            capsule((cx0 + 0.35, hh + 0.05), (0.42, hh + 0.09), 0.01),
            capsule((0.42, hh + 0.09), (0.42, hh + 0.045), 0.01),
            z=-0.02,
        )
    )
    return parts
