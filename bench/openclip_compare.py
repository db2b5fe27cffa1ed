"""bindspace's vision and text encoders against open_clip's own implementation, same weights, same run.

An open_clip CLIP model is made with random weights (seed 0): "huge" is
`open_clip.create_model("ViT-H-14", pretrained=None)`, the ImageBind-huge vision and text towers;
"default" is an open_clip CLIP with the default model's vision and text sizes. Its weights are
mapped into an ImageBind-layout model with models/openclip.py (sharing storage), so both sides
compute the same function of the same tensors; the cosine between their outputs is reported as a
check. Both embed the same real inputs (COCO photos, COCO captions), timed calls alternating
between the two.

Precisions: float32 on both sides; bfloat16 as bindspace runs it (`Encoder(precision="bfloat16")`)
against open_clip under `torch.autocast` and open_clip converted to bf16 (`model.to(torch.bfloat16)`,
what `create_model(precision="bf16")` does); the ratio is taken against the faster open_clip variant.

    python -m bench.openclip_compare                         # default and huge, batches 1 8
    python -m bench.openclip_compare --sizes default --batches 1 8 32

Writes bench/results/openclip.json and bench/results/openclip.md.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from contextlib import nullcontext
from pathlib import Path
from typing import Any, Callable

import torch
import torch.nn.functional as F

from bench.encoders import (DEFAULT_MODEL_DIR, FALLBACK_PRESET, RESULTS, bundled_default, command_line, median,
                            real_batch, write_results)
from bench.report import openclip_table

HUGE_ARCH = "ViT-H-14"


def default_clip_config() -> Any:
    """The `ModelConfig` whose vision and text sizes the "default" comparison uses (the model
    `bench.encoders` measures as "default")."""
    from bindspace import models
    from bindspace.models.factory import read_model_config

    if bundled_default(imagebind_layout=True):
        return read_model_config(DEFAULT_MODEL_DIR)[0]
    return models.get_config(FALLBACK_PRESET)


def make_clip(size: str) -> tuple[torch.nn.Module, str]:
    """A random-weight open_clip CLIP for `size` and a description of it."""
    import open_clip

    torch.manual_seed(0)
    if size == "huge":
        return open_clip.create_model(HUGE_ARCH, pretrained=None).eval(), \
            f"open_clip.create_model('{HUGE_ARCH}', pretrained=None)"
    from open_clip.model import CLIP, CLIPTextCfg, CLIPVisionCfg

    c = default_clip_config()
    vision = CLIPVisionCfg(layers=c.vision_num_blocks, width=c.vision_embed_dim,
                           head_width=c.vision_embed_dim // c.vision_num_heads,
                           patch_size=c.kernel_size[1], image_size=c.image_size)
    text = CLIPTextCfg(context_length=c.context_length, vocab_size=c.vocab_size, width=c.text_embed_dim,
                       heads=c.text_num_heads, layers=c.text_num_blocks)
    clip = CLIP(embed_dim=c.out_embed_dim, vision_cfg=vision, text_cfg=text).eval()
    return clip, (f"open_clip.model.CLIP with the default model's sizes (vision {c.vision_embed_dim}x"
                  f"{c.vision_num_blocks}, text {c.text_embed_dim}x{c.text_num_blocks}, out {c.out_embed_dim})")


def shared_weight_model(clip: torch.nn.Module):
    """An ImageBind-layout model whose tensors are `clip`'s own (no copy where none is needed)."""
    from bindspace.models import build_model
    from bindspace.models.checkpoint import assign_state_dict
    from bindspace.models.openclip import config_from_open_clip, state_dict_from_open_clip

    model = build_model(config_from_open_clip(clip), device="meta")
    assign_state_dict(model, state_dict_from_open_clip(clip, copy=False), source="open_clip model")
    return model.eval()


def clip_call(clip: torch.nn.Module, modality: str, autocast: bool) -> Callable[[torch.Tensor], torch.Tensor]:
    encode = clip.encode_image if modality == "vision" else clip.encode_text

    def run(batch: torch.Tensor) -> torch.Tensor:
        context = torch.autocast("cpu", dtype=torch.bfloat16) if autocast else nullcontext()
        with torch.inference_mode(), context:
            if modality == "vision":
                batch = batch.to(next(clip.parameters()).dtype)
            return encode(batch).float()
    return run


