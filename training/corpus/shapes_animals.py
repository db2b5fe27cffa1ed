"""Silhouette builders for animals: four-legged animals, perching or flying birds, ducks.

Builders face right; the scene mirrors them. ``speed`` (0..1) spreads the legs or wings.
"""

from __future__ import annotations

import numpy as np

from .geometry import Part, capsule, circle, ellipse, part, poly, rounded_rect
from .pose import Pose


def quadruped(p: dict[str, float], rng: np.random.Generator, pose: Pose) -> list[Part]:
    """Dogs, wolves, cats, cows, horses and sheep: one body plan, proportions from ``p``."""
    speed = pose.speed
    L, H, leg, lw = p["body_l"], p["body_h"], p["leg_l"], p["leg_w"]
    yb = leg + H / 2
    parts: list[Part] = []
    gait = rng.uniform(0, 2 * np.pi)
    swing = np.radians(4 + 30 * speed)
    hoof_role = "hoof" if p.get("horns", 0) > 0 or p.get("mane", 0) > 0 else "leg"
    for far in (True, False):
        for front in (True, False):
            x = (L / 2 - lw * 1.4) if front else (-L / 2 + lw * 1.6)
            x += 0.05 * L if far else 0.0
            phase = gait + (np.pi if far != front else 0.0)
            ang = swing * np.sin(phase)
            top = (x, yb - H * 0.05)
            length = leg + H * 0.45
            foot = (x + np.sin(ang) * length, top[1] - np.cos(ang) * length)
            parts.append(part("leg", "fur", capsule(top, foot, lw * 1.2, lw * 0.85), z=0.12 if far else -0.08))
            if hoof_role == "hoof":
                parts.append(
                    part(
                        "hoof",
                        "matte",
                        ellipse(foot[0], foot[1] + lw * 0.2, lw * 0.55, lw * 0.35),
                        z=0.12 if far else -0.08,
                    )
                )
    body_shape = (
        rounded_rect(-L / 2, yb - H / 2, L / 2, yb + H / 2, H * 0.4)
        if p.get("boxy", 0) > 0.5
        else ellipse(0, yb, L / 2, H / 2, n=40)
    )
    body = [body_shape]
    if p.get("fluffy", 0) > 0.5:
        t = np.linspace(0, 2 * np.pi, 18, endpoint=False)
        body += [circle(0.47 * L * np.cos(a), yb + 0.45 * H * np.sin(a), H * rng.uniform(0.17, 0.24), 12) for a in t]
    tail_base = (-L / 2 + 0.03, yb + H * 0.25)
    ta = np.radians(p["tail_ang"] + rng.uniform(-10, 10) + 20 * speed * (p["tail_ang"] < 180))
    tail_tip = (tail_base[0] + np.cos(ta) * p["tail_l"], tail_base[1] + np.sin(ta) * p["tail_l"])
    bushy = p.get("bushy", 0.0)
    w0, w1 = p["tail_w"] * (1 + bushy), p["tail_w"] * (0.5 + 1.6 * bushy)
    if p["tail_ang"] < 160:
        bend = ta + rng.uniform(-0.6, 0.6)
        mid = (tail_base[0] + np.cos(ta) * p["tail_l"] * 0.55, tail_base[1] + np.sin(ta) * p["tail_l"] * 0.55)
        tip = (mid[0] + np.cos(bend) * p["tail_l"] * 0.45, mid[1] + np.sin(bend) * p["tail_l"] * 0.45)
        tail = [capsule(tail_base, mid, w0, (w0 + w1) / 2), capsule(mid, tip, (w0 + w1) / 2, w1)]
    else:
        tail = [capsule(tail_base, tail_tip, w0, w1)]
    if p.get("stripes", 0) > 0.5:
        tail_role = "accent"
    else:
        tail_role = "mane" if p.get("mane", 0) > 0.5 else "tail"
    parts.append(part(tail_role, "fur", *tail, z=0.05))
    parts.append(
        part(
            "body",
            "spotted"
            if p.get("spots", 0) > 0.5
            else "wool"
            if p.get("fluffy", 0) > 0.5
            else "striped"
            if p.get("stripes", 0) > 0.5
            else "fur",
            *body,
        )
    )
    na = np.radians(p["neck_ang"] + rng.uniform(-12, 12))
    neck_base = (L / 2 - p["neck_w"] * 0.6, yb + H * 0.15)
    head_c = (neck_base[0] + np.cos(na) * p["neck_l"], neck_base[1] + np.sin(na) * p["neck_l"])
    parts.append(part("body", "fur", capsule(neck_base, head_c, p["neck_w"] * 1.25, p["neck_w"])))
    if p.get("mane", 0) > 0.5:
        off = np.array([-np.sin(na), np.cos(na)]) * p["neck_w"] * 0.45
        parts.append(
            part(
                "mane",
                "fur",
                capsule(
                    tuple(np.add(neck_base, off)), tuple(np.add(head_c, off)), p["neck_w"] * 0.45, p["neck_w"] * 0.3
                ),
            )
        )
    hr = p["head_r"]
    tilt = rng.uniform(-15, 15) - (10 if p["neck_ang"] < 35 else 0)
    head = ellipse(head_c[0], head_c[1], hr * 1.1, hr, tilt)
    ct, st = np.cos(np.radians(tilt)), np.sin(np.radians(tilt))

    def at(dx: float, dy: float) -> tuple[float, float]:
        return (head_c[0] + ct * dx - st * dy, head_c[1] + st * dx + ct * dy)

    snout_c = at(hr * 0.75 + p["snout_l"] / 2, -hr * 0.3)
    ears: list[np.ndarray] = []
    if p.get("ear_floppy", 0) < 0.5:
        ex, ey = at(-hr * 0.35, hr * 0.7)
        es = p["ear_s"]
        for dx in (0.0, hr * 0.45):
            ears.append(
                poly(
                    (ex + dx - es * 0.35, ey - es * 0.1),
                    (ex + dx + es * 0.35, ey - es * 0.1),
                    (ex + dx - es * 0.05, ey + es),
                )
            )
    else:
        ex, ey = at(-hr * 0.45, hr * 0.35)
        ears.append(
            ellipse(ex - p["ear_s"] * 0.2, ey - p["ear_s"] * 0.6, p["ear_s"] * 0.45, p["ear_s"] * 1.0, tilt - 15)
        )
    if p.get("horns", 0) > 0.5:
        hx, hy = at(-hr * 0.1, hr * 0.85)
        parts.append(
            part("horn", "matte", capsule((hx, hy), (hx + hr * 0.35, hy + hr * 0.55), hr * 0.22, hr * 0.08), z=0.02)
        )
    ear_role = "accent" if p.get("ear_floppy", 0) >= 0.5 else "ear"
    parts.append(
        part(
            "head",
            "fur",
            head,
            ellipse(snout_c[0], snout_c[1], p["snout_l"] / 2 + hr * 0.3, p["snout_w"] / 2, tilt - 8),
        )
    )
    parts.append(part(ear_role, "fur", *ears, z=-0.02))
    if p["snout_l"] > 0.09:
        parts.append(
            part(
                "snout",
                "fur",
                ellipse(
                    snout_c[0] + hr * 0.1,
                    snout_c[1] - p["snout_w"] * 0.05,
                    p["snout_l"] / 2 + hr * 0.1,
                    p["snout_w"] * 0.42,
                    tilt - 8,
                ),
                z=-0.03,
            )
        )
    nose = at(hr * 0.78 + p["snout_l"] + hr * 0.15, -hr * 0.25)
    parts.append(part("nose", "matte", circle(nose[0], nose[1], max(p["snout_w"] * 0.22, 0.02), 12), z=-0.04))
    eye = at(hr * 0.35, hr * 0.3)
    parts.append(part("eye", "glossy", circle(eye[0], eye[1], hr * 0.14, 12), z=-0.04))
    return parts


