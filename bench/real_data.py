"""The served model on the real data in ../shared/data, through the HTTP API: bench/results/real_data.md.

    HF_HUB_OFFLINE=1 .venv/bin/python -m bench.real_data [--model DIR]

Starts `bindspace serve` with the model (default: the bundled default model) and measures, with
`POST /v1/embed` only:
- COCO-mini text -> image: the 159 captioned photos, first caption each: R@1, R@5, R@10;
- CIFAR-10 zero-shot: 1000 test images (100 per class) against "a photo of a {class}.": top-1;
- the 13 named photos among 7 names ("a photo of a {name}."): correct of 13;
- texts: 200 caption pairs (100 of the same photo, 100 of different photos), cosines against
  sentence-transformers' own all-MiniLM-L6-v2 `encode` (in this process): max |difference|;
- the 8 sound clips (audio encoder): zero-shot top-1 among 8 names, and where each clip's photos rank
  among the 13 photos (sound -> image);
- UCI-HAR: 300 IMU windows (50 per activity, 50 Hz, acceleration in g) zero-shot among 6 activities
  ("a person {activity}." and three more prompts, ensembled).
"""

from __future__ import annotations

import argparse
import base64
import json
import shlex
import sys
from pathlib import Path

import httpx
import numpy as np

from bench.real_data_sets import (
    CIFAR_CLASSES,
    HAR_ACTIVITIES,
    PHOTO_NAMES,
    PHOTO_OF_SOUND,
    SHARED_DATA,
    SOUND_NAMES,
    all_captions,
    cifar_images,
    coco_pairs,
    har_windows,
    named_photos,
    sound_clips,
)
from bench.serve_bench import ServerProcess

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "bench" / "results"
DEFAULT_MODEL = REPO / "models" / "weights" / "default"
PER_REQUEST = 16
TARGETS = {"coco_r1": 0.35, "coco_r10": 0.85, "cifar_top1": 0.40, "photos_correct": 11, "text_max_diff": 1e-4}
HAR_PROMPTS = ("a person {}.", "someone {}.", "a recording of a person {}.", "the motion of someone {}.")


def embed(client: httpx.Client, kind: str, inputs: list, **options) -> np.ndarray:
    """Embeddings of `inputs` (texts, file paths, or bytes) through `POST /v1/embed`; `options` are extra
    request fields (e.g. `imu`)."""
    vectors = []
    for start in range(0, len(inputs), PER_REQUEST):
        chunk = inputs[start:start + PER_REQUEST]
        if kind != "text":
            chunk = [base64.b64encode(p if isinstance(p, bytes) else Path(p).read_bytes()).decode("ascii")
                     for p in chunk]
        response = client.post("/v1/embed", json={"modality": kind, "inputs": chunk, **options})
        response.raise_for_status()
        vectors += [item["embedding"] for item in response.json()["data"]]
    return np.asarray(vectors, dtype=np.float32)


