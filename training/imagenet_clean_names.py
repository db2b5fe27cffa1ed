"""ImageNet class names made plain for a sentence encoder: ambiguous names spelled out, each class given the
everyday word for its kind (a "golden retriever" is a dog), and worn things placed on a person.

torchvision's names are WordNet lemmas: many are rare words a sentence encoder places far from how people
describe a photo ("Blenheim spaniel", "tusker", "maillot"), some are ambiguous ("plane" is a carpenter's
tool, "crane" a machine, "pirate" a ship), and none says that a suit or a jersey is seen on a person.
The tables below are written from the ImageNet-1k class list alone (its classes are ordered by WordNet id,
so each kind of animal is one or a few contiguous index ranges).
"""

from __future__ import annotations

from bindspace.training.imagenet_names import imagenet_class_names

RENAMED: dict[int, str] = {
    97: "drake duck", 101: "tusker elephant", 264: "Cardigan corgi", 263: "Pembroke corgi", 260: "chow chow",
    339: "sorrel horse", 383: "ring-tailed lemur", 380: "titi monkey", 87: "African grey parrot",
    332: "Angora rabbit", 474: "cardigan sweater", 517: "construction crane", 553: "filing cabinet",
    456: "archery bow", 458: "brass memorial plaque", 606: "clothes iron", 608: "jeans", 638: "swimsuit",
    639: "tank suit swimsuit", 673: "computer mouse", 714: "guitar pick", 724: "pirate ship", 726: "carpenter's plane",
    758: "fishing reel", 769: "ruler", 782: "computer screen", 800: "slot machine", 840: "mop", 847: "army tank",
    881: "upright piano", 908: "airplane wing", 916: "website", 989: "rose hip", 998: "ear of corn",
    836: "sunglasses", 680: "baby bottle nipple", 844: "light switch", 981: "baseball player", 982: "bridegroom",
}
"""Names that are ambiguous or rare, spelled as people say them."""

KINDS: dict[str, tuple[tuple[int, int], ...]] = {
    "fish": ((0, 6), (389, 397)),
    "bird": ((7, 24), (80, 100), (127, 146)),
    "salamander": ((25, 29),),
    "frog": ((30, 32),),
    "turtle": ((33, 37),),
    "lizard": ((38, 48),),
    "crocodile": ((49, 50),),
    "snake": ((52, 68),),
    "spider": ((72, 77),),
    "crab": ((118, 121), (125, 125)),
    "lobster": ((122, 124),),
    "whale": ((147, 148),),
    "dog": ((151, 268),),
    "wolf": ((269, 271),),
    "wild dog": ((272, 275),),
    "fox": ((277, 280),),
    "cat": ((281, 285),),
    "big cat": ((286, 293),),
    "bear": ((294, 297),),
    "beetle": ((300, 307),),
    "insect": ((308, 320),),
    "butterfly": ((321, 326),),
    "rabbit": ((330, 332),),
    "rodent": ((333, 338),),
    "horse": ((339, 339),),
    "pig": ((341, 343),),
    "cattle": ((345, 347),),
    "sheep": ((348, 348),),
    "wild goat": ((349, 350),),
    "antelope": ((351, 353),),
    "ape": ((365, 369),),
    "monkey": ((370, 382),),
    "lemur": ((383, 384),),
    "elephant": ((385, 386),),
    "car": ((407, 407), (436, 436), (468, 468), (511, 511), (609, 609), (627, 627), (656, 656), (661, 661),
            (717, 717), (734, 734), (751, 751), (817, 817)),
    "truck": ((555, 555), (569, 569), (675, 675), (864, 864), (867, 867)),
    "bus": ((654, 654), (779, 779), (874, 874)),
    "train": ((466, 466), (547, 547), (565, 565), (705, 705), (820, 820), (829, 829)),
    "airplane": ((404, 404), (895, 895), (908, 908)),
    "ship": ((403, 403), (510, 510), (554, 554), (628, 628), (724, 724), (780, 780)),
    "boat": ((472, 472), (484, 484), (576, 576), (625, 625), (814, 814), (871, 871), (914, 914)),
    "bicycle": ((444, 444), (671, 671), (870, 870), (880, 880)),
    "motorcycle": ((665, 665), (670, 670)),
    "food": ((924, 967), (969, 969)),
}
"""The everyday word for each kind of class, with the inclusive index ranges of its classes."""

WORN: frozenset[int] = frozenset({
    400, 411, 433, 439, 443, 445, 451, 452, 457, 459, 465, 474, 490, 501, 502, 514, 515, 518, 524, 552, 560,
    568, 570, 578, 601, 608, 610, 614, 615, 617, 630, 638, 639, 643, 652, 655, 658, 667, 678, 679, 689, 691,
    697, 715, 735, 770, 774, 775, 793, 796, 806, 808, 824, 834, 836, 837, 841, 842, 869, 887, 903, 906,
})
"""Clothing and other things worn: in a photo they are almost always on a person."""


NAME_STYLES = ("torchvision", "renamed", "kind", "synonyms")


def _kind_of() -> dict[int, str]:
    return {index: kind for kind, ranges in KINDS.items() for first, last in ranges for index in range(first, last + 1)}


def clean_imagenet_names(style: str = "kind") -> list[list[str]]:
    """The 1000 classes' names, one list per class (its synonyms), in the classifiers' logit order.

    `style`: "torchvision" keeps torchvision's names; "renamed" only spells out the ambiguous names; "kind" writes "<name>, a kind of <kind>" and
    "a person wearing a <name>" (one name per class); "synonyms" lists the kind word and the person
    phrase as extra synonyms beside the plain name.
    """
    if style not in NAME_STYLES:
        raise ValueError(f"unknown class-name style {style!r}; choose one of {', '.join(NAME_STYLES)}")
    kinds = _kind_of()
    names = []
    for index, torchvision_name in enumerate(imagenet_class_names()):
        name = RENAMED.get(index, torchvision_name)
        extra = ([kinds[index]] if index in kinds else []) + ([f"person wearing a {name}"] if index in WORN else [])
        if style == "torchvision":
            names.append([torchvision_name])
        elif style == "renamed":
            names.append([name])
        elif style == "synonyms":
            names.append([name, *extra])
        elif index in WORN:
            names.append([f"person wearing a {name}"])
        elif index in kinds:
            names.append([f"{name}, a kind of {kinds[index]}"])
        else:
            names.append([name])
    return names
