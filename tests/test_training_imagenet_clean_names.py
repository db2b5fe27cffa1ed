"""The plain ImageNet class names the ConSE bridge embeds: one entry per class, in logit order."""

from __future__ import annotations

import pytest

from bindspace.training.imagenet_clean_names import KINDS, RENAMED, WORN, clean_imagenet_names
from bindspace.training.imagenet_names import imagenet_class_names


def test_every_kind_range_lies_inside_the_class_list_and_no_class_has_two_kinds() -> None:
    indices = [i for ranges in KINDS.values() for first, last in ranges for i in range(first, last + 1)]
    assert all(0 <= first <= last < 1000 for ranges in KINDS.values() for first, last in ranges)
    assert len(indices) == len(set(indices))
    assert not set(indices) & WORN


def test_renamed_entries_change_a_name() -> None:
    torchvision = imagenet_class_names()
    assert all(0 <= i < 1000 and torchvision[i] != name for i, name in RENAMED.items())


@pytest.mark.parametrize("style", ["renamed", "kind", "synonyms"])
def test_each_style_names_all_1000_classes_in_logit_order(style: str) -> None:
    names = clean_imagenet_names(style)
    torchvision = imagenet_class_names()
    assert len(names) == 1000 and all(names[i] for i in range(1000))
    assert names[0][0].startswith(torchvision[0])  # tench
    assert names[726][0].startswith("carpenter's plane")  # torchvision: "plane", not an aircraft


def test_the_torchvision_style_is_torchvisions_list() -> None:
    assert clean_imagenet_names("torchvision") == [[name] for name in imagenet_class_names()]


def test_the_kind_style_places_breeds_under_their_kind_and_clothing_on_a_person() -> None:
    names = clean_imagenet_names("kind")
    assert names[207] == ["golden retriever, a kind of dog"]
    assert names[281] == ["tabby, a kind of cat"]
    assert names[834] == ["person wearing a suit"]
    assert names[398] == ["abacus"]


def test_the_synonyms_style_keeps_the_plain_name_first() -> None:
    names = clean_imagenet_names("synonyms")
    assert names[207] == ["golden retriever", "dog"]
    assert names[834] == ["suit", "person wearing a suit"]


def test_an_unknown_style_is_refused_naming_the_choices() -> None:
    with pytest.raises(ValueError, match="torchvision, renamed, kind, synonyms"):
        clean_imagenet_names("fancy")
