"""The optimised inference model an `Encoder` runs: same function, faster modules, weights converted once.

`build_inference_model` deep-copies the module tree, sharing every tensor it does not change, and:

- converts the matrix-multiply weights of reduced-precision modalities (linear layers, packed
  attention projections, patch stems) to that precision once, instead of at every call;
- folds the vision stem for images (`FoldedImageStem`: one Conv2d instead of a two-frame Conv3d);
- on CPUs with oneDNN, in float32 and bf16, replaces each transformer block's MLP and attention
  with modules on oneDNN's prepacked weights (`PackedLinear`), with GELU fused into the first MLP layer and the
  attention scale folded into the query projection. Attention itself runs through the fused
  `scaled_dot_product_attention` kernel, except in bf16 on CPUs without AMX, where that kernel is
  no faster than float32 and batched matmuls around a softmax (`chunked_attention`) are 1.5x
  faster (docs/performance.md).

LayerNorms, embeddings and the residual stream stay float32, so reduced precision only touches
the matrix multiplies.
"""

from __future__ import annotations

import copy
import math
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from bindspace.models.model import ImageBindModel, RepeatFrames, modality_of
from bindspace.models.transformer import Attention, Mlp, quick_gelu, split_heads

# Modules whose own parameters feed matrix multiplies; their weights are converted for reduced precision.
MATMUL_MODULES = (nn.Linear, nn.Conv2d, nn.Conv3d, Attention)

ATTENTION_CHUNK_BYTES = 1024 * 1024
"""Largest attention-score block `chunked_attention` materializes: about one core's L2 cache."""


def build_inference_model(
    model: ImageBindModel, precisions: dict[str, torch.dtype], device: torch.device, *, pack: bool = True
) -> ImageBindModel:
    """A copy of `model` for inference in `precisions` on `device` (see the module docstring).

    `pack=False` keeps the blocks as they are (`torch.compile` packs weights its own way).
    """
    reduced = {m: d for m, d in precisions.items() if d != torch.float32}
    packed = {m for m, d in precisions.items() if pack and device.type == "cpu" and packable(d)}
    memo: dict[int, Any] = {}
    for name, module in model.named_modules():
        modality = modality_of(name)
        dtype = reduced.get(modality)
        # Packed blocks are rebuilt from the original weights below, so their copies need no conversion.
        convert = dtype is not None and isinstance(module, MATMUL_MODULES) \
            and not (modality in packed and _in_block(name))
        for parameter in module.parameters(recurse=False):
            memo[id(parameter)] = (
                nn.Parameter(parameter.detach().to(dtype), requires_grad=False) if convert else parameter
            )
        for buffer in module.buffers(recurse=False):
            memo[id(buffer)] = buffer
    inference = copy.deepcopy(model, memo)
    _fold_image_stem(inference, model)
    for modality in packed:
        _pack_trunk(inference.modality_trunks[modality], model.modality_trunks[modality], precisions[modality])
    return inference.eval()


def packed_matmuls_available() -> bool:
    """Whether this torch has oneDNN's prepacked linear kernels (a CPU build with mkldnn)."""
    ops = torch.ops.mkldnn
    return torch.backends.mkldnn.is_available() and all(
        hasattr(ops, name) for name in ("_linear_pointwise", "_reorder_linear_weight"))


def packable(dtype: torch.dtype) -> bool:
    """Whether oneDNN's prepacked linear kernels run `dtype` here (float32, or bf16 where supported)."""
    if not packed_matmuls_available():
        return False
    if dtype == torch.float32:
        return True
    return dtype == torch.bfloat16 and torch.ops.mkldnn._is_mkldnn_bf16_supported()


def cpu_has_amx() -> bool:
    probe = getattr(torch.cpu, "_is_amx_tile_supported", None)
    return bool(probe()) if callable(probe) else False


