"""A BERT encoder (Devlin et al., 2019) used as a sentence encoder: mean of the token states, L2-normalised.

This is the sentence-transformers recipe of all-MiniLM-L6-v2 (6 layers, 384 wide, 12 heads, mean
pooling over the non-padding tokens, then unit length). Module names follow the Hugging Face BERT
layout of the published `model.safetensors` (`embeddings.word_embeddings`, `encoder.layer.N.attention.self.query`,
...), so the weights load strictly. Padding is token id 0 (`[PAD]`), which no real token uses: the
attention mask is read from the ids, and a batch runs in groups of texts of similar length, each cut to
its longest text.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, Mapping

import torch
import torch.nn.functional as F
from torch import nn

PAD_ID = 0
LENGTH_GROUP = 16
"""Texts embedded together at most; a larger batch runs in groups of this many texts of similar length."""

# Keys of the published checkpoint that sentence embeddings do not use: BERT's pooler (a tanh layer on
# the [CLS] state, for next-sentence prediction) and the position-id buffer of older transformers.
UNUSED_CHECKPOINT_KEYS = ("pooler.dense.weight", "pooler.dense.bias", "embeddings.position_ids")


@dataclass(frozen=True)
class BertConfig:
    """Hyper-parameters, named as in a Hugging Face BERT `config.json`; defaults are all-MiniLM-L6-v2's."""

    vocab_size: int = 30522
    hidden_size: int = 384
    num_hidden_layers: int = 6
    num_attention_heads: int = 12
    intermediate_size: int = 1536
    max_position_embeddings: int = 512
    type_vocab_size: int = 2
    layer_norm_eps: float = 1e-12

    def __post_init__(self) -> None:
        for field in dataclasses.fields(self):
            value = getattr(self, field.name)
            if field.type == "int" and (not isinstance(value, int) or isinstance(value, bool) or value < 1):
                raise ValueError(f"{field.name} must be a positive integer, got {value!r}")
        if self.hidden_size % self.num_attention_heads:
            raise ValueError(f"hidden_size {self.hidden_size} is not divisible by "
                             f"num_attention_heads {self.num_attention_heads}")
        if not self.layer_norm_eps > 0:
            raise ValueError(f"layer_norm_eps must be positive, got {self.layer_norm_eps!r}")

    @classmethod
    def from_dict(cls, values: Mapping[str, Any]) -> "BertConfig":
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise ValueError(f"unknown BERT config keys {unknown}; known keys are {sorted(known)}")
        return cls(**values)


class Embeddings(nn.Module):
    def __init__(self, c: BertConfig) -> None:
        super().__init__()
        self.word_embeddings = nn.Embedding(c.vocab_size, c.hidden_size)
        self.position_embeddings = nn.Embedding(c.max_position_embeddings, c.hidden_size)
        self.token_type_embeddings = nn.Embedding(c.type_vocab_size, c.hidden_size)
        self.LayerNorm = nn.LayerNorm(c.hidden_size, eps=c.layer_norm_eps)

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        # One segment: every token has type 0.
        x = self.word_embeddings(ids) + self.position_embeddings.weight[: ids.shape[1]] \
            + self.token_type_embeddings.weight[0]
        return self.LayerNorm(x)


class SelfAttention(nn.Module):
    def __init__(self, c: BertConfig) -> None:
        super().__init__()
        self.heads = c.num_attention_heads
        self.query = nn.Linear(c.hidden_size, c.hidden_size)
        self.key = nn.Linear(c.hidden_size, c.hidden_size)
        self.value = nn.Linear(c.hidden_size, c.hidden_size)

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        batch, length, width = x.shape
        q, k, v = (proj(x).view(batch, length, self.heads, -1).transpose(1, 2)
                   for proj in (self.query, self.key, self.value))
        out = F.scaled_dot_product_attention(q, k, v, attn_mask=mask)
        return out.transpose(1, 2).reshape(batch, length, width)


class DenseNorm(nn.Module):
    """Linear -> + residual -> LayerNorm (BERT's post-norm sublayer output)."""

    def __init__(self, width_in: int, c: BertConfig) -> None:
        super().__init__()
        self.dense = nn.Linear(width_in, c.hidden_size)
        self.LayerNorm = nn.LayerNorm(c.hidden_size, eps=c.layer_norm_eps)

    def forward(self, x: torch.Tensor, residual: torch.Tensor) -> torch.Tensor:
        return self.LayerNorm(self.dense(x) + residual)


class Attention(nn.Module):
    def __init__(self, c: BertConfig) -> None:
        super().__init__()
        self.self = SelfAttention(c)
        self.output = DenseNorm(c.hidden_size, c)

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        return self.output(self.self(x, mask), x)


class Intermediate(nn.Module):
    def __init__(self, c: BertConfig) -> None:
        super().__init__()
        self.dense = nn.Linear(c.hidden_size, c.intermediate_size)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.gelu(self.dense(x))


class Layer(nn.Module):
    def __init__(self, c: BertConfig) -> None:
        super().__init__()
        self.attention = Attention(c)
        self.intermediate = Intermediate(c)
        self.output = DenseNorm(c.intermediate_size, c)

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        x = self.attention(x, mask)
        return self.output(self.intermediate(x), x)


class Encoder(nn.Module):
    def __init__(self, c: BertConfig) -> None:
        super().__init__()
        self.layer = nn.ModuleList(Layer(c) for _ in range(c.num_hidden_layers))


class BertSentenceEncoder(nn.Module):
    """Token ids (B, L), zero-padded, -> unit-length sentence embeddings (B, hidden_size)."""

    def __init__(self, config: BertConfig | None = None) -> None:
        super().__init__()
        self.config = config or BertConfig()
        self.embeddings = Embeddings(self.config)
        self.encoder = Encoder(self.config)

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        if len(ids) <= LENGTH_GROUP:
            return self._encode(ids)
        # Texts of one batch differ in length and each runs padded to the batch's longest: in groups of
        # similar length (sorted), far fewer padding positions are computed.
        order = (ids != PAD_ID).sum(dim=1).argsort()
        out = torch.empty(len(ids), self.config.hidden_size, dtype=self.embeddings.word_embeddings.weight.dtype,
                          device=ids.device)
        for group in order.split(LENGTH_GROUP):
            out[group] = self._encode(ids[group])
        return out

    def _encode(self, ids: torch.Tensor) -> torch.Tensor:
        keep = ids != PAD_ID
        length = max(1, int(keep.sum(dim=1).max()))
        ids, keep = ids[:, :length], keep[:, :length]
        x = self.embeddings(ids)
        mask = keep[:, None, None, :]  # (B, 1, 1, L): every query attends to the real tokens
        for layer in self.encoder.layer:
            x = layer(x, mask)
        weights = keep.unsqueeze(-1).to(x.dtype)
        pooled = (x * weights).sum(dim=1) / weights.sum(dim=1).clamp(min=1e-9)
        return F.normalize(pooled, dim=-1)
