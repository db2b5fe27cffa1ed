"""The concepts of the procedural corpus, as data.

Each concept says how it looks (a silhouette builder with parameter ranges, colours per part
role), how warm its parts are, how it sounds and moves (a synthesis recipe with parameter
ranges), where it is usually found, and how captions and class prompts name it.

Parameter ranges are ``(low, high)`` pairs drawn uniformly per sample. ``twins`` names, per
modality family (``look``, ``sound``, ``motion``), a concept this one is deliberately made
confusable with: both move their ranges towards each other by ``Difficulty.twin_similarity``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

RGB = tuple[int, int, int]
Range = tuple[float, float]
Heat = tuple[str, float, float]


def warm(lo: float, hi: float) -> Heat:
    """A part temperature in degrees Celsius, from ``lo`` (temperature factor 0) to ``hi`` (1)."""
    return ("abs", lo, hi)


def rise(lo: float, hi: float) -> Heat:
    """A part temperature this many degrees above the scene's ambient temperature."""
    return ("rise", lo, hi)


ANIMAL_HEAT: Mapping[str, Heat] = {
    "body": warm(24, 32), "head": warm(29, 34), "snout": warm(28, 33), "eye": warm(33, 36.5),
    "nose": warm(27, 33), "ear": warm(24, 31), "leg": warm(23, 30), "tail": warm(21, 29),
    "mane": warm(22, 28), "accent": warm(24, 31), "hoof": warm(18, 24), "horn": warm(18, 24),
}


@dataclass(frozen=True)
class Concept:
    name: str
    group: str
    nouns: tuple[str, ...]
    """The name first, then synonyms captions may use."""
    hypernyms: tuple[str, ...]
    prompts: tuple[str, ...]
    """Class prompts for zero-shot evaluation."""
    size_m: Range
    """Range of the object's largest extent in metres."""
    palette: tuple[tuple[str, RGB], ...]
    scenes: tuple[str, ...]
    shape: str
    sound: str
    motion: str
    sound_words: tuple[str, ...]
    actions: tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]
    """Caption verbs for low, medium and high speed."""
    shape_params: Mapping[str, Range] = field(default_factory=dict)
    sound_params: Mapping[str, Range] = field(default_factory=dict)
    motion_params: Mapping[str, Range] = field(default_factory=dict)
    accents: tuple[tuple[str, RGB], ...] = ()
    look: Mapping[str, RGB] = field(default_factory=dict)
    """Colours of part roles other than ``body`` (the palette colour) and ``accent``."""
    heat: Mapping[str, Heat] = field(default_factory=dict)
    temp_words: tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]] | None = None
    depth_ratio: float = 0.4
    """Front-to-back thickness relative to the largest extent."""
    heat_follows_speed: bool = False
    """Engines and motors: the temperature factor rises with the speed factor."""
    twins: Mapping[str, str] = field(default_factory=dict)


_DOG_COLOURS = (("brown", (120, 78, 44)), ("black", (34, 31, 30)), ("golden", (196, 148, 72)),
                ("white", (226, 220, 208)), ("grey", (128, 124, 118)), ("tan", (170, 128, 86)))
_WOLF_COLOURS = (("grey", (126, 122, 116)), ("grey-brown", (118, 100, 80)), ("pale grey", (172, 168, 160)),
                 ("dark grey", (78, 76, 74)), ("tan", (160, 126, 90)))
_CAR_COLOURS = (("red", (170, 30, 32)), ("blue", (36, 70, 150)), ("white", (225, 226, 228)),
                ("black", (28, 30, 34)), ("silver", (175, 178, 184)), ("yellow", (220, 180, 40)),
                ("green", (40, 110, 60)))
_APPLIANCE_COLOURS = (("white", (232, 232, 228)), ("black", (35, 35, 38)), ("silver", (180, 182, 186)),
                      ("red", (180, 40, 40)), ("blue", (60, 100, 170)), ("cream", (230, 218, 190)))
_WOOD = (("brown", (140, 92, 52)), ("natural wood", (190, 150, 100)), ("dark brown", (90, 58, 36)),
         ("honey", (200, 140, 70)))