class FoldedImageStem(nn.Module):
    """The vision stem (an image repeated over T frames, then a T-frame Conv3d) as one Conv2d.

    Every frame of a repeated image is the same, so the Conv3d equals a Conv2d whose kernel is the
    sum of the T temporal slices: T times fewer multiplies for images. Video clips (B, C, T, H, W)
    still go through the Conv3d.
    """

    def __init__(self, conv: nn.Conv3d, weight: torch.Tensor) -> None:
        super().__init__()
        self.conv = conv
        folded = weight.detach().to(torch.float32).sum(dim=2).to(conv.weight.dtype)
        self.register_buffer("folded_weight", folded, persistent=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.ndim == 4:
            return F.conv2d(x, self.folded_weight, stride=self.conv.stride[1:])
        return self.conv(x)


class PackedLinear(nn.Module):
    """`x @ weight.T + bias` (then exact GELU if `gelu`) on a oneDNN-prepacked weight in `dtype`.

    The input is cast to `dtype`; the output is in `dtype`. The result equals `F.linear` bit for
    bit (GELU is applied before rounding to `dtype`, so it is slightly more accurate).
    """

    def __init__(self, weight: torch.Tensor, bias: torch.Tensor | None, dtype: torch.dtype, *,
                 gelu: bool = False) -> None:
        super().__init__()
        self.dtype = dtype
        self.out_features, self.in_features = weight.shape
        self.gelu = gelu
        packed = torch.ops.mkldnn._reorder_linear_weight(weight.detach().to(dtype).contiguous())
        self.register_buffer("weight", packed, persistent=False)
        self.register_buffer("bias", None if bias is None else bias.detach().to(dtype), persistent=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x.to(self.dtype).contiguous()
        if self.gelu:
            return torch.ops.mkldnn._linear_pointwise(x, self.weight, self.bias, "gelu", [], "none")
        return torch.ops.mkldnn._linear_pointwise(x, self.weight, self.bias, "none", [], "")

    def extra_repr(self) -> str:
        return f"in_features={self.in_features}, out_features={self.out_features}, dtype={self.dtype}, gelu={self.gelu}"


class PackedMlp(nn.Module):
    """`Mlp` with packed weights; exact GELU is fused into fc1, QuickGELU runs between the layers."""

    def __init__(self, mlp: Mlp, dtype: torch.dtype) -> None:
        super().__init__()
        self.quick_gelu = mlp.activation == "quick_gelu"
        self.fc1 = PackedLinear(mlp.fc1.weight, mlp.fc1.bias, dtype, gelu=not self.quick_gelu)
        self.fc2 = PackedLinear(mlp.fc2.weight, mlp.fc2.bias, dtype)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        hidden = self.fc1(x)
        return self.fc2(quick_gelu(hidden) if self.quick_gelu else hidden)


class PackedAttention(nn.Module):
    """`Attention` with packed projections and the 1/sqrt(head_dim) scale folded into the query's.

    Computes what `models.transformer.Attention` computes (learned bias key/value and additive
    masks included) in `dtype`; `unfused` selects `chunked_attention` over the fused kernel.
    """

    def __init__(self, attention: Attention, dtype: torch.dtype, *, unfused: bool) -> None:
        super().__init__()
        self.num_heads = attention.num_heads
        dim = attention.in_proj_weight.shape[1]
        scale = torch.ones(3 * dim, 1, dtype=torch.float32)
        scale[:dim] = (dim // self.num_heads) ** -0.5
        weight = attention.in_proj_weight.detach().float() * scale
        bias = attention.in_proj_bias.detach().float() * scale[:, 0]
        self.in_proj = PackedLinear(weight, bias, dtype)
        self.out_proj = PackedLinear(attention.out_proj.weight, attention.out_proj.bias, dtype)
        bias_kv = [None if b is None else b.detach().to(dtype) for b in (attention.bias_k, attention.bias_v)]
        self.register_buffer("bias_k", bias_kv[0], persistent=False)
        self.register_buffer("bias_v", bias_kv[1], persistent=False)
        self.unfused = unfused

    def forward(self, x: torch.Tensor, attn_mask: torch.Tensor | None = None) -> torch.Tensor:
        batch, length, dim = x.shape
        q, k, v, attn_mask = split_heads(self.in_proj(x), self.bias_k, self.bias_v, attn_mask, self.num_heads)
        if self.unfused:
            out = chunked_attention(q, k, v, attn_mask)
        else:
            out = F.scaled_dot_product_attention(q, k, v, attn_mask=attn_mask, scale=1.0)
        return self.out_proj(out.transpose(1, 2).reshape(batch, length, dim))


def chunked_attention(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, mask: torch.Tensor | None
                      ) -> torch.Tensor:
    """softmax(q k^T + mask) v for pre-scaled q, a few batch items at a time (scores stay in cache)."""
    batch, heads, length, _ = q.shape
    per_item = heads * length * k.shape[2] * q.element_size()
    chunks = max(1, math.ceil(batch / max(1, ATTENTION_CHUNK_BYTES // per_item)))
    step = max(1, math.ceil(batch / chunks))
    parts = []
    for start in range(0, batch, step):
        scores = torch.matmul(q[start:start + step], k[start:start + step].transpose(-1, -2))
        if mask is not None:
            scores = scores + mask
        parts.append(torch.matmul(torch.softmax(scores, dim=-1), v[start:start + step]))
    return parts[0] if len(parts) == 1 else torch.cat(parts)


def _pack_trunk(trunk: nn.Module, original: nn.Module, dtype: torch.dtype) -> None:
    """Swap every block's attention and MLP of an inference model's trunk for packed modules.

    Weights come from `original` (the caller's float32 model), so each is rounded to `dtype` once.
    """
    unfused = dtype == torch.bfloat16 and not cpu_has_amx()
    for block, source in zip(trunk.blocks, original.blocks):
        block.attn = PackedAttention(source.attn, dtype, unfused=unfused)
        block.mlp = PackedMlp(source.mlp, dtype)


def _fold_image_stem(inference: ImageBindModel, original: ImageBindModel) -> None:
    """Swap the vision stem of an inference model for a `FoldedImageStem` (summing `original`'s weights)."""
    if "vision" not in inference.modalities:
        return
    stem = inference.modality_preprocessors["vision"].rgbt_stem
    repeat, conv = stem.proj[0], stem.proj[1]
    if isinstance(repeat, RepeatFrames) and isinstance(conv, nn.Conv3d) and conv.bias is None \
            and conv.kernel_size[0] == conv.stride[0] == repeat.frames and conv.padding == (0, 0, 0):
        weight = original.modality_preprocessors["vision"].rgbt_stem.proj[1].weight
        stem.proj = nn.Sequential(FoldedImageStem(conv, weight))


def _in_block(module_name: str) -> bool:
    """Whether a module belongs to a transformer block (`modality_trunks.<m>.blocks.<i>...`)."""
    parts = module_name.split(".")
    return len(parts) > 3 and parts[0] == "modality_trunks" and parts[2] == "blocks"
