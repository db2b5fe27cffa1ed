"""Vision and text encoders taken from an OpenCLIP ViT CLIP model.

ImageBind's vision and text encoders are OpenCLIP's ViT towers under other names, so the weights
map one to one: `conv1` becomes a two-frame Conv3d with half the kernel in each frame (an image
repeated over both frames then gives exactly the 2D convolution), `ln_pre` becomes
`pre_transformer_layer.0`, `ln_post`/`proj` and `ln_final`/`text_projection` become the heads, and
`logit_scale` becomes the text scale. QuickGELU towers (OpenAI's CLIP, `*-quickgelu`) keep their
activation (`ModelConfig.vision_text_activation`), and the trained input resolution, positional
grid and image normalization carry over into the config. Only towers whose computation this mapping
reproduces are accepted; anything else (layer scale, attentional pooling, custom attention blocks,
timm or Hugging Face towers, ...) raises `UnsupportedOpenClipModel` instead of giving other numbers
(docs/openclip.md lists every architecture).
"""

from __future__ import annotations

import logging
import math
import os
from pathlib import Path

import torch
from torch import nn

from .checkpoint import CheckpointError, assign_state_dict
from .config import ModelConfig
from .factory import build_model
from .model import ImageBindModel, causal_mask
from .preprocess.image import CLIP_MEAN, CLIP_STD
from .preprocess.text import CONTEXT_LENGTH

CLIP_VOCAB_SIZE = 49408


class UnsupportedOpenClipModel(ValueError):
    """An OpenCLIP model whose computation the ImageBind layout cannot reproduce exactly."""


def from_open_clip(
    model_or_arch: nn.Module | str,
    *,
    pretrained: str | os.PathLike | None = None,
    device: str | torch.device = "cpu",
) -> ImageBindModel:
    """An `ImageBindModel` with `vision` and `text` encoders equal to an OpenCLIP ViT CLIP.

    Pass an OpenCLIP model object, or an architecture name (e.g. "ViT-H-14") with `pretrained`
    the path of a local checkpoint file (`None` gives open_clip's random initialization). Other
    modalities can be added later by training; their sizes keep `ModelConfig`'s defaults.
    """
    if isinstance(model_or_arch, str):
        if pretrained is not None and not Path(pretrained).is_file():
            raise FileNotFoundError(f"OpenCLIP checkpoint {pretrained} is not a local file")
        try:
            clip = create_open_clip(model_or_arch, None if pretrained is None else str(pretrained))
        except UnsupportedOpenClipModel:
            raise
        except Exception as error:
            raise CheckpointError(f"cannot load {pretrained} as OpenCLIP {model_or_arch}: {error}") from error
        copy = False
    else:
        if pretrained is not None:
            raise ValueError("pretrained applies to an architecture name, not to a model object")
        clip = model_or_arch
        copy = True
    config = config_from_open_clip(clip)
    model = build_model(config, device="meta")
    assign_state_dict(model, state_dict_from_open_clip(clip, copy=copy), source="OpenCLIP model")
    return model.to(device).eval()


def create_open_clip(
    architecture: str,
    pretrained: str | None,
    *,
    cache_dir: str | None = None,
    device: str | torch.device = "cpu",
) -> nn.Module:
    """open_clip's model for a built-in `architecture` with `pretrained` weights (a local file or a tag).

    Towers built from timm or Hugging Face configs are refused before anything is built: building
    them looks their configs up on the Hugging Face hub, and they do not convert anyway. With a local
    file nothing touches the network; a tag downloads through open_clip into `cache_dir`.
    """
    import open_clip

    model_cfg = open_clip.get_model_config(architecture)
    if model_cfg is None:
        raise UnsupportedOpenClipModel(
            f"{architecture!r} is not one of open_clip's built-in architectures (open_clip.list_models())"
        )
    vision_cfg, text_cfg = model_cfg.get("vision_cfg", {}), model_cfg.get("text_cfg", {})
    if "timm_model_name" in vision_cfg:
        raise UnsupportedOpenClipModel(
            f"{architecture} has a timm vision tower ({vision_cfg['timm_model_name']}); only open_clip's "
            "VisionTransformer maps onto ImageBind"
        )
    if "hf_model_name" in text_cfg:
        raise UnsupportedOpenClipModel(
            f"{architecture} has a Hugging Face text tower ({text_cfg['hf_model_name']}); only open_clip's "
            "built-in text transformer maps onto ImageBind"
        )
    if torch.device(device).type != "meta":
        # Checked on the meta device first, so that nothing is downloaded or read in vain.
        reason = unsupported_reason(architecture)
        if reason is not None:
            raise UnsupportedOpenClipModel(reason)
    # Tags trained with QuickGELU on an architecture named without it (ViT-B-16 `openai`, `dfn2b`, ...)
    # get the activation they were trained with; open_clip itself would only warn.
    tag_cfg = open_clip.get_pretrained_cfg(architecture, pretrained) if pretrained else {}
    return open_clip.create_model(
        architecture, pretrained=pretrained, pretrained_image=False, pretrained_text=False, cache_dir=cache_dir,
        device=device, force_quick_gelu=bool(tag_cfg.get("quick_gelu", False)),
    ).eval()


