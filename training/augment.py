"""Augmentation of preprocessed image-like tensors `(C, H, W)`: random resized crop and flip.

It runs after the (cached) preprocessing, on the normalized tensor, with a generator seeded per
(run seed, epoch, item) so that any worker process draws the same crop for the same item.
"""

import math

import torch
import torch.nn.functional as F

AUGMENTABLE_KINDS = ("image", "depth", "thermal")


def random_resized_crop_flip(
    tensor: torch.Tensor,
    generator: torch.Generator,
    scale: tuple[float, float] = (0.5, 1.0),
    ratio: tuple[float, float] = (3 / 4, 4 / 3),
) -> torch.Tensor:
    """A crop covering `scale` of the area with aspect in `ratio`, resized back to the input size
    (bilinear), mirrored left-right with probability 1/2."""
    if tensor.ndim != 3:
        raise ValueError(f"expected a (C, H, W) tensor, got shape {tuple(tensor.shape)}")
    _, height, width = tensor.shape
    draws = torch.rand(5, generator=generator, dtype=torch.float64).tolist()
    area = height * width * (scale[0] + (scale[1] - scale[0]) * draws[0])
    aspect = math.exp(math.log(ratio[0]) + (math.log(ratio[1]) - math.log(ratio[0])) * draws[1])
    crop_w = min(width, max(1, round(math.sqrt(area * aspect))))
    crop_h = min(height, max(1, round(math.sqrt(area / aspect))))
    top = int(draws[2] * (height - crop_h + 1))
    left = int(draws[3] * (width - crop_w + 1))
    crop = tensor[None, :, top : top + crop_h, left : left + crop_w].float()
    out = F.interpolate(crop, size=(height, width), mode="bilinear", align_corners=False)[0]
    return out.flip(-1) if draws[4] < 0.5 else out