def interleaved(runs: dict[str, Callable[[], torch.Tensor]], *, repeats: int, budget_s: float
                ) -> tuple[dict[str, list[float]], dict[str, torch.Tensor]]:
    """Time every run `repeats` times, one round of all runs after another (after one warm-up each)."""
    outputs = {name: run() for name, run in runs.items()}
    times: dict[str, list[float]] = {name: [] for name in runs}
    spent = 0.0
    while min(len(t) for t in times.values()) < repeats and (spent < budget_s or not times[next(iter(runs))]):
        for name, run in runs.items():
            started = time.perf_counter()
            outputs[name] = run()
            times[name].append(time.perf_counter() - started)
            spent += times[name][-1]
    return times, outputs


def compare_size(size: str, args: argparse.Namespace) -> tuple[list[dict], str]:
    """Every (modality, precision, batch) cell of one model size."""
    from bindspace.engine.encoder import Encoder

    clip, description = make_clip(size)
    model = shared_weight_model(clip)
    inputs = {m: real_batch(m, max(args.batches)) for m in args.modalities}
    cells: dict[tuple[str, str, int], dict] = {}

    def measure(precision: str, ours: Encoder, theirs: dict[str, Callable]) -> None:
        for modality in args.modalities:
            for batch_size in args.batches:
                batch = inputs[modality][:batch_size]
                runs = {"bindspace": lambda: ours.encode(modality, batch)}
                runs.update({name: (lambda call=call: call(batch)) for name, call in theirs[modality].items()})
                times, outputs = interleaved(runs, repeats=args.repeats, budget_s=args.budget)
                cell = cells.setdefault((modality, precision, batch_size), {"times": {}, "cosine": {}})
                for name, values in times.items():
                    cell["times"].setdefault(name, []).extend(values)
                cell["cosine"].update({n: float(F.cosine_similarity(outputs["bindspace"], o, dim=-1).min())
                                       for n, o in outputs.items() if n != "bindspace"})
                print(f"  {size} {modality} {precision} batch {batch_size}: " + ", ".join(
                    f"{n} {batch_size / median(t):.2f}/s" for n, t in times.items()), file=sys.stderr, flush=True)

    if "float32" in args.precisions:
        ours = Encoder(model, precision="float32")
        measure("float32", ours, {m: {"open_clip": clip_call(clip, m, False)} for m in args.modalities})
        del ours
    if "bfloat16" in args.precisions:
        ours = Encoder(model, precision="bfloat16")
        del model  # the bf16 encoder holds what it needs; the float32 tensors stay with `clip`
        measure("bfloat16", ours, {m: {"open_clip autocast": clip_call(clip, m, True)} for m in args.modalities})
        clip.to(torch.bfloat16)  # open_clip's pure-bf16 mode, in place: one copy of the weights at a time
        measure("bfloat16", ours, {m: {"open_clip bf16": clip_call(clip, m, False)} for m in args.modalities})

    rows = []
    for (modality, precision, batch_size), cell in cells.items():
        rates = {name: batch_size / median(t) for name, t in cell["times"].items()}
        best = max((n for n in rates if n != "bindspace"), key=rates.get)
        rows.append({"size": size, "modality": modality, "precision": precision, "batch": batch_size,
                     "items_per_s": rates, "ratio": rates["bindspace"] / rates[best], "versus": best,
                     "cosine": cell["cosine"], "timed_calls": {n: len(t) for n, t in cell["times"].items()}})
    return rows, description


def write_markdown(report: dict, path: Path) -> None:
    lines = ["# bindspace against open_clip (same weights, same run)", "", f"Command: `{report['command']}`", ""]
    for size, text in report["models"].items():
        lines.append(f"- `{size}`: {text}")
    lines += [""] + openclip_table(report["rows"])
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.openclip_compare", description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="+", choices=["default", "huge"], default=["default", "huge"])
    parser.add_argument("--modalities", nargs="+", choices=["vision", "text"], default=["vision", "text"])
    parser.add_argument("--precisions", nargs="+", choices=["float32", "bfloat16"], default=["float32", "bfloat16"])
    parser.add_argument("--batches", nargs="+", type=int, default=[1, 8])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--budget", type=float, default=60.0, help="seconds after which a cell stops repeating")
    parser.add_argument("--out", type=Path, default=RESULTS / "openclip.json")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> dict:
    from bindspace.engine.encoder import configure_threads

    args = parse_args(argv)
    threads, _ = configure_threads()
    report: dict[str, Any] = {"command": command_line("bench.openclip_compare", argv),
                              "threads": threads, "load_before": os.getloadavg(), "models": {}, "rows": []}
    for size in args.sizes:
        rows, description = compare_size(size, args)
        report["rows"] += rows
        report["models"][size] = description
    return write_results(report, args.out, write_markdown)


if __name__ == "__main__":
    main()