def bird(p: dict[str, float], rng: np.random.Generator, pose: Pose) -> list[Part]:
    """A small songbird, perched or (in the sky) flying with spread wings."""
    rx, ry, hr = p["body_rx"], p["body_ry"], p["head_r"]
    flying = pose.aerial
    tilt = rng.uniform(-10, 10) if flying else rng.uniform(15, 35)
    by = ry + (0.0 if flying else 0.12)
    parts: list[Part] = []
    if not flying:
        for dx in (-0.04, 0.05):
            parts.append(part("leg", "matte", capsule((dx, by - ry * 0.6), (dx + 0.02, 0.0), 0.022), z=0.05))
    tail_root = (-rx * 0.85 * np.cos(np.radians(tilt)), by - rx * 0.85 * np.sin(np.radians(tilt)))
    ta = np.radians(180 + tilt + rng.uniform(-10, 15))
    tl = p["tail_l"]
    tail = poly(
        tail_root,
        (tail_root[0] + np.cos(ta - 0.25) * tl, tail_root[1] + np.sin(ta - 0.25) * tl),
        (tail_root[0] + np.cos(ta + 0.25) * tl, tail_root[1] + np.sin(ta + 0.25) * tl),
    )
    parts.append(part("accent", "feather", tail, z=0.03))
    if flying:
        beat = rng.uniform(-1, 1)
        w = p["wing"] * 1.6
        far_tip = (-0.05 + rng.uniform(-0.05, 0.05), by + w * (0.5 + 0.5 * beat))
        parts.append(part("wing", "feather", poly((-rx * 0.3, by), (rx * 0.3, by), far_tip), z=0.1))
    parts.append(part("body", "feather", ellipse(0, by, rx, ry, tilt)))
    parts.append(part("accent", "feather", ellipse(rx * 0.25, by - ry * 0.35, rx * 0.55, ry * 0.5, tilt), z=-0.01))
    hc = (rx * 0.8 * np.cos(np.radians(tilt)) + p["neck"] * 0.3, by + rx * 0.8 * np.sin(np.radians(tilt)) + hr * 0.6)
    parts.append(part("head", "feather", circle(hc[0], hc[1], hr)))
    parts.append(
        part(
            "beak",
            "glossy",
            poly(
                (hc[0] + hr * 0.8, hc[1] + p["beak_w"]),
                (hc[0] + hr * 0.8, hc[1] - p["beak_w"]),
                (hc[0] + hr * 0.8 + p["beak_l"], hc[1] - p["beak_w"] * 0.3),
            ),
            z=-0.02,
        )
    )
    parts.append(part("eye", "glossy", circle(hc[0] + hr * 0.35, hc[1] + hr * 0.25, hr * 0.18, 10), z=-0.03))
    if flying:
        w = p["wing"] * 1.6
        tip = (0.05 + rng.uniform(-0.1, 0.1), by + w * rng.uniform(0.2, 1.0))
        parts.append(part("wing", "feather", poly((-rx * 0.4, by + ry * 0.2), (rx * 0.4, by + ry * 0.3), tip), z=-0.08))
    else:
        parts.append(part("wing", "feather", ellipse(-rx * 0.1, by + ry * 0.15, rx * 0.7, ry * 0.6, tilt - 8), z=-0.05))
    return parts