def unsupported_reason(architecture: str) -> str | None:
    """Why open_clip's `architecture` does not convert, or None when it does.

    The model is built on the meta device: no memory for weights, no download.
    """
    root = logging.getLogger()
    root.addFilter(_hide_random_init_notice)  # the meta model is random by design: do not say so
    try:
        with torch.device("meta"):
            config_from_open_clip(create_open_clip(architecture, None, device="meta"))
    except UnsupportedOpenClipModel as error:
        return str(error)
    finally:
        root.removeFilter(_hide_random_init_notice)
    return None


def _hide_random_init_notice(record: logging.LogRecord) -> bool:
    return not record.getMessage().startswith("No pretrained weights loaded")


def config_from_open_clip(clip: nn.Module) -> ModelConfig:
    """The `ModelConfig` (modalities vision and text) of a supported OpenCLIP ViT CLIP model."""
    from open_clip.model import CLIP
    from open_clip.transformer import VisionTransformer

    if not isinstance(clip, CLIP):
        raise UnsupportedOpenClipModel(
            f"expected an open_clip CLIP model with built-in towers, got {type(clip).__name__} "
            "(CoCa, CustomTextCLIP and Hugging Face text towers are not supported)"
        )
    visual = clip.visual
    if type(visual) is not VisionTransformer:
        raise UnsupportedOpenClipModel(
            f"the vision tower is a {type(visual).__name__}; only open_clip's VisionTransformer maps onto ImageBind"
        )
    if visual.attn_pool is not None:
        raise UnsupportedOpenClipModel("attentional pooling in the vision tower is not supported")
    if visual.pool_type != "tok":
        raise UnsupportedOpenClipModel(f"vision pool type {visual.pool_type!r} is not supported (only 'tok')")
    if not isinstance(visual.ln_pre, nn.LayerNorm):
        raise UnsupportedOpenClipModel("vision towers without ln_pre are not supported")
    if visual.proj is None:
        raise UnsupportedOpenClipModel("the vision tower has no output projection")
    height, width = visual.image_size
    patch_h, patch_w = visual.patch_size
    if height != width or patch_h != patch_w:
        raise UnsupportedOpenClipModel(f"non-square image size {visual.image_size} or patch {visual.patch_size}")
    if visual.conv1.bias is not None or visual.conv1.in_channels != 3:
        raise UnsupportedOpenClipModel("the patch convolution must take 3 channels and have no bias")
    if clip.text_pool_type != "argmax":
        raise UnsupportedOpenClipModel(f"text pool type {clip.text_pool_type!r} is not supported (only 'argmax')")
    context_length, text_width = clip.positional_embedding.shape
    if context_length != CONTEXT_LENGTH or clip.token_embedding.num_embeddings != CLIP_VOCAB_SIZE:
        raise UnsupportedOpenClipModel(
            f"the text tower takes {context_length} tokens from a vocabulary of "
            f"{clip.token_embedding.num_embeddings}; bindspace tokenizes with CLIP's BPE "
            f"({CLIP_VOCAB_SIZE} tokens, context {CONTEXT_LENGTH})"
        )
    mask = clip.attn_mask
    if mask is None or (not mask.is_meta and not torch.equal(mask.cpu().float(), causal_mask(context_length))):
        raise UnsupportedOpenClipModel("the text tower must use a causal attention mask")
    projection = clip.text_projection
    if isinstance(projection, nn.Linear) and projection.bias is not None:
        raise UnsupportedOpenClipModel("a text projection with a bias is not supported")
    if projection is None:
        raise UnsupportedOpenClipModel("the text tower has no output projection")
    text_out = projection.out_features if isinstance(projection, nn.Linear) else projection.shape[1]
    if text_out != visual.output_dim:
        raise UnsupportedOpenClipModel(f"text output {text_out} differs from image output {visual.output_dim}")

    mean, std = _check_preprocessing(visual)
    vision_width = visual.conv1.out_channels
    vision_heads, vision_activation, vision_mlp = _check_blocks("vision", visual.transformer.resblocks)
    text_heads, text_activation, text_mlp = _check_blocks("text", clip.transformer.resblocks)
    if vision_activation != text_activation:
        raise UnsupportedOpenClipModel(
            f"the vision tower uses {vision_activation} and the text tower {text_activation}; both must use one"
        )
    norms = [visual.ln_pre, visual.ln_post, clip.ln_final]
    norms += [m for m in list(visual.transformer.modules()) + list(clip.transformer.modules())
              if isinstance(m, nn.LayerNorm)]
    eps = {_check_norm(norm) for norm in norms}
    if len(eps) != 1:
        raise UnsupportedOpenClipModel(f"LayerNorms use different eps values {sorted(eps)}")
    return ModelConfig(
        out_embed_dim=visual.output_dim,
        vision_embed_dim=vision_width,
        vision_num_blocks=len(visual.transformer.resblocks),
        vision_num_heads=vision_heads,
        kernel_size=(2, patch_h, patch_w),
        image_size=height,
        text_embed_dim=text_width,
        text_num_blocks=len(clip.transformer.resblocks),
        text_num_heads=text_heads,
        context_length=context_length,
        vocab_size=clip.token_embedding.num_embeddings,
        text_logit_scale_init=1 / 0.07 if clip.logit_scale.is_meta else math.exp(float(clip.logit_scale.detach())),
        layer_norm_eps=eps.pop(),
        vision_text_activation=vision_activation,
        vision_mlp_dim=None if vision_mlp == 4 * vision_width else vision_mlp,
        text_mlp_dim=None if text_mlp == 4 * text_width else text_mlp,
        image_mean=mean,
        image_std=std,
        modalities=("vision", "text"),
    )