def sentence_pairs(count: int = 200) -> list[tuple[str, str]]:
    """Half pairs of two captions of one photo, half captions of two different photos (fixed order)."""
    groups = [texts for _, texts in sorted(all_captions().items()) if len(texts) >= 2]
    same = [(g[0], g[1]) for g in groups[: count // 2]]
    different = [(groups[i][2 % len(groups[i])], groups[(i + 7) % len(groups)][3 % len(groups[(i + 7) % len(groups)])])
                 for i in range(count - len(same))]
    return same + different


def measure(client: httpx.Client, kinds: list[str]) -> dict:
    result: dict = {}
    coco_paths, captions = coco_pairs()
    images, texts = embed(client, "image", coco_paths), embed(client, "text", captions)
    order = np.argsort(-(texts @ images.T), axis=1)
    position = np.argmax(order == np.arange(len(captions))[:, None], axis=1)
    result.update({f"coco_r{k}": float((position < k).mean()) for k in (1, 5, 10)})

    cifar_paths, cifar_labels = cifar_images()
    labels = embed(client, "text", [f"a photo of a {c}." for c in CIFAR_CLASSES])
    predicted = np.argmax(embed(client, "image", cifar_paths) @ labels.T, axis=1)
    result["cifar_top1"] = float((predicted == np.asarray(cifar_labels)).mean())
    result["cifar_predicted"] = np.bincount(predicted, minlength=10).tolist()

    photo_paths, photo_labels = named_photos()
    names = embed(client, "text", [f"a photo of a {n}." for n in PHOTO_NAMES])
    predicted = np.argmax(embed(client, "image", photo_paths) @ names.T, axis=1)
    result["photos_correct"] = int((predicted == np.asarray(photo_labels)).sum())
    result["photos_wrong"] = [f"{p.name} -> {PHOTO_NAMES[i]}" for p, i, t in zip(photo_paths, predicted, photo_labels)
                              if i != t]

    pairs = sentence_pairs()
    first, second = embed(client, "text", [a for a, _ in pairs]), embed(client, "text", [b for _, b in pairs])
    served = (first * second).sum(axis=1)
    from sentence_transformers import SentenceTransformer
    from bindspace.models.pretrained_files import package_file
    from bindspace.models.tower_presets import PINNED_FILES

    reference = SentenceTransformer(str(package_file(PINNED_FILES["all-minilm-l6-v2"]).parent), device="cpu")
    a = reference.encode([x for x, _ in pairs], normalize_embeddings=True)
    b = reference.encode([y for _, y in pairs], normalize_embeddings=True)
    result["text_pairs"] = len(pairs)
    result["text_max_diff"] = float(np.abs(served - (a * b).sum(axis=1)).max())
    result["served_kinds"] = kinds
    if "audio" in kinds:
        result["sounds"] = measure_sounds(client, photo_paths, photo_labels)
    if "imu" in kinds:
        result["har"] = measure_har(client)
    return result


def measure_sounds(client: httpx.Client, photo_paths: list[Path], photo_labels: list[int]) -> dict:
    """Zero-shot naming of the 8 clips, and the best rank (1 = first) of a photo of the clip's name among
    the 13 photos."""
    clips, labels = sound_clips()
    sounds = embed(client, "audio", clips)
    names = embed(client, "text", [f"a photo of a {n}." for n in SOUND_NAMES])
    predicted = np.argmax(sounds @ names.T, axis=1)
    photos = embed(client, "image", photo_paths)
    rows = []
    for clip, label, guess, scores in zip(clips, labels, predicted, sounds @ photos.T):
        wanted = PHOTO_NAMES.index(PHOTO_OF_SOUND.get(SOUND_NAMES[label], SOUND_NAMES[label]))
        order = list(np.argsort(-scores))
        rank = 1 + min(order.index(i) for i, name in enumerate(photo_labels) if name == wanted)
        rows.append({"clip": clip.name, "name": SOUND_NAMES[label], "predicted": SOUND_NAMES[guess],
                     "photo_rank": rank})
    return {"top1": float(np.mean([r["name"] == r["predicted"] for r in rows])), "clips": rows,
            "mean_photo_rank": float(np.mean([r["photo_rank"] for r in rows]))}


def measure_har(client: httpx.Client) -> dict:
    windows, labels = har_windows()
    imu = embed(client, "imu", windows, imu={"sample_rate": 50, "accel_unit": "g"})
    classes = []
    for activity in HAR_ACTIVITIES:
        vectors = embed(client, "text", [prompt.format(activity) for prompt in HAR_PROMPTS]).mean(axis=0)
        classes.append(vectors / np.linalg.norm(vectors))
    predicted = np.argmax(imu @ np.stack(classes).T, axis=1)
    return {"windows": len(windows), "top1": float((predicted == np.asarray(labels)).mean()),
            "predicted": np.bincount(predicted, minlength=len(HAR_ACTIVITIES)).tolist()}


def markdown(result: dict, command: str) -> str:
    def verdict(key: str, value: float) -> str:
        target = TARGETS[key]
        met = value <= target if key == "text_max_diff" else value >= target
        return f"{'meets' if met else 'MISSES'} {'<=' if key == 'text_max_diff' else '>='} {target}"

    lines = [
        "# The served model on real data",
        "",
        f"Command: `{command}`; every number comes "
        f"through `POST /v1/embed` of a `bindspace serve` process ({PER_REQUEST} inputs per request). "
        "Data: ../shared/data (evaluation only; the model never trained on it).",
        "",
        "| measure | value | target |",
        "| --- | ---: | --- |",
        f"| COCO-mini text -> image R@1 (159 photos, first caption) | {result['coco_r1']:.3f} | {verdict('coco_r1', result['coco_r1'])} |",
        f"| COCO-mini text -> image R@5 | {result['coco_r5']:.3f} | - |",
        f"| COCO-mini text -> image R@10 | {result['coco_r10']:.3f} | {verdict('coco_r10', result['coco_r10'])} |",
        f"| CIFAR-10 zero-shot top-1 (1000 images, 100 per class) | {result['cifar_top1']:.3f} | {verdict('cifar_top1', result['cifar_top1'])} |",
        f"| named photos among 7 names | {result['photos_correct']}/13 | {verdict('photos_correct', result['photos_correct'])} |",
        f"| texts: max abs cosine difference to all-MiniLM-L6-v2, {result['text_pairs']} caption pairs | {result['text_max_diff']:.2e} | {verdict('text_max_diff', result['text_max_diff'])} |",
        "",
        f"CIFAR-10 predictions per class ({', '.join(CIFAR_CLASSES)}): {result['cifar_predicted']}. "
        f"Photos named wrongly: {', '.join(result['photos_wrong']) or 'none'}.",
        "",
        f"Input kinds the model serves: {', '.join(result['served_kinds'])}.",
    ]
    if "sounds" in result:
        sounds = result["sounds"]
        lines += ["", "## Sounds (no target: no real sound-image pairs exist here)", "",
                  f"Zero-shot top-1 among {len(SOUND_NAMES)} names: **{sounds['top1']:.3f}**; mean rank of the "
                  f"clip's photo among the 13 photos (sound -> image, 1 is best): {sounds['mean_photo_rank']:.1f}.", "",
                  "| clip | name | named as | photo rank /13 |", "| --- | --- | --- | ---: |"]
        lines += [f"| {r['clip']} | {r['name']} | {r['predicted']} | {r['photo_rank']} |" for r in sounds["clips"]]
    if "har" in result:
        har = result["har"]
        lines += ["", "## IMU: UCI-HAR through the API", "",
                  f"{har['windows']} windows (50 per activity), zero-shot among {len(HAR_ACTIVITIES)} activities: "
                  f"top-1 **{har['top1']:.3f}** (chance 0.167). Predictions per activity "
                  f"({', '.join(HAR_ACTIVITIES)}): {har['predicted']}."]
    return "\n".join(lines) + "\n"


def record_quality(model: Path, result: dict) -> None:
    path = model / "config.json"
    config = json.loads(path.read_text(encoding="utf-8"))
    config["quality"] = {
        "coco_text_to_image_r1": f"{result['coco_r1']:.3f}", "coco_text_to_image_r10": f"{result['coco_r10']:.3f}",
        "cifar10_zero_shot_top1": f"{result['cifar_top1']:.3f}", "named_photos": f"{result['photos_correct']}/13",
        "text_max_cosine_diff_to_minilm": f"{result['text_max_diff']:.1e}",
        **({"uci_har_zero_shot_top1": f"{result['har']['top1']:.3f}"} if "har" in result else {}),
        **({"sound_clips_top1": f"{result['sounds']['top1']:.3f}"} if "sounds" in result else {}),
        "measured_by": "bench/results/real_data.md",
    }
    path.write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", type=Path, default=DEFAULT_MODEL)
    parser.add_argument("--output", type=Path, default=RESULTS / "real_data.md")
    parser.add_argument("--record-quality", action="store_true",
                        help="write the headline numbers into the model directory's config.json (`quality`), "
                        "which the service logs at start-up and reports in GET /v1/models")
    args = parser.parse_args()
    server = ServerProcess(args.model, batching=True, threads=None)
    try:
        with httpx.Client(base_url=server.url, timeout=300) as client:
            kinds = client.get("/v1/models").json()["data"][0]["input_kinds"]
            result = measure(client, kinds)
    finally:
        server.stop()
    if args.record_quality:
        record_quality(args.model, result)
    command = " ".join(["HF_HUB_OFFLINE=1 .venv/bin/python -m bench.real_data", *map(shlex.quote, sys.argv[1:])])
    args.output.write_text(markdown(result, command), encoding="utf-8")
    args.output.with_suffix(".json").write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    print(markdown(result, command))


if __name__ == "__main__":
    main()