def duck(p: dict[str, float], rng: np.random.Generator, pose: Pose) -> list[Part]:
    """A duck: boat-shaped body, long neck, flat bill; feet only when standing on land."""
    rx, ry, hr = p["body_rx"], p["body_ry"], p["head_r"]
    parts: list[Part] = []
    by = ry
    for dx in () if pose.water else (-0.06, 0.06):
        parts.append(
            part(
                "leg",
                "matte",
                capsule((dx, by - ry * 0.5), (dx + 0.04, -0.02), 0.03),
                ellipse(dx + 0.06, -0.02, 0.06, 0.02),
                z=0.04,
            )
        )
    body = poly(
        *[
            (rx * np.cos(a), by + ry * np.sin(a) * (0.8 if np.sin(a) > 0 else 1.0))
            for a in np.linspace(0, 2 * np.pi, 36, endpoint=False)
        ]
    )
    parts.append(
        part(
            "accent",
            "feather",
            poly((-rx * 0.9, by + ry * 0.1), (-rx * 1.25, by + ry * 0.75), (-rx * 0.7, by + ry * 0.3)),
            z=0.03,
        )
    )
    parts.append(part("body", "feather", body))
    flap = pose.speed > 0.75
    if flap:
        parts.append(
            part(
                "wing",
                "feather",
                poly(
                    (-rx * 0.4, by + ry * 0.3),
                    (rx * 0.2, by + ry * 0.4),
                    (-rx * 0.3 + rng.uniform(-0.1, 0.1), by + ry + p["wing"] * 1.3),
                ),
                z=-0.06,
            )
        )
    else:
        parts.append(part("wing", "feather", ellipse(-rx * 0.15, by + ry * 0.1, rx * 0.65, ry * 0.55, 5), z=-0.05))
    neck_top = (rx * 0.75, by + ry * 0.6 + p["neck"])
    parts.append(part("body", "feather", capsule((rx * 0.6, by + ry * 0.3), neck_top, hr * 1.0, hr * 0.9)))
    parts.append(part("accent", "glossy", circle(neck_top[0], neck_top[1], hr)))
    bill_y = neck_top[1] - hr * 0.25
    parts.append(
        part(
            "beak",
            "matte",
            rounded_rect(
                neck_top[0] + hr * 0.6,
                bill_y - p["beak_w"],
                neck_top[0] + hr * 0.6 + p["beak_l"],
                bill_y + p["beak_w"] * 0.6,
                p["beak_w"] * 0.5,
            ),
            z=-0.02,
        )
    )
    parts.append(part("eye", "glossy", circle(neck_top[0] + hr * 0.3, neck_top[1] + hr * 0.25, hr * 0.16, 10), z=-0.03))
    return parts