def state_dict_from_open_clip(clip: nn.Module, *, copy: bool = True) -> dict[str, torch.Tensor]:
    """The vision and text tensors of an OpenCLIP CLIP model under ImageBind's key names.

    With `copy=False` tensors that need no reshaping share storage with `clip`.
    """
    def take(tensor: torch.Tensor) -> torch.Tensor:
        tensor = tensor.detach()
        return tensor.clone() if copy else tensor

    visual = clip.visual
    conv = visual.conv1.weight.detach()
    state = {
        "modality_preprocessors.vision.cls_token": take(visual.class_embedding).reshape(1, 1, -1),
        "modality_preprocessors.vision.rgbt_stem.proj.1.weight":
            (conv / 2).unsqueeze(2).repeat(1, 1, 2, 1, 1),
        "modality_preprocessors.vision.pos_embedding_helper.pos_embed":
            take(visual.positional_embedding).unsqueeze(0),
        "modality_trunks.vision.pre_transformer_layer.0.weight": take(visual.ln_pre.weight),
        "modality_trunks.vision.pre_transformer_layer.0.bias": take(visual.ln_pre.bias),
        "modality_heads.vision.0.weight": take(visual.ln_post.weight),
        "modality_heads.vision.0.bias": take(visual.ln_post.bias),
        "modality_heads.vision.2.weight": visual.proj.detach().t().contiguous(),
        "modality_preprocessors.text.pos_embed": take(clip.positional_embedding).unsqueeze(0),
        "modality_preprocessors.text.mask": causal_mask(clip.attn_mask.shape[0]),
        "modality_preprocessors.text.token_embedding.weight": take(clip.token_embedding.weight),
        "modality_heads.text.proj.0.weight": take(clip.ln_final.weight),
        "modality_heads.text.proj.0.bias": take(clip.ln_final.bias),
        "modality_heads.text.proj.1.weight": _text_projection(clip.text_projection),
        "modality_postprocessors.text.1.log_logit_scale": take(clip.logit_scale).reshape(()),
    }
    for modality, blocks in (("vision", visual.transformer.resblocks), ("text", clip.transformer.resblocks)):
        for index, block in enumerate(blocks):
            prefix = f"modality_trunks.{modality}.blocks.{index}."
            state.update({
                prefix + "attn.in_proj_weight": take(block.attn.in_proj_weight),
                prefix + "attn.in_proj_bias": take(block.attn.in_proj_bias),
                prefix + "attn.out_proj.weight": take(block.attn.out_proj.weight),
                prefix + "attn.out_proj.bias": take(block.attn.out_proj.bias),
                prefix + "norm_1.weight": take(block.ln_1.weight),
                prefix + "norm_1.bias": take(block.ln_1.bias),
                prefix + "mlp.fc1.weight": take(block.mlp.c_fc.weight),
                prefix + "mlp.fc1.bias": take(block.mlp.c_fc.bias),
                prefix + "mlp.fc2.weight": take(block.mlp.c_proj.weight),
                prefix + "mlp.fc2.bias": take(block.mlp.c_proj.bias),
                prefix + "norm_2.weight": take(block.ln_2.weight),
                prefix + "norm_2.bias": take(block.ln_2.bias),
            })
    return state


