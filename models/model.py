"""The six-modality ImageBind model: per modality, preprocessor -> trunk -> head -> postprocessor.

Module and parameter names reproduce the layout of ImageBind's checkpoints (`rgbt_stem`,
`pos_embedding_helper`, head indices, ...) so that `imagebind_huge.pth` loads as a strict state dict.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Mapping

import torch
import torch.nn.functional as F
from torch import nn

from .config import MODALITIES, ModelConfig, get_config
from .errors import InputError
from .transformer import Transformer

IMU_CHANNELS = 6
IMU_HEAD_DROPOUT = 0.5


class RepeatFrames(nn.Module):
    """Turns images (B, C, H, W) into clips of `frames` identical frames (B, C, T, H, W)."""

    def __init__(self, frames: int) -> None:
        super().__init__()
        self.frames = frames

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.ndim == 4:
            x = x.unsqueeze(2).expand(-1, -1, self.frames, -1, -1)
        return x


class PatchEmbed(nn.Module):
    """`proj` (a convolution or a linear map) -> tokens (B, N, D) -> optional LayerNorm.

    Returns the tokens and the patch grid they came from (the convolution's output size).
    """

    def __init__(self, proj: nn.Module, norm_layer: nn.Module | None = None) -> None:
        super().__init__()
        self.proj = proj
        self.norm_layer = norm_layer

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, tuple[int, ...]]:
        x = self.proj(x)
        if x.ndim > 3:
            grid = tuple(x.shape[2:])
            x = x.flatten(2).transpose(1, 2)
        else:
            grid = (x.shape[1],)
        if self.norm_layer is not None:
            x = self.norm_layer(x)
        return x, grid


class PositionalEmbedding(nn.Module):
    """Learned positional embedding of one prefix token plus a 2D patch grid.

    Another grid size (an image of another square size) interpolates the patch part bicubically.
    """

    def __init__(self, grid: tuple[int, int], dim: int) -> None:
        super().__init__()
        self.grid = grid
        self.pos_embed = nn.Parameter(torch.empty(1, 1 + grid[0] * grid[1], dim))
        nn.init.trunc_normal_(self.pos_embed, std=0.02)

    def forward(self, grid: tuple[int, ...]) -> torch.Tensor:
        grid = grid[-2:]
        if grid == self.grid:
            return self.pos_embed
        prefix, patches = self.pos_embed[:, :1], self.pos_embed[:, 1:]
        dim = patches.shape[-1]
        patches = patches.reshape(1, *self.grid, dim).permute(0, 3, 1, 2)
        patches = F.interpolate(patches, size=grid, mode="bicubic", align_corners=False)
        return torch.cat([prefix, patches.permute(0, 2, 3, 1).reshape(1, -1, dim)], dim=1)


class PatchTokenizer(nn.Module):
    """Image-like input -> patch tokens, with a cls token prepended and positions added.

    `stem_name` is the stem's attribute name in the checkpoint (`rgbt_stem` or `depth_stem`).
    """

    def __init__(self, stem: PatchEmbed, grid: tuple[int, int], dim: int, *, stem_name: str) -> None:
        super().__init__()
        self.cls_token = nn.Parameter(torch.empty(1, 1, dim))
        nn.init.trunc_normal_(self.cls_token, std=0.02)
        self.stem_name = stem_name
        self.add_module(stem_name, stem)
        self.pos_embedding_helper = PositionalEmbedding(grid, dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        tokens, grid = getattr(self, self.stem_name)(x)
        cls = self.cls_token.expand(tokens.shape[0], -1, -1)
        return torch.cat([cls, tokens], dim=1) + self.pos_embedding_helper(grid)


class ImuTokenizer(nn.Module):
    """(B, 6, T) -> windows of `kernel_size` samples (feature index channel * kernel + t) -> tokens."""

    def __init__(self, kernel_size: int, num_samples: int, dim: int, eps: float) -> None:
        super().__init__()
        self.kernel_size = kernel_size
        self.pos_embed = nn.Parameter(torch.empty(1, 1 + num_samples // kernel_size, dim))
        self.cls_token = nn.Parameter(torch.empty(1, 1, dim))
        self.imu_stem = PatchEmbed(
            nn.Linear(IMU_CHANNELS * kernel_size, dim, bias=False), nn.LayerNorm(dim, eps=eps)
        )
        nn.init.trunc_normal_(self.pos_embed, std=0.02)
        nn.init.trunc_normal_(self.cls_token, std=0.02)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        windows = x.unfold(-1, self.kernel_size, self.kernel_size)  # (B, 6, N, k)
        windows = windows.permute(0, 2, 1, 3).flatten(2)  # (B, N, 6k)
        tokens, _ = self.imu_stem(windows)
        cls = self.cls_token.expand(tokens.shape[0], -1, -1)
        return torch.cat([cls, tokens], dim=1) + self.pos_embed


class TextTokenizer(nn.Module):
    """Token ids (B, L) -> embeddings, the end-token index of each row, and the causal mask.

    The end token (49407) has the highest id, so each row is pooled at its argmax. Because attention
    is causal, tokens after the last end token in the batch cannot change the pooled outputs: the
    sequence is cut there, which makes short texts much cheaper without changing the result.
    """

    def __init__(self, vocab_size: int, context_length: int, dim: int) -> None:
        super().__init__()
        self.pos_embed = nn.Parameter(torch.empty(1, context_length, dim))
        self.register_buffer("mask", causal_mask(context_length))
        # Passing the weight skips nn.Embedding's normal_ init, which (like triu) has no native
        # meta-device kernel and would cost seconds of imports when building on "meta".
        self.token_embedding = nn.Embedding(vocab_size, dim, _weight=torch.empty(vocab_size, dim))
        nn.init.trunc_normal_(self.pos_embed, std=0.01)
        nn.init.trunc_normal_(self.token_embedding.weight, std=0.02)

    def forward(self, text: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        end_index = text.argmax(dim=-1)
        length = int(end_index.max()) + 1
        x = self.token_embedding(text[:, :length]) + self.pos_embed[:, :length]
        return x, end_index, self.mask[:length, :length]


def causal_mask(length: int) -> torch.Tensor:
    """(length, length) additive mask, -inf above the diagonal, on the current default device.

    Computed on the CPU and moved: `triu` on the meta device would import torch's Python
    reference kernels (seconds) just to build a placeholder.
    """
    mask = torch.full((length, length), float("-inf"), device="cpu").triu(1)
    return mask.to(torch.get_default_device())


class SelectToken(nn.Module):
    def __init__(self, index: int) -> None:
        super().__init__()
        self.index = index

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x[:, self.index]


class TextHead(nn.Module):
    """Select each row's end token, then LayerNorm -> Linear (checkpoint keys `proj.0`, `proj.1`)."""

    def __init__(self, dim: int, out_dim: int, eps: float) -> None:
        super().__init__()
        self.proj = nn.Sequential(nn.LayerNorm(dim, eps=eps), nn.Linear(dim, out_dim, bias=False))

    def forward(self, x: torch.Tensor, index: torch.Tensor) -> torch.Tensor:
        return self.proj(x[torch.arange(x.shape[0], device=x.device), index])


class Normalize(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.normalize(x, dim=-1)


class LogitScale(nn.Module):
    """Multiplies by exp(log_logit_scale), clipped at `max_scale`; a parameter if `learnable`."""

    def __init__(self, scale: float, *, learnable: bool, max_scale: float) -> None:
        super().__init__()
        self.max_scale = max_scale
        value = torch.tensor(math.log(scale))
        if learnable:
            self.log_logit_scale = nn.Parameter(value)
        else:
            self.register_buffer("log_logit_scale", value)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * self.log_logit_scale.exp().clamp(max=self.max_scale)


def _preprocessor(config: ModelConfig, modality: str) -> nn.Module:
    c, dim = config, config.encoder_size(modality, "embed_dim")
    if modality == "vision":
        kernel = c.kernel_size
        conv = nn.Conv3d(3, dim, kernel_size=kernel, stride=kernel, bias=False)
        stem = PatchEmbed(nn.Sequential(RepeatFrames(c.video_frames), conv))
        return PatchTokenizer(stem, (c.image_size // kernel[1],) * 2, dim, stem_name="rgbt_stem")
    if modality == "text":
        return TextTokenizer(c.vocab_size, c.context_length, dim)
    if modality == "imu":
        return ImuTokenizer(c.imu_kernel_size, c.imu_num_samples, dim, c.stem_layer_norm_eps)
    norm = nn.LayerNorm(dim, eps=c.stem_layer_norm_eps)
    if modality == "audio":
        k, s = c.audio_kernel_size, c.audio_stride
        grid = ((c.audio_num_mel_bins - k) // s + 1, (c.audio_target_len - k) // s + 1)
        stem = PatchEmbed(nn.Conv2d(1, dim, kernel_size=k, stride=s, bias=False), norm)
        return PatchTokenizer(stem, grid, dim, stem_name="rgbt_stem")
    k, size = c.encoder_size(modality, "kernel_size"), c.encoder_size(modality, "image_size")
    stem = PatchEmbed(nn.Conv2d(1, dim, kernel_size=k, stride=k, bias=False), norm)
    stem_name = "depth_stem" if modality == "depth" else "rgbt_stem"
    return PatchTokenizer(stem, (size // k,) * 2, dim, stem_name=stem_name)


def _trunk(config: ModelConfig, modality: str) -> Transformer:
    return Transformer(
        config.encoder_size(modality, "embed_dim"),
        config.encoder_size(modality, "num_blocks"),
        config.encoder_size(modality, "num_heads"),
        add_bias_kv=modality not in ("vision", "text"),
        drop_path=getattr(config, f"{modality}_drop_path", 0.0),
        pre_norm=modality == "vision",
        eps=config.layer_norm_eps,
        activation=config.vision_text_activation if modality in ("vision", "text") else "gelu",
        mlp_dim=getattr(config, f"{modality}_mlp_dim", None),
    )


def _head(config: ModelConfig, modality: str) -> nn.Module:
    """LayerNorm -> cls token -> [Dropout for IMU] -> Linear, indexed as in the checkpoint."""
    dim, out, eps = config.encoder_size(modality, "embed_dim"), config.out_embed_dim, config.layer_norm_eps
    if modality == "text":
        return TextHead(dim, out, eps)
    layers = [nn.LayerNorm(dim, eps=eps), SelectToken(0)]
    if modality == "imu":
        layers.append(nn.Dropout(IMU_HEAD_DROPOUT))
    layers.append(nn.Linear(dim, out, bias=False))
    return nn.Sequential(*layers)


def _postprocessor(config: ModelConfig, modality: str) -> nn.Module:
    if modality == "vision":
        return Normalize()
    if modality == "text":
        scale = LogitScale(config.text_logit_scale_init, learnable=True, max_scale=config.max_logit_scale)
    else:
        scale = LogitScale(config.encoder_size(modality, "logit_scale"), learnable=False,
                           max_scale=config.max_logit_scale)
    return nn.Sequential(Normalize(), scale)


def _init_linear(module: nn.Module) -> None:
    if isinstance(module, nn.Linear):
        nn.init.trunc_normal_(module.weight, std=0.02)
        if module.bias is not None:
            nn.init.zeros_(module.bias)


def modality_of(name: str) -> str | None:
    """The modality a parameter, buffer or module name belongs to (`modality_trunks.vision.blocks.0` ->
    `vision`, and in a towers model `towers.audio.encoder...` -> `audio`); None for a name outside the
    per-modality containers."""
    parts = name.split(".", 2)
    return parts[1] if len(parts) > 1 and (parts[0].startswith("modality_") or parts[0] == "towers") else None


class ImageBindModel(nn.Module):
    """Encoders for some or all of `MODALITIES`, mapping each into one shared embedding space.

    `model(inputs)` takes `{modality: batch}` and returns `{modality: (B, out_embed_dim)}`: the
    reference's raw outputs, L2-normalized then multiplied by the modality's scale (vision 1,
    text learned, audio 20, depth 5, thermal 10, IMU 5). A clip stack (video `(B, S, 3, T, H, W)`,
    audio `(B, S, 1, mel, frames)`) is embedded clip by clip and averaged over `S` after scaling.
    """

    def __init__(self, config: ModelConfig | str, modalities: tuple[str, ...] | list[str] | None = None) -> None:
        super().__init__()
        config = get_config(config)
        if modalities is None:
            modalities = config.modalities
        missing = [m for m in modalities if m not in config.modalities]
        if missing:
            raise ValueError(
                f"modalities {missing} are not in this config (it has {list(config.modalities)})"
            )
        self.modalities = tuple(m for m in MODALITIES if m in modalities)
        self.config = dataclasses.replace(config, modalities=self.modalities)
        self.modality_preprocessors = nn.ModuleDict({m: _preprocessor(self.config, m) for m in self.modalities})
        self.modality_trunks = nn.ModuleDict({m: _trunk(self.config, m) for m in self.modalities})
        self.modality_heads = nn.ModuleDict({m: _head(self.config, m) for m in self.modalities})
        self.modality_postprocessors = nn.ModuleDict({m: _postprocessor(self.config, m) for m in self.modalities})
        for container in (self.modality_trunks, self.modality_heads):
            container.apply(_init_linear)

    def forward(self, inputs: Mapping[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        """Embed each `{modality: batch}` item; see the class docstring for the output form."""
        return {modality: self.encode(modality, value) for modality, value in inputs.items()}

    def encode(self, modality: str, x: torch.Tensor) -> torch.Tensor:
        """Embed one modality's batch: (B, out_embed_dim), scaled as the reference returns it."""
        if modality not in self.modalities:
            raise InputError(
                f"this model has no {modality!r} encoder; it encodes {list(self.modalities)} "
                "(images and videos go through 'vision')"
            )
        if not isinstance(x, torch.Tensor):
            raise InputError(f"{modality} input must be a tensor, got {type(x).__name__}")
        clips = self._check_input(modality, x)
        if clips is not None:
            x = x.flatten(0, 1)
        preprocessor = self.modality_preprocessors[modality]
        trunk = self.modality_trunks[modality]
        head = self.modality_heads[modality]
        if modality == "text":
            tokens, end_index, mask = preprocessor(x)
            out = head(trunk(tokens, mask), end_index)
        else:
            x = x.to(next(preprocessor.parameters()).dtype)
            out = head(trunk(preprocessor(x)))
        out = self.modality_postprocessors[modality](out)
        if clips is not None:
            out = out.unflatten(0, (-1, clips)).mean(dim=1)
        return out

    def _check_input(self, modality: str, x: torch.Tensor) -> int | None:
        """Raise `InputError` unless `x` has a shape this encoder accepts; return the clip count of a stack."""
        c = self.config
        shape = tuple(x.shape)
        if x.ndim == 0 or shape[0] == 0:
            raise InputError(f"{modality} input must be a non-empty batch, got shape {shape}")
        if modality == "text":
            if x.ndim != 2 or shape[1] != c.context_length:
                raise InputError(f"text input must have shape (B, {c.context_length}), got {shape}")
            if x.dtype.is_floating_point or x.dtype.is_complex or x.dtype == torch.bool:
                raise InputError(f"text input must hold integer token ids, got dtype {x.dtype}")
            low, high = int(x.min()), int(x.max())
            if low < 0 or high >= c.vocab_size:
                raise InputError(f"text token ids must lie in [0, {c.vocab_size}), got [{low}, {high}]")
            return None
        if not x.dtype.is_floating_point:
            raise InputError(f"{modality} input must be a floating-point tensor, got dtype {x.dtype}")
        if modality == "vision":
            frames, patch = c.video_frames, c.kernel_size[1]
            if x.ndim == 4:
                clips, image = None, shape[1:]
            elif x.ndim == 6 and shape[3] == frames and shape[1] > 0:
                clips, image = shape[1], (shape[2],) + shape[4:]
            else:
                clips, image = None, None
            if image is None or image[0] != 3 or image[1] != image[2] or image[1] % patch or image[1] == 0:
                raise InputError(
                    f"vision input must be images (B, 3, H, W) or clip stacks (B, S, 3, {frames}, H, W) "
                    f"with square H = W a multiple of {patch}, got {shape}"
                )
            return clips
        if modality == "audio":
            clip = (1, c.audio_num_mel_bins, c.audio_target_len)
            if x.ndim == 4 and shape[1:] == clip:
                return None
            if x.ndim == 5 and shape[2:] == clip and shape[1] > 0:
                return shape[1]
            raise InputError(f"audio input must have shape (B, {', '.join(map(str, clip))}) or (B, S, ...) "
                             f"for a stack of S clips, got {shape}")
        if modality in ("depth", "thermal"):
            patch = c.encoder_size(modality, "kernel_size")
            if x.ndim != 4 or shape[1] != 1 or shape[2] != shape[3] or shape[2] % patch or shape[2] == 0:
                size = c.encoder_size(modality, "image_size")
                raise InputError(
                    f"{modality} input must have shape (B, 1, H, W) with square H = W a multiple of {patch} "
                    f"(normally {size}), got {shape}"
                )
            return None
        if x.ndim != 3 or shape[1:] != (IMU_CHANNELS, c.imu_num_samples):
            raise InputError(f"imu input must have shape (B, {IMU_CHANNELS}, {c.imu_num_samples}), got {shape}")
        return None


