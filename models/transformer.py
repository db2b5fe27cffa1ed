"""Pre-LayerNorm transformer trunk shared by every encoder.

Parameter names follow ImageBind's checkpoint layout (`blocks.N.attn.in_proj_weight`, `norm_1`,
`mlp.fc1`, ...), so an official checkpoint loads without renaming. Attention runs batch-first
through `scaled_dot_product_attention`.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from .config import ACTIVATIONS


class Attention(nn.Module):
    """Multi-head self-attention with a packed input projection.

    With `add_bias_kv`, one learned key and one learned value (`bias_k`, `bias_v`, shape (1, 1, D))
    are appended after the sequence in every batch item, as ImageBind's audio, depth, thermal and
    IMU encoders do.
    """

    def __init__(self, dim: int, num_heads: int, *, add_bias_kv: bool = False) -> None:
        super().__init__()
        self.num_heads = num_heads
        self.in_proj_weight = nn.Parameter(torch.empty(3 * dim, dim))
        self.in_proj_bias = nn.Parameter(torch.empty(3 * dim))
        if add_bias_kv:
            self.bias_k = nn.Parameter(torch.empty(1, 1, dim))
            self.bias_v = nn.Parameter(torch.empty(1, 1, dim))
        else:
            self.bias_k = self.bias_v = None
        self.out_proj = nn.Linear(dim, dim)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        nn.init.xavier_uniform_(self.in_proj_weight)
        nn.init.zeros_(self.in_proj_bias)
        if self.bias_k is not None:
            nn.init.trunc_normal_(self.bias_k, std=0.02)
            nn.init.trunc_normal_(self.bias_v, std=0.02)

    def forward(self, x: torch.Tensor, attn_mask: torch.Tensor | None = None) -> torch.Tensor:
        batch, length, dim = x.shape
        qkv = F.linear(x, self.in_proj_weight, self.in_proj_bias)
        q, k, v, attn_mask = split_heads(qkv, self.bias_k, self.bias_v, attn_mask, self.num_heads)
        out = F.scaled_dot_product_attention(q, k, v, attn_mask=attn_mask)
        return self.out_proj(out.transpose(1, 2).reshape(batch, length, dim))


def split_heads(
    qkv: torch.Tensor, bias_k: torch.Tensor | None, bias_v: torch.Tensor | None, attn_mask: torch.Tensor | None,
    num_heads: int,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor | None]:
    """Packed (B, L, 3D) projections -> per-head q, k, v of shape (B, H, L, D/H), with the learned
    key/value bias appended as one more position (the mask padded to match) and the mask in q's type."""
    batch, length, dim = qkv.shape[0], qkv.shape[1], qkv.shape[2] // 3
    q, k, v = qkv.chunk(3, dim=-1)
    if bias_k is not None:
        k = torch.cat([k, bias_k.to(k.dtype).expand(batch, 1, dim)], dim=1)
        v = torch.cat([v, bias_v.to(v.dtype).expand(batch, 1, dim)], dim=1)
        if attn_mask is not None:
            attn_mask = F.pad(attn_mask, (0, 1))
    head_dim = dim // num_heads
    q = q.view(batch, length, num_heads, head_dim).transpose(1, 2)
    k = k.view(batch, k.shape[1], num_heads, head_dim).transpose(1, 2)
    v = v.view(batch, v.shape[1], num_heads, head_dim).transpose(1, 2)
    if attn_mask is not None:
        attn_mask = attn_mask.to(q.dtype)
    return q, k, v, attn_mask


def quick_gelu(x: torch.Tensor) -> torch.Tensor:
    """x * sigmoid(1.702 x): the GELU approximation OpenAI's CLIP was trained with."""
    return x * torch.sigmoid(1.702 * x)


class Mlp(nn.Module):
    """fc1 -> activation (exact GELU, or QuickGELU for OpenAI-style CLIP towers) -> fc2."""

    def __init__(self, dim: int, hidden_dim: int, activation: str = "gelu") -> None:
        super().__init__()
        if activation not in ACTIVATIONS:
            raise ValueError(f"unknown activation {activation!r}; known: {ACTIVATIONS}")
        self.activation = activation
        self.fc1 = nn.Linear(dim, hidden_dim)
        self.fc2 = nn.Linear(hidden_dim, dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        hidden = self.fc1(x)
        return self.fc2(F.gelu(hidden) if self.activation == "gelu" else quick_gelu(hidden))


class DropPath(nn.Module):
    """Stochastic depth: drops a whole residual branch per sample, only while training."""

    def __init__(self, rate: float) -> None:
        super().__init__()
        self.rate = rate

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.training or self.rate == 0.0:
            return x
        keep = 1.0 - self.rate
        mask = x.new_empty((x.shape[0],) + (1,) * (x.ndim - 1)).bernoulli_(keep)
        return x * mask / keep

    def extra_repr(self) -> str:
        return f"rate={self.rate}"


class Block(nn.Module):
    """`x + attn(norm_1(x))`, then `x + mlp(norm_2(x))`."""

    def __init__(
        self, dim: int, num_heads: int, *, add_bias_kv: bool, drop_path: float, eps: float,
        activation: str = "gelu",
        mlp_dim: int | None = None,
    ) -> None:
        super().__init__()
        self.attn = Attention(dim, num_heads, add_bias_kv=add_bias_kv)
        self.norm_1 = nn.LayerNorm(dim, eps=eps)
        self.mlp = Mlp(dim, mlp_dim or 4 * dim, activation)
        self.norm_2 = nn.LayerNorm(dim, eps=eps)
        self.drop_path = DropPath(drop_path)

    def forward(self, x: torch.Tensor, attn_mask: torch.Tensor | None = None) -> torch.Tensor:
        x = x + self.drop_path(self.attn(self.norm_1(x), attn_mask))
        return x + self.drop_path(self.mlp(self.norm_2(x)))


class Transformer(nn.Module):
    """A stack of pre-LN blocks with drop-path rates rising linearly from 0 to `drop_path`.

    `pre_norm` adds the LayerNorm that vision applies before the first block; it lives at
    `pre_transformer_layer.0` because that is where the checkpoint keeps it.
    """

    def __init__(
        self,
        dim: int,
        num_blocks: int,
        num_heads: int,
        *,
        add_bias_kv: bool = False,
        drop_path: float = 0.0,
        pre_norm: bool = False,
        eps: float = 1e-6,
        activation: str = "gelu",
        mlp_dim: int | None = None,
    ) -> None:
        super().__init__()
        self.pre_transformer_layer = (
            nn.Sequential(nn.LayerNorm(dim, eps=eps)) if pre_norm else nn.Identity()
        )
        rates = torch.linspace(0, drop_path, num_blocks, device="cpu").tolist()
        self.blocks = nn.ModuleList(
            Block(dim, num_heads, add_bias_kv=add_bias_kv, drop_path=rate, eps=eps, activation=activation,
                  mlp_dim=mlp_dim)
            for rate in rates
        )

    def forward(self, x: torch.Tensor, attn_mask: torch.Tensor | None = None) -> torch.Tensor:
        x = self.pre_transformer_layer(x)
        for block in self.blocks:
            x = block(x, attn_mask)
        return x