def _text_projection(projection: nn.Module | torch.Tensor) -> torch.Tensor:
    if isinstance(projection, nn.Linear):
        return projection.weight.detach().clone()
    return projection.detach().t().contiguous()


def _check_preprocessing(visual: nn.Module) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """Raise unless the tower was trained on bicubic shortest-side resizes; return its mean and std."""
    from open_clip.model import get_model_preprocess_cfg

    cfg = get_model_preprocess_cfg(visual)
    interpolation, resize_mode = cfg.get("interpolation", "bicubic"), cfg.get("resize_mode", "shortest")
    if interpolation != "bicubic" or resize_mode != "shortest":
        raise UnsupportedOpenClipModel(
            f"the vision tower expects {interpolation} {resize_mode!r} resizing; bindspace's image "
            "preprocessing resizes the short side bicubically and center-crops"
        )
    mean, std = tuple(float(v) for v in cfg.get("mean", CLIP_MEAN)), tuple(float(v) for v in cfg.get("std", CLIP_STD))
    if len(mean) != 3 or len(std) != 3:
        raise UnsupportedOpenClipModel(f"image normalization {mean} / {std} is not per RGB channel")
    return mean, std


def _check_blocks(tower: str, blocks: nn.ModuleList) -> tuple[int, str, int]:
    """Raise unless every block is a plain pre-LN GELU or QuickGELU block; return the head count,
    the activation and the MLP's hidden width."""
    from open_clip.transformer import QuickGELU, ResidualAttentionBlock

    heads, activations, mlp_dims = set(), set(), set()
    for index, block in enumerate(blocks):
        where = f"{tower} block {index}"
        if type(block) is not ResidualAttentionBlock:
            raise UnsupportedOpenClipModel(
                f"{where} is a {type(block).__name__}; custom blocks (qk-norm, scaled cosine attention, "
                "NormFormer scaling) are not supported"
            )
        if not (isinstance(block.ls_1, nn.Identity) and isinstance(block.ls_2, nn.Identity)):
            raise UnsupportedOpenClipModel(f"{where} uses layer scale, which ImageBind blocks do not have")
        if hasattr(block, "ln_1_kv"):
            raise UnsupportedOpenClipModel(f"{where} is a cross-attention block")
        attn = block.attn
        if not (isinstance(attn, nn.MultiheadAttention) and attn._qkv_same_embed_dim
                and attn.in_proj_bias is not None and attn.bias_k is None and not attn.add_zero_attn):
            raise UnsupportedOpenClipModel(f"{where} attention is not a packed self-attention with biases")
        activation = block.mlp.gelu
        if type(activation) is QuickGELU:
            activations.add("quick_gelu")
        elif type(activation) is nn.GELU and activation.approximate == "none":
            activations.add("gelu")
        else:
            raise UnsupportedOpenClipModel(f"{where} uses {activation!r}; only exact GELU and QuickGELU are supported")
        mlp_dims.add(block.mlp.c_fc.out_features)
        heads.add(attn.num_heads)
    if len(heads) != 1:
        raise UnsupportedOpenClipModel(f"{tower} blocks use different head counts {sorted(heads)}")
    if len(activations) != 1:
        raise UnsupportedOpenClipModel(f"{tower} blocks mix activations {sorted(activations)}")
    if len(mlp_dims) != 1:
        raise UnsupportedOpenClipModel(f"{tower} blocks use different MLP widths {sorted(mlp_dims)}")
    return heads.pop(), activations.pop(), mlp_dims.pop()


def _check_norm(norm: nn.Module) -> float:
    if not (isinstance(norm, nn.LayerNorm) and norm.elementwise_affine and norm.bias is not None):
        raise UnsupportedOpenClipModel(f"unsupported normalization layer {norm!r}")
    return norm.eps
