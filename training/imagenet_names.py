"""The 1000 ImageNet-1k class names, in the classifiers' logit order (torchvision's list)."""

from __future__ import annotations


def imagenet_class_names() -> list[str]:
    from torchvision.models._meta import _IMAGENET_CATEGORIES

    return list(_IMAGENET_CATEGORIES)
