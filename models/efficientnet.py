"""EfficientNet-Lite (Tan and Le, 2019; the "Lite" variants): an ImageNet classifier used as an image tower.

Lite differs from EfficientNet-B0..: ReLU6 instead of swish, no squeeze-and-excitation, and the stem
(32 channels), the head (1280 channels) and the first and last stages' repeats are not scaled.
Convolutions pad as TensorFlow's "SAME" does (asymmetric for stride 2), which the released weights
were trained with. Module names follow the `efficientnet_pytorch` layout of the published state dicts
(`_conv_stem`, `_blocks.N._depthwise_conv`, ..., `_fc`), so they load strictly, key for key.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any, Mapping

import torch
import torch.nn.functional as F
from torch import nn

# One row per stage: (repeats, kernel, stride, expand ratio, input channels, output channels) of lite0.
BASE_STAGES: tuple[tuple[int, int, int, int, int, int], ...] = (
    (1, 3, 1, 1, 32, 16),
    (2, 3, 2, 6, 16, 24),
    (2, 5, 2, 6, 24, 40),
    (3, 3, 2, 6, 40, 80),
    (3, 5, 1, 6, 80, 112),
    (4, 5, 2, 6, 112, 192),
    (1, 3, 1, 6, 192, 320),
)

# (width multiplier, depth multiplier, native image size) of each published variant.
VARIANTS: dict[str, tuple[float, float, int]] = {
    "lite0": (1.0, 1.0, 224),
    "lite1": (1.0, 1.1, 240),
    "lite2": (1.1, 1.2, 260),
    "lite3": (1.2, 1.4, 280),
    "lite4": (1.4, 1.8, 300),
}

STEM_CHANNELS = 32
HEAD_CHANNELS = 1280
CHANNEL_DIVISOR = 8
BATCH_NORM_EPS = 1e-3


@dataclass(frozen=True)
class EfficientNetLiteConfig:
    variant: str = "lite0"
    num_classes: int = 1000

    def __post_init__(self) -> None:
        if self.variant not in VARIANTS:
            raise ValueError(f"unknown EfficientNet-Lite variant {self.variant!r}; choose one of {sorted(VARIANTS)}")
        if not isinstance(self.num_classes, int) or self.num_classes < 1:
            raise ValueError(f"num_classes must be a positive integer, got {self.num_classes!r}")

    @classmethod
    def from_dict(cls, values: Mapping[str, Any]) -> "EfficientNetLiteConfig":
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise ValueError(f"unknown EfficientNet-Lite config keys {unknown}; known keys are {sorted(known)}")
        return cls(**values)

    @property
    def image_size(self) -> int:
        return VARIANTS[self.variant][2]

    def stages(self) -> list[tuple[int, int, int, int, int, int]]:
        """The stage table scaled by the variant's width and depth multipliers."""
        width, depth, _ = VARIANTS[self.variant]
        scaled = []
        for index, (repeats, kernel, stride, expand, channels_in, channels_out) in enumerate(BASE_STAGES):
            fixed = index in (0, len(BASE_STAGES) - 1)
            scaled.append((
                repeats if fixed else math.ceil(depth * repeats),
                kernel, stride, expand,
                STEM_CHANNELS if index == 0 else scaled_channels(channels_in, width),
                scaled_channels(channels_out, width),
            ))
        return scaled


def scaled_channels(channels: int, width: float) -> int:
    """Channels times `width`, rounded to a multiple of 8 and never more than 10% below the product."""
    target = channels * width
    rounded = max(CHANNEL_DIVISOR, int(target + CHANNEL_DIVISOR / 2) // CHANNEL_DIVISOR * CHANNEL_DIVISOR)
    if rounded < 0.9 * target:
        rounded += CHANNEL_DIVISOR
    return rounded


class SamePadConv2d(nn.Conv2d):
    """A bias-free convolution padded as TensorFlow's "SAME": output size ceil(input / stride)."""

    def __init__(self, channels_in: int, channels_out: int, kernel: int, stride: int = 1, groups: int = 1) -> None:
        # Stride 1 with an odd kernel pads symmetrically, which the convolution does itself (faster).
        symmetric = kernel // 2 if stride == 1 else 0
        super().__init__(channels_in, channels_out, kernel, stride, padding=symmetric, groups=groups, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.stride[0] > 1:
            pad_h = same_padding(x.shape[-2], self.kernel_size[0], self.stride[0])
            pad_w = same_padding(x.shape[-1], self.kernel_size[1], self.stride[1])
            x = F.pad(x, (pad_w // 2, pad_w - pad_w // 2, pad_h // 2, pad_h - pad_h // 2))
        return super().forward(x)


def same_padding(size: int, kernel: int, stride: int) -> int:
    return max((math.ceil(size / stride) - 1) * stride + kernel - size, 0)


def batch_norm(channels: int) -> nn.BatchNorm2d:
    return nn.BatchNorm2d(channels, eps=BATCH_NORM_EPS)


class MobileInvertedBottleneck(nn.Module):
    """[1x1 expand -> BN -> ReLU6] -> depthwise kxk -> BN -> ReLU6 -> 1x1 project -> BN (+ input)."""

    def __init__(self, kernel: int, stride: int, expand: int, channels_in: int, channels_out: int) -> None:
        super().__init__()
        hidden = channels_in * expand
        if expand != 1:
            self._expand_conv = SamePadConv2d(channels_in, hidden, 1)
            self._bn0 = batch_norm(hidden)
        self._depthwise_conv = SamePadConv2d(hidden, hidden, kernel, stride, groups=hidden)
        self._bn1 = batch_norm(hidden)
        self._project_conv = SamePadConv2d(hidden, channels_out, 1)
        self._bn2 = batch_norm(channels_out)
        self.expands = expand != 1
        self.residual = stride == 1 and channels_in == channels_out

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = F.relu6(self._bn0(self._expand_conv(x))) if self.expands else x
        out = F.relu6(self._bn1(self._depthwise_conv(out)))
        out = self._bn2(self._project_conv(out))
        return out + x if self.residual else out


class EfficientNetLite(nn.Module):
    """Images (B, 3, H, W), normalised with mean = std = 0.5, -> pooled features or ImageNet logits."""

    def __init__(self, config: EfficientNetLiteConfig | None = None) -> None:
        super().__init__()
        self.config = config or EfficientNetLiteConfig()
        self._conv_stem = SamePadConv2d(3, STEM_CHANNELS, 3, stride=2)
        self._bn0 = batch_norm(STEM_CHANNELS)
        blocks = []
        for repeats, kernel, stride, expand, channels_in, channels_out in self.config.stages():
            blocks.append(MobileInvertedBottleneck(kernel, stride, expand, channels_in, channels_out))
            blocks.extend(MobileInvertedBottleneck(kernel, 1, expand, channels_out, channels_out)
                          for _ in range(repeats - 1))
        self._blocks = nn.ModuleList(blocks)
        last_channels = self.config.stages()[-1][-1]
        self._conv_head = SamePadConv2d(last_channels, HEAD_CHANNELS, 1)
        self._bn1 = batch_norm(HEAD_CHANNELS)
        self._fc = nn.Linear(HEAD_CHANNELS, self.config.num_classes)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """Globally average-pooled features (B, 1280)."""
        x = F.relu6(self._bn0(self._conv_stem(x)))
        for block in self._blocks:
            x = block(x)
        x = F.relu6(self._bn1(self._conv_head(x)))
        return x.mean(dim=(2, 3))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Class logits (B, num_classes)."""
        return self._fc(self.features(x))
