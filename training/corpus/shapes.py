"""The registry of silhouette builders: ``build_parts(concept, params, rng, pose)``."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from . import shapes_animals, shapes_objects, shapes_vehicles
from .geometry import Part
from .pose import Pose

Builder = Callable[[dict[str, float], np.random.Generator, Pose], list[Part]]

BUILDERS: dict[str, Builder] = {
    "quadruped": shapes_animals.quadruped,
    "bird": shapes_animals.bird,
    "duck": shapes_animals.duck,
    "car": shapes_vehicles.car,
    "bus": shapes_vehicles.bus,
    "motorcycle": shapes_vehicles.motorcycle,
    "bicycle": shapes_vehicles.bicycle,
    "helicopter": shapes_vehicles.helicopter,
    "airplane": shapes_vehicles.airplane,
    "train": shapes_vehicles.train,
    "boat": shapes_vehicles.boat,
    "kettle": shapes_objects.kettle,
    "hair_dryer": shapes_objects.hair_dryer,
    "vacuum": shapes_objects.vacuum,
    "washer": shapes_objects.washer,
    "fan": shapes_objects.fan,
    "blender": shapes_objects.blender,
    "drum": shapes_objects.drum,
    "guitar": shapes_objects.guitar,
    "violin": shapes_objects.violin,
    "bell": shapes_objects.bell,
    "hammer": shapes_objects.hammer,
    "saw": shapes_objects.saw,
    "phone": shapes_objects.phone,
    "alarm_clock": shapes_objects.alarm_clock,
    "basketball": shapes_objects.basketball,
    "campfire": shapes_objects.campfire,
}


def build_parts(shape: str, params: dict[str, float], rng: np.random.Generator, pose: Pose) -> list[Part]:
    """The parts of one object instance, in drawing order (later parts in front)."""
    try:
        builder = BUILDERS[shape]
    except KeyError:
        raise ValueError(f"unknown shape builder {shape!r}") from None
    return builder(params, rng, pose)
