"""Patch dropout (as in FLIP): while training, an encoder sees a random subset of its patch tokens.

Dropping most of an image's tokens cuts the cost of a training step several times and regularizes
a small encoder trained from scratch on few images. The class token is always kept and positions
are added before dropping, so the encoder runs unchanged, on all tokens, at inference.

For images the dropped patches are not even embedded: an image repeated over the vision stem's two
frames is the same as one 2D convolution with the two temporal kernel slices summed, so the kept
patches are cut out and projected directly.
"""

import torch
import torch.nn.functional as F
from torch import nn


def encode_with_patch_dropout(model: nn.Module, modality: str, x: torch.Tensor, drop: float) -> torch.Tensor:
    """`model.encode(modality, x)` keeping a random `1 - drop` of each item's patch tokens (torch's
    global generator draws them). Not for text, whose pooling position depends on every token."""
    if modality == "text":
        raise ValueError("patch dropout does not apply to text")
    if not 0.0 <= drop < 1.0:
        raise ValueError(f"patch dropout must lie in [0, 1), got {drop}")
    stack = _clip_count(modality, x)
    if stack is not None:
        x = x.flatten(0, 1)
    x = x.to(model.modality_heads[modality][-1].weight.dtype)
    if modality == "vision" and x.ndim == 4:
        tokens = _kept_image_tokens(model, x, drop)
    else:
        tokens = _keep(model.modality_preprocessors[modality](x), drop)
    out = model.modality_postprocessors[modality](model.modality_heads[modality](model.modality_trunks[modality](tokens)))
    if stack is not None:
        out = out.unflatten(0, (-1, stack)).mean(dim=1)
    return out


def _kept_patches(batch: int, patches: int, drop: float, device: torch.device) -> torch.Tensor:
    """Sorted indices (B, K) of the patches each item keeps."""
    keep = max(1, round(patches * (1.0 - drop)))
    return torch.rand(batch, patches, device=device).argsort(dim=1)[:, :keep].sort(dim=1).values


def _keep(tokens: torch.Tensor, drop: float) -> torch.Tensor:
    """Class token plus a random subset of the patch tokens of (B, 1 + N, D) tokens."""
    kept = _kept_patches(tokens.shape[0], tokens.shape[1] - 1, drop, tokens.device) + 1
    index = torch.cat([torch.zeros_like(kept[:, :1]), kept], dim=1)
    return tokens.gather(1, index[..., None].expand(-1, -1, tokens.shape[-1]))


def _kept_image_tokens(model: nn.Module, images: torch.Tensor, drop: float) -> torch.Tensor:
    """The vision preprocessor's tokens for the kept patches only, computed without the others."""
    tokenizer = model.modality_preprocessors["vision"]
    conv = tokenizer.rgbt_stem.proj[-1]
    kernel = conv.kernel_size[1:]
    weight = conv.weight.sum(dim=2).flatten(1)  # (D, 3 * kh * kw): both frames see the same image
    batch, channels = images.shape[:2]
    grid = (images.shape[-2] // kernel[0], images.shape[-1] // kernel[1])
    positions = tokenizer.pos_embedding_helper(grid)  # (1, 1 + N, D)
    kept = _kept_patches(batch, grid[0] * grid[1], drop, images.device)
    blocks = images[..., : grid[0] * kernel[0], : grid[1] * kernel[1]].reshape(
        batch, channels, grid[0], kernel[0], grid[1], kernel[1])
    rows = torch.arange(batch, device=images.device)[:, None]
    # advanced indices on the two grid axes: (B, K, C, kh, kw), copying the kept patches only
    chosen = blocks[rows, :, kept // grid[1], :, kept % grid[1], :].flatten(2)
    tokens = chosen @ weight.T + positions[0, 1:][kept]
    cls = (tokenizer.cls_token + positions[:, :1]).expand(images.shape[0], -1, -1)
    return torch.cat([cls, tokens], dim=1)


def _clip_count(modality: str, x: torch.Tensor) -> int | None:
    if (modality == "vision" and x.ndim == 6) or (modality == "audio" and x.ndim == 5):
        return x.shape[1]
    return None