CONCEPTS: tuple[Concept, ...] = (
    Concept(
        "dog", "animal", ("dog", "puppy", "hound", "pup"), ("animal", "pet", "four-legged animal", "canine"),
        ("a dog", "a photo of a dog", "a dog barking", "a puppy"), (0.5, 1.1), _DOG_COLOURS,
        ("grass", "park", "snow", "forest"), "quadruped", "bark", "walk",
        ("barking", "yapping", "woofing"), (("sitting", "standing", "resting"), ("walking", "trotting"),
                                           ("running", "sprinting", "bounding")),
        shape_params={"body_l": (0.9, 1.05), "body_h": (0.36, 0.46), "leg_l": (0.36, 0.52), "leg_w": (0.1, 0.13),
                      "neck_l": (0.22, 0.32), "neck_w": (0.16, 0.2), "neck_ang": (45, 70), "head_r": (0.15, 0.19),
                      "snout_l": (0.14, 0.24), "snout_w": (0.1, 0.14), "ear_floppy": (0.0, 1.0), "ear_s": (0.1, 0.16),
                      "tail_l": (0.25, 0.4), "tail_w": (0.05, 0.09), "tail_ang": (110, 200), "bushy": (0.0, 0.5),
                      "boxy": (0.0, 0.3)},
        sound_params={"f0": (380, 700), "rate": (1.2, 3.5), "len": (0.08, 0.18)},
        motion_params={"cadence": (1.5, 3.0), "amp": (1.5, 5.0), "tug_rate": (0.2, 0.8)},
        accents=(("black", (34, 31, 30)), ("white", (226, 220, 208)), ("brown", (100, 66, 38))),
        heat=ANIMAL_HEAT, twins={"look": "wolf"}),
    Concept(
        "wolf", "animal", ("wolf", "grey wolf", "wild wolf"), ("animal", "wild animal", "four-legged animal", "canine"),
        ("a wolf", "a photo of a wolf", "a wolf howling", "a wild wolf"), (0.9, 1.5), _WOLF_COLOURS,
        ("grass", "park", "snow", "forest"), "quadruped", "howl", "walk",
        ("howling", "calling"), (("standing", "resting", "watching"), ("walking", "prowling"),
                                 ("running", "chasing", "loping")),
        shape_params={"body_l": (0.95, 1.1), "body_h": (0.36, 0.44), "leg_l": (0.46, 0.56), "leg_w": (0.1, 0.12),
                      "neck_l": (0.24, 0.32), "neck_w": (0.18, 0.21), "neck_ang": (35, 55), "head_r": (0.16, 0.19),
                      "snout_l": (0.2, 0.27), "snout_w": (0.1, 0.13), "ear_floppy": (0.0, 0.15), "ear_s": (0.12, 0.16),
                      "tail_l": (0.35, 0.45), "tail_w": (0.08, 0.11), "tail_ang": (205, 235), "bushy": (0.6, 1.0),
                      "boxy": (0.0, 0.2)},
        sound_params={"f0": (320, 520), "len": (1.2, 2.6)},
        motion_params={"cadence": (1.5, 3.0), "amp": (1.5, 5.0), "tug_rate": (0.2, 0.8)},
        accents=(("pale", (200, 196, 188)), ("dark grey", (70, 68, 66))),
        heat=ANIMAL_HEAT, twins={"look": "dog"}),
    Concept(
        "cat", "animal", ("cat", "kitten", "kitty"), ("animal", "pet", "small animal", "feline"),
        ("a cat", "a photo of a cat", "a cat meowing", "a kitten"), (0.35, 0.6),
        (("ginger", (205, 120, 50)), ("black", (30, 28, 28)), ("grey", (120, 120, 122)), ("white", (232, 230, 225)),
         ("tabby brown", (130, 100, 70))),
        ("living room", "bedroom", "grass", "kitchen"), "quadruped", "meow", "hold",
        ("meowing", "mewing", "purring"), (("sleeping", "sitting", "lounging"), ("walking", "strolling"),
                                          ("running", "pouncing", "leaping")),
        shape_params={"body_l": (0.8, 0.95), "body_h": (0.26, 0.32), "leg_l": (0.26, 0.34), "leg_w": (0.065, 0.08),
                      "neck_l": (0.08, 0.14), "neck_w": (0.13, 0.16), "neck_ang": (65, 85), "head_r": (0.14, 0.17),
                      "snout_l": (0.04, 0.07), "snout_w": (0.08, 0.1), "ear_floppy": (0.0, 0.0), "ear_s": (0.12, 0.17),
                      "tail_l": (0.55, 0.75), "tail_w": (0.045, 0.06), "tail_ang": (95, 140), "bushy": (0.0, 0.2),
                      "boxy": (0.0, 0.1), "stripes": (0.0, 1.0)},
        sound_params={"f0": (450, 850), "len": (0.4, 0.9)},
        motion_params={"sway": (2.0, 6.0), "purr": (0.02, 0.08)},
        accents=(("white", (232, 230, 225)), ("dark", (60, 50, 45))),
        heat=ANIMAL_HEAT),
    Concept(
        "cow", "animal", ("cow", "dairy cow", "cattle"), ("animal", "farm animal", "four-legged animal"),
        ("a cow", "a photo of a cow", "a cow mooing", "cattle"), (1.8, 2.5),
        (("black and white", (235, 232, 225)), ("brown", (120, 75, 45)), ("white", (238, 236, 230)),
         ("red-brown", (150, 70, 40))),
        ("farm", "grass"), "quadruped", "moo", "walk",
        ("mooing", "lowing"), (("grazing", "standing", "lying"), ("walking", "ambling"), ("trotting", "running")),
        shape_params={"body_l": (1.15, 1.3), "body_h": (0.55, 0.65), "leg_l": (0.42, 0.52), "leg_w": (0.12, 0.15),
                      "neck_l": (0.2, 0.28), "neck_w": (0.26, 0.32), "neck_ang": (5, 30), "head_r": (0.16, 0.19),
                      "snout_l": (0.14, 0.2), "snout_w": (0.17, 0.21), "ear_floppy": (0.3, 0.6), "ear_s": (0.08, 0.11),
                      "tail_l": (0.45, 0.6), "tail_w": (0.035, 0.05), "tail_ang": (255, 268), "bushy": (0.0, 0.1),
                      "boxy": (0.7, 1.0), "horns": (0.5, 1.0), "spots": (0.0, 1.0)},
        sound_params={"f0": (95, 150), "len": (1.0, 1.9)},
        motion_params={"cadence": (0.9, 1.6), "amp": (1.0, 2.5), "tug_rate": (0.0, 0.15)},
        accents=(("black", (30, 28, 28)), ("brown", (110, 70, 40)), ("white", (238, 236, 230))),
        look={"horn": (225, 215, 190), "snout": (210, 160, 150)}, heat=ANIMAL_HEAT),
    Concept(
        "horse", "animal", ("horse", "pony", "stallion", "mare"), ("animal", "farm animal", "four-legged animal"),
        ("a horse", "a photo of a horse", "a horse neighing", "a pony"), (2.0, 2.6),
        (("chestnut", (150, 80, 40)), ("bay", (110, 60, 35)), ("black", (28, 26, 26)), ("white", (230, 228, 222)),
         ("grey", (150, 148, 145)), ("palomino", (210, 170, 100))),
        ("farm", "grass", "park"), "quadruped", "neigh", "ride_gait",
        ("neighing", "whinnying", "snorting"), (("standing", "grazing"), ("walking", "trotting"),
                                                ("galloping", "cantering", "racing")),
        shape_params={"body_l": (1.0, 1.15), "body_h": (0.4, 0.48), "leg_l": (0.7, 0.82), "leg_w": (0.085, 0.1),
                      "neck_l": (0.45, 0.55), "neck_w": (0.18, 0.22), "neck_ang": (50, 65), "head_r": (0.11, 0.13),
                      "snout_l": (0.26, 0.32), "snout_w": (0.13, 0.16), "ear_floppy": (0.0, 0.0), "ear_s": (0.07, 0.1),
                      "tail_l": (0.5, 0.65), "tail_w": (0.1, 0.14), "tail_ang": (230, 250), "bushy": (0.3, 0.6),
                      "boxy": (0.1, 0.3), "mane": (1.0, 1.0)},
        sound_params={"f0": (450, 800), "len": (0.8, 1.5), "rate": (1.5, 4.0)},
        motion_params={"cadence": (1.2, 2.6), "amp": (3.0, 8.0)},
        accents=(("black", (25, 23, 22)), ("cream", (220, 210, 185)), ("dark brown", (70, 40, 25))),
        heat=ANIMAL_HEAT),
    Concept(
        "sheep", "animal", ("sheep", "lamb", "ewe"), ("animal", "farm animal", "four-legged animal"),
        ("a sheep", "a photo of a sheep", "a sheep bleating", "a lamb"), (0.9, 1.4),
        (("white", (232, 228, 215)), ("cream", (220, 205, 175)), ("grey", (165, 160, 152)), ("black", (50, 46, 44))),
        ("farm", "grass", "snow"), "quadruped", "baa", "walk",
        ("bleating", "baaing"), (("grazing", "standing", "lying"), ("walking", "wandering"), ("running", "trotting")),
        shape_params={"body_l": (0.95, 1.1), "body_h": (0.55, 0.65), "leg_l": (0.26, 0.34), "leg_w": (0.07, 0.09),
                      "neck_l": (0.1, 0.15), "neck_w": (0.2, 0.24), "neck_ang": (20, 40), "head_r": (0.13, 0.15),
                      "snout_l": (0.1, 0.14), "snout_w": (0.1, 0.12), "ear_floppy": (0.7, 1.0), "ear_s": (0.08, 0.1),
                      "tail_l": (0.1, 0.15), "tail_w": (0.07, 0.09), "tail_ang": (220, 250), "bushy": (0.0, 0.0),
                      "boxy": (0.0, 0.2), "fluffy": (1.0, 1.0)},
        sound_params={"f0": (200, 330), "len": (0.5, 0.9)},
        motion_params={"cadence": (1.0, 1.8), "amp": (1.0, 3.0), "tug_rate": (0.0, 0.2)},
        accents=(("black", (35, 32, 30)), ("dark brown", (70, 50, 40))),
        look={"leg": (40, 36, 34)}, heat={**ANIMAL_HEAT, "body": warm(14, 24)}),
    Concept(
        "bird", "animal", ("bird", "songbird", "sparrow", "robin"), ("animal", "small animal", "flying animal"),
        ("a bird", "a photo of a bird", "a bird singing", "a songbird"), (0.12, 0.35),
        (("brown", (130, 95, 60)), ("blue", (60, 110, 190)), ("red", (190, 50, 40)), ("yellow", (225, 190, 50)),
         ("black", (35, 35, 38)), ("grey", (140, 140, 145))),
        ("sky", "park", "grass"), "bird", "chirp", "perch",
        ("singing", "chirping", "tweeting"), (("perched", "sitting", "resting"), ("hopping", "gliding"),
                                              ("flying", "darting", "soaring")),
        shape_params={"body_rx": (0.3, 0.36), "body_ry": (0.17, 0.21), "head_r": (0.12, 0.15), "beak_l": (0.1, 0.16),
                      "beak_w": (0.04, 0.06), "tail_l": (0.2, 0.3), "neck": (0.05, 0.1), "wing": (0.3, 0.4)},
        sound_params={"f_lo": (2000, 3500), "f_hi": (4000, 7000), "rate": (3.0, 9.0)},
        motion_params={"flutter": (8.0, 14.0), "bursts": (0.3, 1.2)},
        accents=(("white", (235, 232, 225)), ("orange", (220, 120, 40)), ("black", (30, 30, 32))),
        look={"beak": (230, 170, 40), "leg": (150, 110, 80)},
        heat={**ANIMAL_HEAT, "body": warm(28, 36), "wing": warm(24, 32), "beak": warm(22, 30)}),
    Concept(
        "duck", "animal", ("duck", "mallard", "duckling"), ("animal", "bird", "water bird"),
        ("a duck", "a photo of a duck", "a duck quacking", "a mallard"), (0.35, 0.65),
        (("brown", (120, 90, 60)), ("white", (238, 236, 230)), ("mottled brown", (140, 110, 75)),
         ("grey", (150, 148, 140))),
        ("water", "park", "grass"), "duck", "quack", "toss",
        ("quacking",), (("floating", "resting", "sitting"), ("swimming", "paddling", "waddling"),
                        ("flapping", "splashing", "running")),
        shape_params={"body_rx": (0.42, 0.48), "body_ry": (0.2, 0.24), "head_r": (0.12, 0.14), "beak_l": (0.14, 0.18),
                      "beak_w": (0.06, 0.075), "tail_l": (0.1, 0.14), "neck": (0.16, 0.22), "wing": (0.3, 0.38)},
        sound_params={"f0": (230, 380), "rate": (1.5, 4.0), "len": (0.12, 0.25)},
        motion_params={"rate": (0.3, 0.9), "swing": (20.0, 50.0)},
        accents=(("green", (30, 110, 60)), ("dark", (50, 45, 40)), ("white", (235, 232, 225))),
        look={"beak": (235, 160, 40), "leg": (235, 140, 40)},
        heat={**ANIMAL_HEAT, "body": warm(18, 28), "wing": warm(16, 26), "beak": warm(20, 28)}),
    Concept(
        "car", "vehicle", ("car", "automobile", "sedan", "hatchback"), ("vehicle", "motor vehicle"),
        ("a car", "a photo of a car", "a car engine", "an automobile"), (3.6, 5.0), _CAR_COLOURS,
        ("street", "snow"), "car", "engine", "drive",
        ("humming", "revving", "rumbling"), (("parked", "idling", "stopped"), ("driving", "cruising"),
                                             ("speeding", "racing", "accelerating")),
        shape_params={"cab_h": (0.14, 0.22), "cab_l": (0.45, 0.6), "body_h": (0.2, 0.26), "wheel_r": (0.09, 0.11),
                      "hatch": (0.0, 1.0)},
        sound_params={"f_lo": (22, 32), "f_hi": (60, 110), "putter": (0.1, 0.3), "road": (0.2, 0.5),
                      "hiss": (0.0, 0.0)},
        motion_params={"vib_f": (25, 55), "vib": (0.1, 0.4), "turns": (0.1, 0.35), "sway": (0.5, 1.5)},
        look={"grille": (40, 40, 44)},
        heat={"body": rise(0, 6), "cabin": rise(0, 4), "glass": rise(-4, -1), "tyre": rise(1, 18),
              "hub": rise(3, 45), "grille": rise(8, 55), "exhaust": rise(15, 140), "lamp": rise(2, 25),
              "tail_lamp": rise(1, 15)},
        depth_ratio=0.38, heat_follows_speed=True),
    Concept(
        "bus", "vehicle", ("bus", "coach", "city bus"), ("vehicle", "motor vehicle", "public transport"),
        ("a bus", "a photo of a bus", "a bus engine", "a city bus"), (9.0, 13.0),
        (("yellow", (225, 185, 40)), ("red", (180, 35, 35)), ("white", (228, 228, 226)), ("blue", (40, 80, 160)),
         ("green", (45, 120, 70))),
        ("street",), "bus", "engine", "drive",
        ("rumbling", "idling", "hissing"), (("parked", "waiting", "stopped"), ("driving", "rolling"),
                                            ("speeding", "accelerating")),
        shape_params={"win_h": (0.1, 0.14), "wheel_r": (0.06, 0.075), "height": (0.3, 0.36), "stripe": (0.0, 1.0)},
        sound_params={"f_lo": (15, 22), "f_hi": (35, 60), "putter": (0.05, 0.2), "road": (0.3, 0.6),
                      "hiss": (0.5, 1.0)},
        motion_params={"vib_f": (14, 30), "vib": (0.08, 0.3), "turns": (0.05, 0.2), "sway": (1.0, 2.5)},
        accents=(("white", (235, 235, 232)), ("black", (30, 30, 32)), ("orange", (230, 120, 40))),
        look={"grille": (40, 40, 44), "sign": (250, 180, 40)},
        heat={"body": rise(0, 6), "glass": rise(-4, -1), "tyre": rise(1, 18), "hub": rise(3, 35),
              "grille": rise(5, 40), "exhaust": rise(15, 120), "lamp": rise(2, 25), "sign": rise(2, 12)},
        depth_ratio=0.25, heat_follows_speed=True),
    Concept(
        "motorcycle", "vehicle", ("motorcycle", "motorbike", "bike"), ("vehicle", "motor vehicle", "two-wheeler"),
        ("a motorcycle", "a photo of a motorcycle", "a motorcycle engine", "a motorbike"), (1.9, 2.4), _CAR_COLOURS,
        ("street", "grass"), "motorcycle", "engine", "lean",
        ("roaring", "revving", "growling"), (("parked", "idling"), ("riding", "cruising"),
                                             ("speeding", "racing", "roaring past")),
        shape_params={"wheel_r": (0.17, 0.2), "tank": (0.1, 0.14), "sport": (0.0, 1.0)},
        sound_params={"f_lo": (30, 45), "f_hi": (90, 180), "putter": (0.5, 0.9), "road": (0.1, 0.3),
                      "hiss": (0.0, 0.0)},
        motion_params={"vib_f": (40, 95), "vib": (0.3, 1.0), "lean": (10.0, 35.0)},
        look={"frame": (40, 40, 44), "seat": (30, 28, 28)},
        heat={"body": rise(0, 8), "frame": rise(0, 10), "tyre": rise(1, 20), "hub": rise(2, 30),
              "engine": rise(15, 80), "exhaust": rise(25, 200), "seat": rise(0, 8), "lamp": rise(2, 20)},
        depth_ratio=0.35, heat_follows_speed=True),
    Concept(
        "bicycle", "vehicle", ("bicycle", "bike", "cycle", "push bike"), ("vehicle", "two-wheeler"),
        ("a bicycle", "a photo of a bicycle", "riding a bicycle", "a bike"), (1.6, 1.9),
        (("red", (180, 40, 40)), ("blue", (40, 80, 170)), ("black", (30, 30, 32)), ("white", (230, 230, 228)),
         ("green", (50, 130, 70)), ("orange", (220, 120, 40))),
        ("street", "park"), "bicycle", "freewheel", "pedal",
        ("clicking", "ticking", "whirring"), (("parked", "leaning", "standing"), ("riding", "rolling"),
                                              ("speeding", "racing")),
        shape_params={"wheel_r": (0.2, 0.23), "frame_w": (0.025, 0.035), "upright": (0.0, 1.0)},
        sound_params={"tick": (8, 30), "road": (0.2, 0.6)},
        motion_params={"cadence": (0.8, 1.6), "sway": (2.0, 6.0)},
        look={"seat": (30, 28, 28)},
        heat={"tyre": rise(0, 5), "body": rise(-1, 2), "seat": rise(0, 4)}, depth_ratio=0.25),
    Concept(
        "helicopter", "vehicle", ("helicopter", "chopper", "rotorcraft"), ("aircraft", "vehicle", "flying machine"),
        ("a helicopter", "a photo of a helicopter", "a helicopter rotor", "a chopper"), (10.0, 16.0),
        (("red", (180, 40, 40)), ("yellow", (225, 185, 40)), ("white", (230, 230, 228)), ("blue", (40, 80, 160)),
         ("olive", (90, 100, 60)), ("black", (30, 30, 32))),
        ("sky", "runway"), "helicopter", "rotor", "hover",
        ("whirring", "thumping", "chopping"), (("landed", "parked", "idling"), ("hovering", "flying"),
                                               ("speeding", "racing", "flying fast")),
        shape_params={"cabin": (0.16, 0.2), "boom": (0.45, 0.55), "rotor": (0.8, 1.0)},
        sound_params={"blade": (10, 22), "whine": (2500, 5000)},
        motion_params={"blade": (10, 22), "vib": (0.5, 1.6)},
        heat={"body": rise(0, 10), "glass": rise(-5, -1), "engine": rise(20, 150), "exhaust": rise(40, 250),
              "rotor": rise(-2, 2), "skid": rise(-2, 2)},
        depth_ratio=0.3, heat_follows_speed=True),
    Concept(
        "airplane", "vehicle", ("airplane", "aeroplane", "jet", "plane", "airliner"), ("aircraft", "vehicle"),
        ("an airplane", "a photo of an airplane", "a jet engine", "a plane"), (12.0, 20.0),
        (("white", (232, 232, 230)), ("silver", (185, 188, 192)), ("blue-white", (215, 225, 240)),
         ("grey", (160, 162, 166))),
        ("sky", "runway"), "airplane", "jet", "cruise",
        ("roaring", "droning", "whining"), (("parked", "taxiing", "waiting"), ("flying", "cruising"),
                                            ("taking off", "climbing", "speeding")),
        shape_params={"fuse_h": (0.09, 0.12), "wing": (0.25, 0.35), "fin": (0.14, 0.2)},
        sound_params={"whine": (1200, 3000), "cut": (800, 2500)},
        motion_params={"turb": (0.3, 2.0)},
        accents=(("blue", (40, 70, 150)), ("red", (180, 40, 40)), ("green", (40, 110, 70))),
        heat={"body": rise(-6, 4), "glass": rise(-8, -2), "engine": rise(20, 200), "exhaust": rise(60, 300),
              "wing": rise(-6, 3)},
        depth_ratio=0.35, heat_follows_speed=True),
    Concept(
        "train", "vehicle", ("train", "locomotive", "railway train"), ("vehicle", "public transport"),
        ("a train", "a photo of a train", "a train on the tracks", "a locomotive"), (15.0, 22.0),
        (("red", (170, 35, 35)), ("blue", (40, 70, 150)), ("green", (40, 100, 60)), ("yellow", (220, 180, 40)),
         ("grey", (140, 142, 146))),
        ("rails", "snow"), "train", "rail", "rail_ride",
        ("rattling", "clattering", "chugging"), (("waiting", "stopped", "standing"), ("rolling", "travelling"),
                                                 ("speeding", "racing", "rushing")),
        shape_params={"height": (0.2, 0.26), "nose": (0.05, 0.12), "win": (0.05, 0.08)},
        sound_params={"clack": (0.6, 2.5), "horn": (0.0, 1.0)},
        motion_params={"clack": (0.6, 2.5), "sway": (0.5, 1.5)},
        accents=(("white", (235, 235, 232)), ("yellow", (225, 190, 40)), ("black", (30, 30, 32))),
        heat={"body": rise(0, 8), "glass": rise(-4, -1), "tyre": rise(2, 30), "engine": rise(10, 60),
              "lamp": rise(2, 20)},
        depth_ratio=0.18, heat_follows_speed=True),
    Concept(
        "boat", "vehicle", ("boat", "motorboat", "speedboat", "fishing boat"), ("vehicle", "watercraft", "vessel"),
        ("a boat", "a photo of a boat", "a motorboat", "a boat on the water"), (4.0, 9.0),
        (("white", (235, 235, 232)), ("red", (180, 40, 40)), ("blue", (40, 80, 160)), ("green", (40, 110, 70)),
         ("wooden", (140, 95, 55))),
        ("water",), "boat", "boat_motor", "waves",
        ("puttering", "humming", "splashing"), (("moored", "anchored", "drifting"), ("sailing", "cruising"),
                                                ("speeding", "racing", "skimming")),
        shape_params={"cabin": (0.15, 0.25), "bow": (0.15, 0.25), "hull_h": (0.2, 0.26)},
        sound_params={"f_lo": (18, 28), "f_hi": (45, 90), "putter": (0.4, 0.8), "road": (0.4, 0.8), "hiss": (0.0, 0.0)},
        motion_params={"wave_f": (0.15, 0.4), "roll": (4.0, 14.0)},
        accents=(("white", (235, 235, 232)), ("navy", (30, 40, 80)), ("red", (170, 40, 40))),
        heat={"body": rise(-1, 5), "cabin": rise(0, 6), "glass": rise(-4, -1), "engine": rise(15, 70)},
        depth_ratio=0.35, heat_follows_speed=True),
    Concept(
        "kettle", "appliance", ("kettle", "tea kettle", "electric kettle"), ("appliance", "kitchen appliance"),
        ("a kettle", "a photo of a kettle", "a whistling kettle", "a tea kettle"), (0.22, 0.32), _APPLIANCE_COLOURS,
        ("kitchen",), "kettle", "kettle", "pour",
        ("whistling", "bubbling", "hissing"), (("sitting", "standing", "resting"), ("heating", "boiling"),
                                               ("being poured", "pouring")),
        shape_params={"belly": (0.3, 0.4), "spout": (0.0, 1.0), "dome": (0.0, 1.0)},
        sound_params={"whistle": (1400, 3200)},
        motion_params={"tilt": (35.0, 70.0)},
        look={"handle": (35, 35, 38), "base": (40, 40, 42)},
        heat={"body": rise(0, 78), "spout": rise(0, 80), "lid": rise(0, 70), "handle": rise(0, 18),
              "base": rise(0, 12), "steam": rise(8, 50)},
        temp_words=(("cold", "cool", "unplugged"), ("warm", "heating up"), ("boiling", "steaming", "hot")),
        depth_ratio=0.7),
    Concept(
        "hair dryer", "appliance", ("hair dryer", "blow dryer", "hairdryer"), ("appliance", "household appliance"),
        ("a hair dryer", "a photo of a hair dryer", "the sound of a hair dryer", "a blow dryer"), (0.22, 0.3),
        _APPLIANCE_COLOURS, ("bathroom", "bedroom"), "hair_dryer", "motor_noise", "wave_dry",
        ("whirring", "blowing", "humming"), (("switched off", "lying"), ("running", "blowing"),
                                             ("blasting", "running at full power")),
        shape_params={"barrel": (0.22, 0.28), "handle": (0.38, 0.46), "nozzle": (0.1, 0.16)},
        sound_params={"f0": (260, 560), "band_lo": (500, 900), "band_hi": (4000, 7000), "whine": (0.2, 0.45),
                      "flutter": (0.0, 0.2)},
        motion_params={"wave": (0.5, 1.5), "vib_f": (80, 160)},
        look={"nozzle": (40, 40, 42), "grille": (45, 45, 48)},
        heat={"nozzle": rise(10, 70), "body": rise(3, 25), "handle": rise(0, 8), "grille": rise(0, 6)},
        depth_ratio=0.35, heat_follows_speed=True, twins={"sound": "vacuum cleaner"}),
    Concept(
        "vacuum cleaner", "appliance", ("vacuum cleaner", "vacuum", "hoover"), ("appliance", "household appliance"),
        ("a vacuum cleaner", "a photo of a vacuum cleaner", "the sound of a vacuum cleaner", "a vacuum"),
        (1.0, 1.2), _APPLIANCE_COLOURS, ("living room", "bedroom"), "vacuum", "motor_noise", "push_pull",
        ("whirring", "droning", "humming"), (("standing", "switched off"), ("running", "cleaning"),
                                             ("running at full power", "roaring")),
        shape_params={"body_w": (0.2, 0.26), "head_w": (0.34, 0.42), "bin": (0.0, 1.0)},
        sound_params={"f0": (220, 500), "band_lo": (300, 700), "band_hi": (3000, 6000), "whine": (0.25, 0.5),
                      "flutter": (0.1, 0.3)},
        motion_params={"push": (0.5, 1.1), "vib_f": (50, 110)},
        accents=(("transparent grey", (150, 150, 160)), ("purple", (120, 60, 140)), ("orange", (220, 120, 40))),
        look={"head": (45, 45, 48), "handle": (60, 60, 64)},
        heat={"body": rise(4, 20), "head": rise(0, 4), "handle": rise(0, 3), "bin": rise(0, 6)},
        depth_ratio=0.3, heat_follows_speed=True, twins={"sound": "hair dryer"}),
    Concept(
        "washing machine", "appliance", ("washing machine", "washer", "laundry machine"),
        ("appliance", "household appliance"),
        ("a washing machine", "a photo of a washing machine", "a washing machine spinning", "a washer"),
        (0.85, 0.95), (("white", (236, 236, 234)), ("silver", (185, 188, 192)), ("grey", (150, 152, 156)),
                       ("black", (40, 40, 42))),
        ("laundry", "bathroom"), "washer", "washer", "spin",
        ("spinning", "sloshing", "rumbling"), (("standing", "switched off", "idle"), ("washing", "running"),
                                              ("spinning", "spinning fast")),
        shape_params={"door_r": (0.26, 0.32), "panel": (0.1, 0.14)},
        sound_params={"drum": (0.7, 1.6), "hum": (50, 100)},
        motion_params={"spin": (6.0, 20.0), "vib": (0.5, 3.0)},
        accents=(("blue", (60, 100, 170)), ("red", (180, 50, 50)), ("green", (60, 140, 80)),
                 ("yellow", (220, 190, 60))),
        heat={"body": rise(0, 5), "door": rise(0, 6), "glass": rise(3, 35), "panel": rise(1, 6)},
        depth_ratio=0.7, heat_follows_speed=True),
    Concept(
        "fan", "appliance", ("fan", "electric fan", "desk fan", "pedestal fan"), ("appliance", "household appliance"),
        ("a fan", "a photo of a fan", "an electric fan", "the hum of a fan"), (1.0, 1.3),
        _APPLIANCE_COLOURS, ("living room", "bedroom", "desk"), "fan", "fan", "hold_buzz",
        ("whirring", "humming", "whooshing"), (("switched off", "standing"), ("running", "spinning"),
                                               ("spinning fast", "on full speed")),
        shape_params={"guard_r": (0.26, 0.32), "blades": (3, 5), "pole": (0.45, 0.6)},
        sound_params={"blade": (15, 45), "cut": (600, 1800)},
        motion_params={"buzz": (20, 50), "vib": (0.1, 0.5), "sway": (1.0, 4.0)},
        look={"guard": (190, 192, 196)},
        heat={"motor": rise(4, 25), "body": rise(0, 3), "blade": rise(-1, 1), "guard": rise(-1, 1)},
        depth_ratio=0.3, heat_follows_speed=True),
    Concept(
        "blender", "appliance", ("blender", "food processor", "mixer"), ("appliance", "kitchen appliance"),
        ("a blender", "a photo of a blender", "a blender running", "a food processor"), (0.35, 0.45),
        _APPLIANCE_COLOURS, ("kitchen",), "blender", "blender", "hold_buzz",
        ("whirring", "grinding", "buzzing"), (("switched off", "standing"), ("blending", "running"),
                                              ("blending at full speed", "pulsing")),
        shape_params={"jar_w": (0.3, 0.38), "base_h": (0.22, 0.3)},
        sound_params={"f0": (180, 480), "grind": (0.3, 0.8)},
        motion_params={"buzz": (100, 180), "vib": (0.5, 2.0), "sway": (0.5, 2.0)},
        accents=(("strawberry", (210, 70, 90)), ("green smoothie", (120, 170, 60)), ("orange juice", (240, 150, 40)),
                 ("milk", (240, 238, 230))),
        look={"lid": (35, 35, 38), "jar": (200, 215, 225)},
        heat={"body": rise(3, 28), "jar": rise(-1, 1), "contents": warm(4, 20), "lid": rise(0, 2)},
        depth_ratio=0.5, heat_follows_speed=True),
    Concept(
        "drum", "instrument", ("drum", "snare drum", "tom drum", "drum kit"), ("musical instrument", "instrument"),
        ("a drum", "a photo of a drum", "the sound of a drum", "drumming"), (0.45, 0.7),
        (("red", (180, 40, 40)), ("black", (30, 30, 32)), ("blue", (40, 80, 170)), ("silver", (185, 188, 192)),
         ("natural wood", (190, 150, 100)), ("white", (230, 230, 228))),
        ("stage", "living room"), "drum", "drum", "strike",
        ("booming", "thumping", "rattling"), (("standing", "silent"), ("being played", "drumming"),
                                              ("pounding", "rolling", "beating fast")),
        shape_params={"shell_h": (0.35, 0.5), "legs": (0.0, 1.0)},
        sound_params={"f0": (60, 180), "rate": (1.0, 4.5)},
        motion_params={"rate": (1.0, 4.5), "swing": (30.0, 60.0), "rebound": (0.3, 0.5)},
        look={"skin": (235, 230, 215), "hoop": (195, 198, 202), "stick": (200, 160, 110)},
        heat={"body": rise(0, 2), "skin": rise(0, 3), "hoop": rise(-1, 1), "stick": rise(0, 4)},
        depth_ratio=0.8, twins={"motion": "hammer"}),
    Concept(
        "guitar", "instrument", ("guitar", "acoustic guitar", "six-string guitar"),
        ("musical instrument", "instrument"),
        ("a guitar", "a photo of a guitar", "the sound of a guitar", "strumming a guitar"), (0.95, 1.05),
        _WOOD + (("black", (30, 30, 32)), ("sunburst", (170, 90, 40))),
        ("stage", "living room", "bedroom"), "guitar", "pluck", "strum",
        ("strumming", "twanging", "ringing"), (("resting", "leaning", "standing"), ("being played", "strummed"),
                                               ("strummed fast", "rocking")),
        shape_params={"lower": (0.21, 0.25), "upper": (0.15, 0.18), "lean": (-25.0, 25.0)},
        sound_params={"f_lo": (82, 130), "rate": (0.8, 3.0)},
        motion_params={"rate": (1.5, 4.0), "swing": (15.0, 40.0)},
        look={"neck": (70, 45, 30), "hole": (25, 20, 18), "string": (220, 215, 200)},
        heat={"body": rise(0, 2), "neck": rise(0, 2), "hole": rise(0, 1)}, depth_ratio=0.12),
    Concept(
        "violin", "instrument", ("violin", "fiddle"), ("musical instrument", "instrument", "string instrument"),
        ("a violin", "a photo of a violin", "the sound of a violin", "a fiddle"), (0.58, 0.75),
        (("red-brown", (140, 60, 30)), ("amber", (180, 100, 40)), ("dark brown", (90, 45, 25)),
         ("orange", (190, 95, 35))),
        ("stage", "living room"), "violin", "bowed", "bow",
        ("playing", "singing", "humming"), (("resting", "lying"), ("being played", "bowed"),
                                            ("played fast", "played vigorously")),
        shape_params={"lower": (0.15, 0.17), "upper": (0.12, 0.14), "lean": (-35.0, 35.0), "bow": (0.0, 1.0)},
        sound_params={"f_lo": (196, 330), "f_hi": (500, 1100), "notes": (1.0, 4.0)},
        motion_params={"rate": (0.3, 0.9), "stroke": (0.8, 2.0)},
        look={"neck": (22, 20, 20), "hole": (20, 15, 12), "bow": (150, 100, 60), "string": (220, 215, 200)},
        heat={"body": rise(0, 2), "neck": rise(0, 2)}, depth_ratio=0.12),
    Concept(
        "bell", "instrument", ("bell", "hand bell", "brass bell"), ("musical instrument", "object"),
        ("a bell", "a photo of a bell", "a bell ringing", "a hand bell"), (0.15, 0.3),
        (("brass", (200, 160, 60)), ("bronze", (170, 110, 55)), ("gold", (215, 175, 70)), ("silver", (190, 192, 196))),
        ("desk", "stage", "living room"), "bell", "bell", "swing",
        ("ringing", "chiming", "tolling"), (("standing", "silent"), ("ringing", "chiming"),
                                            ("ringing loudly", "clanging")),
        shape_params={"flare": (0.32, 0.4), "handle": (0.3, 0.42)},
        sound_params={"f0": (450, 1300), "rate": (0.5, 2.0)},
        motion_params={"rate": (0.8, 1.8), "swing": (35.0, 70.0)},
        look={"handle": (110, 70, 40)}, heat={"body": rise(-1, 1), "handle": rise(0, 3)}, depth_ratio=0.9),
    Concept(
        "hammer", "tool", ("hammer", "claw hammer", "mallet"), ("tool", "hand tool"),
        ("a hammer", "a photo of a hammer", "hammering", "a claw hammer"), (0.3, 0.4),
        (("red", (180, 40, 40)), ("black", (30, 30, 32)), ("yellow", (220, 180, 40)), ("wood", (185, 140, 90)),
         ("blue", (40, 80, 170))),
        ("workshop", "desk"), "hammer", "clank", "strike",
        ("banging", "clanging", "knocking"), (("lying", "resting"), ("hammering", "tapping"),
                                              ("pounding", "hammering hard")),
        shape_params={"head_w": (0.35, 0.45), "claw": (0.0, 1.0), "lie": (0.0, 1.0)},
        sound_params={"f0": (1500, 3000), "rate": (1.0, 4.5)},
        motion_params={"rate": (1.0, 4.5), "swing": (30.0, 60.0), "rebound": (0.0, 0.2)},
        look={"head": (150, 152, 158)}, heat={"head": rise(0, 12), "body": rise(0, 3)}, depth_ratio=0.15,
        twins={"motion": "drum"}),
    Concept(
        "saw", "tool", ("saw", "hand saw", "handsaw"), ("tool", "hand tool"),
        ("a saw", "a photo of a saw", "sawing wood", "a hand saw"), (0.5, 0.7),
        (("red", (180, 40, 40)), ("black", (30, 30, 32)), ("yellow", (220, 180, 40)), ("wood", (185, 140, 90)),
         ("orange", (220, 120, 40))),
        ("workshop", "forest"), "saw", "saw", "saw_stroke",
        ("rasping", "scraping", "grating"), (("lying", "resting"), ("sawing", "cutting"),
                                             ("sawing fast", "cutting quickly")),
        shape_params={"blade_h": (0.16, 0.22), "taper": (0.3, 0.6), "lie": (-15.0, 15.0)},
        sound_params={"rate": (1.0, 2.8), "band": (1500, 4000)},
        motion_params={"rate": (1.0, 2.8), "amp": (2.0, 6.0)},
        look={"blade": (190, 195, 200)}, heat={"blade": rise(0, 15), "body": rise(0, 4)}, depth_ratio=0.06),
    Concept(
        "phone", "object", ("phone", "smartphone", "mobile phone", "cellphone"), ("device", "gadget", "object"),
        ("a phone", "a photo of a phone", "a phone ringing", "a smartphone"), (0.14, 0.17),
        (("black", (28, 28, 30)), ("white", (230, 230, 228)), ("silver", (185, 188, 192)), ("blue", (50, 80, 140)),
         ("rose gold", (220, 170, 150))),
        ("desk", "bedroom", "kitchen"), "phone", "ringtone", "handheld",
        ("ringing", "beeping", "buzzing"), (("lying", "resting", "switched off"), ("ringing", "buzzing"),
                                            ("ringing loudly", "buzzing insistently")),
        shape_params={"aspect": (0.46, 0.52), "lean": (-20.0, 20.0)},
        sound_params={"f": (900, 2400), "beep_rate": (8.0, 18.0), "group": (0.8, 1.3), "trill": (1.1, 1.35)},
        motion_params={"tap": (1.0, 3.0), "tremor": (0.02, 0.08)},
        look={"screen": (40, 80, 150), "bezel": (20, 20, 22)},
        heat={"body": rise(3, 12), "screen": rise(4, 15), "bezel": rise(3, 12)}, depth_ratio=0.06,
        twins={"sound": "alarm clock"}),
    Concept(
        "alarm clock", "object", ("alarm clock", "clock", "alarm", "bedside clock"), ("object", "device"),
        ("an alarm clock", "a photo of an alarm clock", "an alarm clock ringing", "a clock"), (0.14, 0.2),
        (("red", (180, 40, 40)), ("black", (30, 30, 32)), ("silver", (190, 192, 196)), ("blue", (50, 90, 160)),
         ("green", (60, 130, 80)), ("yellow", (220, 185, 50))),
        ("bedroom", "desk"), "alarm_clock", "ringtone", "snooze",
        ("ringing", "beeping", "going off"), (("ticking", "silent"), ("ringing", "beeping"),
                                              ("ringing loudly", "blaring")),
        shape_params={"body_r": (0.33, 0.37), "bells": (0.0, 1.0)},
        sound_params={"f": (1600, 3400), "beep_rate": (4.0, 9.0), "group": (0.4, 1.0), "trill": (1.0, 1.08)},
        motion_params={"slaps": (1.0, 3.0)},
        look={"face": (240, 238, 230), "hand": (25, 25, 28), "bell": (195, 198, 202)},
        heat={"body": rise(0, 4), "face": rise(0, 3), "bell": rise(-1, 1)}, depth_ratio=0.45,
        twins={"sound": "phone"}),
    Concept(
        "basketball", "object", ("basketball", "ball", "basket ball"), ("ball", "sports equipment", "object"),
        ("a basketball", "a photo of a basketball", "a bouncing basketball", "a ball"), (0.23, 0.25),
        (("orange", (215, 105, 40)), ("brown-orange", (180, 90, 45)), ("red-orange", (200, 80, 40))),
        ("court", "street", "park"), "basketball", "bounce", "dribble",
        ("bouncing", "thudding", "thumping"), (("lying", "resting"), ("bouncing", "being dribbled"),
                                               ("bouncing fast", "being dribbled fast")),
        shape_params={"seam_rot": (-40.0, 40.0)},
        sound_params={"rate": (1.2, 2.6), "ring": (380, 700)},
        motion_params={"rate": (1.2, 2.6), "amp": (3.0, 8.0)},
        look={"seam": (25, 20, 18)}, heat={"body": rise(0, 6), "seam": rise(0, 6)}, depth_ratio=1.0),
    Concept(
        "campfire", "object", ("campfire", "fire", "bonfire", "camp fire"), ("fire", "flames"),
        ("a campfire", "a photo of a campfire", "a crackling fire", "a bonfire"), (0.6, 1.4),
        (("orange", (250, 150, 40)), ("yellow", (255, 200, 60)), ("red-orange", (240, 100, 30))),
        ("campsite", "forest"), "campfire", "crackle", "poke",
        ("crackling", "popping", "roaring"), (("smouldering", "glowing"), ("burning", "flickering"),
                                              ("blazing", "roaring")),
        shape_params={"flame_h": (0.5, 0.9), "logs": (3, 5)},
        sound_params={"crackle": (5, 40)},
        motion_params={"rate": (0.3, 0.8)},
        look={"log": (85, 55, 35), "stone": (125, 122, 118), "ember": (230, 80, 20)},
        heat={"flame": warm(250, 900), "ember": warm(150, 600), "log": rise(10, 250), "stone": rise(5, 60)},
        temp_words=(("smouldering", "dying", "low"), ("burning", "warm"), ("blazing", "roaring", "hot")),
        depth_ratio=0.8),
)

CONCEPT_BY_NAME: dict[str, Concept] = {c.name: c for c in CONCEPTS}

PROMPT_TEMPLATES: tuple[str, ...] = (
    "a {}", "a photo of a {}", "a picture of a {}", "the sound of a {}", "a depth map of a {}",
    "a thermal image of a {}", "someone handling a {}",
)


def get_concept(name: str) -> Concept:
    """The concept called ``name``; a clear error lists the known names otherwise."""
    try:
        return CONCEPT_BY_NAME[name]
    except KeyError:
        raise ValueError(f"unknown concept {name!r}; known concepts: {', '.join(CONCEPT_BY_NAME)}") from None
