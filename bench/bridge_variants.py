"""Measure image -> text bridge variants on the real data (evaluation only) and write a markdown table.

    HF_HUB_OFFLINE=1 .venv/bin/python -m bench.bridge_variants          # -> bench/results/bridge_variants.md

The image tower's logits for every evaluation photo are computed once (EfficientNet-Lite, the fast
preprocessing); each variant then changes only the bridge: prompt set, ConSE top-k and temperature,
and centring (subtracting a multiple of the mean class embedding, which the bridge can hold as data).
"""

from __future__ import annotations

import argparse
import itertools
import json
import time
from pathlib import Path

import torch

from bench.real_data_sets import CIFAR_CLASSES, PHOTO_NAMES, cifar_images, coco_pairs, named_photos
from bindspace.models.conse import ConseHead, class_text_embeddings
from bindspace.models.kinds import build_preprocessors
from bindspace.models.tower_model import TowerModel, TowerModelConfig, load_pretrained_backbone
from bindspace.models.tower_presets import minilm_efficientnet_config
from bindspace.training.imagenet_names import imagenet_class_names

RESULTS = Path(__file__).resolve().parent / "results"

PROMPT_SETS = {
    "photo": ("a photo of a {}.",),
    "ensemble7": ("a photo of a {}.", "a blurry photo of a {}.", "a close-up photo of a {}.",
                  "a photo of the large {}.", "a photo of the small {}.", "a low resolution photo of a {}.",
                  "a good photo of a {}."),
}


def tower_model(variant: str) -> tuple[TowerModel, dict]:
    config = minilm_efficientnet_config(variant)
    model = TowerModel(TowerModelConfig.from_dict(config)).eval()
    for modality, tower in model.towers.items():
        load_pretrained_backbone(tower, config["towers"][modality])
    return model, config


def logits_of(model: TowerModel, preprocess, paths: list[Path], batch: int = 32) -> torch.Tensor:
    out = []
    with torch.inference_mode():
        for start in range(0, len(paths), batch):
            x = torch.stack([preprocess(p) for p in paths[start:start + batch]])
            out.append(model.towers["vision"].backbone(x))
    return torch.cat(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--variant", default="lite0")
    parser.add_argument("--output", type=Path, default=RESULTS / "bridge_variants.md")
    parser.add_argument("--cache-dir", type=Path, help="keep the image tower's logits here between runs")
    args = parser.parse_args()
    torch.set_num_threads(2)
    model, config = tower_model(args.variant)
    pre = build_preprocessors(**config["preprocessing"])
    text = lambda texts: model.encode("text", pre["text"].batch(texts))  # noqa: E731

    started = time.perf_counter()
    coco_paths, captions = coco_pairs()
    cifar_paths, cifar_labels = cifar_images()
    photo_paths, photo_labels = named_photos()
    cache = args.cache_dir / f"bridge-logits-{args.variant}.pt" if args.cache_dir else None
    if cache is not None and cache.is_file():
        logits = torch.load(cache)
        image_seconds = None
    else:
        logits = {name: logits_of(model, pre["image"], paths)
                  for name, paths in (("coco", coco_paths), ("cifar", cifar_paths), ("photos", photo_paths))}
        image_seconds = time.perf_counter() - started
        if cache is not None:
            cache.parent.mkdir(parents=True, exist_ok=True)
            torch.save(logits, cache)
    with torch.inference_mode():
        caption_vectors = text(captions)
        names = [[n] for n in imagenet_class_names()]
        class_vectors = {p: class_text_embeddings(text, names, PROMPT_SETS[p]) for p in PROMPT_SETS}
        label_vectors = {p: {"cifar": class_text_embeddings(text, [[c] for c in CIFAR_CLASSES], PROMPT_SETS[p]),
                             "photos": class_text_embeddings(text, [[c] for c in PHOTO_NAMES], PROMPT_SETS[p])}
                         for p in PROMPT_SETS}

    rows = []
    targets = torch.arange(len(captions))
    for prompts, top_k, temperature, centring in itertools.product(
            PROMPT_SETS, (1, 10, 20, 50, 100), (1.0, 2.0, 3.0, 5.0), (0.0, 1.0, 1.5)):
        head = ConseHead(1000, class_vectors[prompts].shape[1], top_k=top_k, temperature=temperature,
                         centring=centring)
        head.class_embeddings.copy_(class_vectors[prompts])
        with torch.inference_mode():
            image = {k: head(v) for k, v in logits.items()}
        ranks = (caption_vectors @ image["coco"].T).argsort(dim=1, descending=True)
        position = (ranks == targets[:, None]).float().argmax(dim=1)
        cifar = (image["cifar"] @ label_vectors[prompts]["cifar"].T).argmax(dim=1)
        photos = (image["photos"] @ label_vectors[prompts]["photos"].T).argmax(dim=1)
        rows.append({
            "prompts": prompts, "top_k": top_k, "temperature": temperature, "centring": centring,
            "coco_r1": float((position < 1).float().mean()), "coco_r10": float((position < 10).float().mean()),
            "cifar_top1": float((cifar == torch.tensor(cifar_labels)).float().mean()),
            "photos_correct": int((photos == torch.tensor(photo_labels)).sum()),
        })
    rows.sort(key=lambda r: (r["coco_r1"] + r["coco_r10"] + r["cifar_top1"] + r["photos_correct"] / 13), reverse=True)
    lines = [
        f"# Image -> text bridge variants (EfficientNet-{args.variant.capitalize()} + ConSE into all-MiniLM-L6-v2)",
        "",
        f"Command: `HF_HUB_OFFLINE=1 .venv/bin/python -m bench.bridge_variants --variant {args.variant}`. "
        f"COCO-mini: {len(captions)} photos, first caption each, text -> image. CIFAR-10: {len(cifar_paths)} test "
        f"images (100 per class), labels embedded with the same prompts. Photos: {len(photo_paths)} among "
        f"{len(PHOTO_NAMES)} names. "
        + (f"Image tower over all photos: {image_seconds:.0f} s on 2 threads. " if image_seconds else
           "Image logits reused from `--cache-dir`. ")
        + "Sorted by COCO R@1 + R@10 + CIFAR top-1 + photos/13. The settings are chosen on these same sets "
        "(no held-out real set exists here), so the best rows are optimistic.",
        "",
        "| prompts | top-k | temperature | centring | COCO R@1 | COCO R@10 | CIFAR-10 top-1 | photos /13 |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    lines += [f"| {r['prompts']} | {r['top_k']} | {r['temperature']} | {r['centring']} | {r['coco_r1']:.3f} | "
              f"{r['coco_r10']:.3f} | {r['cifar_top1']:.3f} | {r['photos_correct']} |" for r in rows]
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text("\n".join(lines) + "\n", encoding="utf-8")
    args.output.with_suffix(".json").write_text(json.dumps(rows, indent=1) + "\n", encoding="utf-8")
    print("\n".join(lines[:16]))


if __name__ == "__main__":
    main()
