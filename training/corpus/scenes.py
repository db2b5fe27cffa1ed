"""Scenes the objects are placed in, as data.

A scene fixes the background drawing (ground texture, sky or wall, backdrop), the ambient
temperature range seen by the thermal view, the ambient sound bed and room reverberation heard
in the audio, and the words captions use for it.
"""

from __future__ import annotations

from dataclasses import dataclass

RGB = tuple[int, int, int]


@dataclass(frozen=True)
class Scene:
    name: str
    phrases: tuple[str, ...]
    indoor: bool
    ground: str
    """Ground texture: grass, dirt, snow, asphalt, water, gravel, wood, tile, stone, court, concrete."""
    ground_rgb: RGB
    upper_rgbs: tuple[RGB, ...]
    """Sky colours outdoors, wall colours indoors."""
    backdrop: str
    """What stands between object and horizon or wall: trees, forest, buildings, hills, fence, window,
    shelves, curtain, none."""
    ambient_c: tuple[float, float]
    horizon: tuple[int, int]
    """Image row range of the horizon (camera pitch)."""
    sound_bed: str
    rt60_s: tuple[float, float]
    aerial: bool = False
    dark: float = 0.0
    """Chance that the scene is dark by nature (a stage, a campsite at night)."""


SCENES: dict[str, Scene] = {s.name: s for s in (
    Scene("grass", ("on the grass", "in a field", "in a meadow"), False, "grass", (92, 140, 58),
          ((150, 190, 235), (120, 165, 220), (190, 205, 220)), "hills", (6.0, 28.0), (60, 115), "wind", (0.0, 0.0)),
    Scene("park", ("in a park", "on a lawn in the park"), False, "grass", (80, 130, 55),
          ((150, 190, 235), (175, 200, 225)), "trees", (5.0, 28.0), (60, 110), "park", (0.0, 0.0)),
    Scene("forest", ("in a forest", "among the trees", "in the woods"), False, "dirt", (88, 80, 52),
          ((170, 190, 200), (140, 170, 190)), "forest", (2.0, 22.0), (55, 105), "forest", (0.0, 0.15)),
    Scene("snow", ("in the snow", "on a snowy field", "in winter snow"), False, "snow", (232, 236, 244),
          ((200, 210, 222), (165, 185, 210)), "trees", (-15.0, 0.0), (55, 110), "wind", (0.0, 0.0)),
    Scene("farm", ("on a farm", "in a farmyard", "in a pasture"), False, "dirt", (128, 108, 72),
          ((150, 190, 235), (185, 200, 215)), "fence", (4.0, 30.0), (60, 110), "wind", (0.0, 0.0)),
    Scene("street", ("on a street", "on the road", "in the city"), False, "asphalt", (82, 82, 86),
          ((160, 190, 225), (190, 195, 205)), "buildings", (0.0, 32.0), (70, 120), "city", (0.0, 0.0)),
    Scene("runway", ("on the runway", "at an airfield"), False, "asphalt", (110, 110, 112),
          ((150, 190, 235), (185, 200, 215)), "hills", (0.0, 30.0), (80, 125), "wind", (0.0, 0.0)),
    Scene("sky", ("in the sky", "flying overhead", "high in the air"), False, "grass", (95, 120, 80),
          ((120, 170, 230), (160, 195, 235), (200, 205, 215)), "none", (-10.0, 20.0), (190, 260), "wind",
          (0.0, 0.0), aerial=True),
    Scene("water", ("on the water", "on a lake", "at sea"), False, "water", (52, 92, 130),
          ((150, 190, 235), (190, 200, 215)), "hills", (4.0, 26.0), (70, 115), "water", (0.0, 0.0)),
    Scene("rails", ("on the tracks", "at a station", "on a railway"), False, "gravel", (120, 112, 102),
          ((150, 190, 235), (185, 195, 210)), "hills", (0.0, 30.0), (70, 115), "wind", (0.0, 0.0)),
    Scene("kitchen", ("in a kitchen", "on the kitchen counter"), True, "stone", (170, 165, 155),
          ((235, 230, 215), (205, 220, 225), (240, 240, 240)), "shelves", (19.0, 26.0), (30, 95), "room", (0.3, 0.6)),
    Scene("living room", ("in a living room", "at home", "in the lounge"), True, "wood", (150, 105, 65),
          ((225, 215, 195), (190, 205, 200), (210, 190, 180)), "window", (18.0, 25.0), (45, 110), "room", (0.3, 0.6)),
    Scene("bedroom", ("in a bedroom", "on a nightstand"), True, "wood", (125, 85, 55),
          ((215, 205, 230), (230, 225, 210), (195, 210, 225)), "window", (17.0, 24.0), (30, 100), "room", (0.25, 0.5),
          dark=0.2),
    Scene("bathroom", ("in a bathroom", "by the bathroom sink"), True, "tile", (215, 218, 222),
          ((220, 235, 240), (240, 240, 235)), "shelves", (20.0, 27.0), (35, 100), "room", (0.5, 1.0)),
    Scene("laundry", ("in a laundry room", "in the utility room"), True, "tile", (190, 190, 195),
          ((230, 230, 225), (210, 220, 230)), "shelves", (16.0, 24.0), (40, 100), "room", (0.4, 0.8)),
    Scene("workshop", ("in a workshop", "on a workbench", "in the garage"), True, "wood", (160, 125, 80),
          ((150, 140, 120), (170, 165, 150), (120, 125, 120)), "shelves", (10.0, 22.0), (30, 95), "room", (0.4, 0.9)),
    Scene("desk", ("on a desk", "on an office table"), True, "wood", (175, 140, 100),
          ((225, 225, 220), (200, 210, 220)), "window", (19.0, 25.0), (25, 90), "room", (0.3, 0.6)),
    Scene("stage", ("on a stage", "at a concert"), True, "wood", (70, 50, 35),
          ((60, 20, 25), (25, 25, 30), (40, 30, 60)), "curtain", (18.0, 28.0), (45, 105), "hall", (0.9, 1.8),
          dark=0.6),
    Scene("court", ("on a basketball court", "in a gym"), True, "court", (200, 150, 95),
          ((200, 200, 195), (180, 185, 190)), "none", (15.0, 24.0), (50, 110), "hall", (1.0, 2.0)),
    Scene("campsite", ("at a campsite", "at night in the woods", "by the tents"), False, "dirt", (95, 80, 60),
          ((40, 50, 80), (120, 150, 190)), "forest", (0.0, 20.0), (55, 105), "forest", (0.0, 0.1), dark=0.7),
)}

OUTDOOR_GROUND = tuple(s.name for s in SCENES.values() if not s.indoor and not s.aerial)
INDOOR = tuple(s.name for s in SCENES.values() if s.indoor)
