"""2-D outline primitives from which object silhouettes are assembled.

Every primitive returns an ``(N, 2)`` float array of polygon vertices in object-local units
(x to the right, y up). Objects are later normalised so their largest extent is 1 and their
lowest point sits on y = 0, so builders may use any convenient scale.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass
class Part:
    """One coloured, textured piece of an object.

    ``role`` names what the piece is (``"body"``, ``"wheel"``, ``"exhaust"``...): concepts map
    roles to colours and temperatures. ``material`` picks the shading and texture model.
    ``shapes`` are polygons drawn in order, each either filled (``True``) or cut out (``False``).
    ``z`` is a depth offset in units of the object's size (negative = nearer the camera).
    """

    role: str
    material: str
    shapes: list[tuple[np.ndarray, bool]] = field(default_factory=list)
    z: float = 0.0


def part(role: str, material: str, *polys: np.ndarray, z: float = 0.0, cuts: tuple[np.ndarray, ...] = ()) -> Part:
    """A part made of the union of ``polys`` minus the union of ``cuts``."""
    shapes = [(np.asarray(p, dtype=np.float64), True) for p in polys]
    shapes += [(np.asarray(c, dtype=np.float64), False) for c in cuts]
    return Part(role, material, shapes, z)


def ellipse(cx: float, cy: float, rx: float, ry: float, angle: float = 0.0, n: int = 32) -> np.ndarray:
    """An ellipse centred at (cx, cy), rotated by ``angle`` degrees."""
    t = np.linspace(0.0, 2.0 * np.pi, n, endpoint=False)
    pts = np.stack([rx * np.cos(t), ry * np.sin(t)], axis=1)
    return rotate(pts, angle) + (cx, cy)


def circle(cx: float, cy: float, r: float, n: int = 32) -> np.ndarray:
    return ellipse(cx, cy, r, r, 0.0, n)


def rect(x0: float, y0: float, x1: float, y1: float) -> np.ndarray:
    return np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]], dtype=np.float64)


def rounded_rect(x0: float, y0: float, x1: float, y1: float, r: float, n: int = 6) -> np.ndarray:
    """A rectangle whose corners are quarter circles of radius ``r``."""
    r = min(r, abs(x1 - x0) / 2, abs(y1 - y0) / 2)
    corners = [(x1 - r, y0 + r, -90.0), (x1 - r, y1 - r, 0.0), (x0 + r, y1 - r, 90.0), (x0 + r, y0 + r, 180.0)]
    pts = []
    for cx, cy, a0 in corners:
        a = np.radians(a0 + np.linspace(0.0, 90.0, n))
        pts.append(np.stack([cx + r * np.cos(a), cy + r * np.sin(a)], axis=1))
    return np.concatenate(pts)


def capsule(
    p0: tuple[float, float], p1: tuple[float, float], w0: float, w1: float | None = None, n: int = 8
) -> np.ndarray:
    """A thick segment from ``p0`` to ``p1`` with round caps, width tapering from w0 to w1."""
    w1 = w0 if w1 is None else w1
    p0a, p1a = np.asarray(p0, float), np.asarray(p1, float)
    d = p1a - p0a
    ang = np.arctan2(d[1], d[0])
    a1 = ang - np.pi / 2 + np.linspace(0.0, np.pi, n)
    a0 = ang + np.pi / 2 + np.linspace(0.0, np.pi, n)
    cap1 = p1a + (w1 / 2) * np.stack([np.cos(a1), np.sin(a1)], axis=1)
    cap0 = p0a + (w0 / 2) * np.stack([np.cos(a0), np.sin(a0)], axis=1)
    return np.concatenate([cap1, cap0])


def polyline_band(points: np.ndarray, width: float) -> np.ndarray:
    """A band of constant ``width`` following an open polyline (for curves such as seams)."""
    pts = np.asarray(points, float)
    d = np.gradient(pts, axis=0)
    nrm = np.stack([-d[:, 1], d[:, 0]], axis=1)
    nrm /= np.maximum(np.linalg.norm(nrm, axis=1, keepdims=True), 1e-9)
    return np.concatenate([pts + nrm * width / 2, (pts - nrm * width / 2)[::-1]])


def arc(cx: float, cy: float, rx: float, ry: float, a0: float, a1: float, n: int = 24) -> np.ndarray:
    """Points along an elliptical arc from ``a0`` to ``a1`` degrees (an open polyline)."""
    a = np.radians(np.linspace(a0, a1, n))
    return np.stack([cx + rx * np.cos(a), cy + ry * np.sin(a)], axis=1)


def poly(*points: tuple[float, float]) -> np.ndarray:
    return np.asarray(points, dtype=np.float64)


def rotate(points: np.ndarray, angle: float, about: tuple[float, float] = (0.0, 0.0)) -> np.ndarray:
    """Rotate points counter-clockwise by ``angle`` degrees around ``about``."""
    a = np.radians(angle)
    c, s = np.cos(a), np.sin(a)
    p = np.asarray(points, float) - about
    return np.stack([c * p[:, 0] - s * p[:, 1], s * p[:, 0] + c * p[:, 1]], axis=1) + about


def rotate_parts(parts: list[Part], angle: float, about: tuple[float, float] = (0.0, 0.0)) -> list[Part]:
    """The same parts with every polygon rotated by ``angle`` degrees."""
    return [Part(p.role, p.material, [(rotate(s, angle, about), f) for s, f in p.shapes], p.z) for p in parts]
