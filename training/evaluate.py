"""Evaluating a model on a labelled paired manifest: zero-shot classification and cross-modal retrieval.

Zero-shot: every item of a non-text kind is classified as the class whose prompt-ensembled text
embedding is nearest (top-1 and top-5). Class means: the same for each class's mean embedding, for
every kind, captions included (`metrics.class_mean_accuracy`). Retrieval: for every ordered pair of
kinds (X, Y) present, item i's X embedding queries all items' Y embeddings, and R@k counts item i's Y
among the top k.
"""

import json
import os
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import torch
from torch import nn

from bindspace.models.kinds import encoder_of
from bindspace.training.cache import TensorCache
from bindspace.training.data import PairDataset
from bindspace.training.embedding import embed_dataset
from bindspace.training.manifest import TEXT_KIND, ManifestRecord
from bindspace.training.metrics import (
    class_mean_accuracy,
    ensemble_class_embeddings,
    retrieval_recall,
    zero_shot_accuracy,
)

RETRIEVAL_KS = (1, 5, 10)
ZERO_SHOT_KS = (1, 5)


def read_class_prompts(path: str | os.PathLike) -> dict[str, list[str]]:
    """`{class: [prompt, ...]}` from a JSON file in one of three forms:

    - a corpus's `concepts.json`: `{"concepts": [{"name", "prompts"}, ...], "templates": [...]}`;
      each class gets every template filled with its name, then its own prompts;
    - `{"labels": [...], "templates": ["a photo of a {}", ...]}`;
    - `{class: [prompt, ...]}`.
    """
    path = Path(path)
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ValueError(f"class prompt file not found: {path}") from None
    except (OSError, ValueError) as error:
        raise ValueError(f"cannot read class prompts from {path}: {error}") from None
    if not isinstance(document, dict):
        raise ValueError(f"{path}: expected a JSON object")
    templates = document.get("templates", [])
    if "concepts" in document:
        entries = [(c["name"], c.get("prompts", [])) for c in document["concepts"]]
    elif "labels" in document:
        entries = [(name, []) for name in document["labels"]]
    else:
        entries, templates = list(document.items()), []
    prompts: dict[str, list[str]] = {}
    for name, own in entries:
        if not isinstance(name, str) or not isinstance(own, list) or not all(isinstance(p, str) for p in own):
            raise ValueError(f"{path}: class {name!r} must have a list of prompt strings")
        filled = [template.format(name) for template in templates]
        prompts[name] = list(dict.fromkeys(filled + own))
        if not prompts[name]:
            raise ValueError(f"{path}: class {name!r} has no prompts (and there are no templates)")
    if not prompts:
        raise ValueError(f"{path}: no classes")
    return prompts


@torch.no_grad()
def class_embeddings(
    model: nn.Module,
    class_prompts: Mapping[str, Sequence[str]],
    text_preprocessor: Callable,
    *,
    bf16: bool = False,
    device: str | torch.device = "cpu",
) -> torch.Tensor:
    """`(C, D)` unit vectors, one per class, each the ensemble of its prompts' text embeddings."""
    device = torch.device(device)
    empty = [name for name, prompts in class_prompts.items() if not prompts]
    if not class_prompts or empty:
        raise ValueError(f"every class needs at least one prompt (none for {empty or 'any class'})")
    model.eval()
    rows = []
    for prompts in class_prompts.values():
        tokens = torch.stack([text_preprocessor(prompt) for prompt in prompts]).to(device)
        with torch.autocast(device.type, dtype=torch.bfloat16, enabled=bf16):
            embedded = model.encode("text", tokens).float().cpu()
        rows.append(ensemble_class_embeddings(embedded[None])[0])
    return torch.stack(rows)


def evaluate_model(
    model: nn.Module,
    records: Sequence[ManifestRecord],
    preprocessors: Mapping[str, Callable],
    *,
    kinds: Sequence[str],
    class_prompts: Mapping[str, Sequence[str]] | None = None,
    label_key: str = "concept",
    cache: TensorCache | None = None,
    batch_size: int = 64,
    num_workers: int = 0,
    bf16: bool = False,
    device: str | torch.device = "cpu",
) -> dict:
    """The evaluation report (a JSON-ready dict) of `model` on `records` for the given input kinds.

    Zero-shot needs `class_prompts` ({class: [prompt, ...]}) and each record's `label_key` metadata
    naming one of those classes.
    """
    absent = [kind for kind in kinds if encoder_of(kind) not in model.modalities]
    if absent:
        raise ValueError(f"the model has no encoder for {absent}; it encodes {list(model.modalities)}")
    embeddings = {}
    for kind in kinds:
        dataset = PairDataset(records, [kind], preprocessors, cache=cache)
        embeddings[kind] = embed_dataset(model, dataset, kind, encoder_of(kind), batch_size=batch_size,
                                         num_workers=num_workers, bf16=bf16, device=device)
    report: dict = {"items": len(records), "kinds": list(kinds), "zero_shot": {}, "retrieval": {}}
    if class_prompts is not None and "text" in model.modalities:
        names = list(class_prompts)
        position = {name: i for i, name in enumerate(names)}
        unknown = sorted({str(r.metadata.get(label_key)) for r in records if r.metadata.get(label_key) not in position})
        if unknown:
            raise ValueError(f"records carry {label_key!r} values without prompts: {', '.join(unknown[:10])}")
        labels = torch.tensor([position[r.metadata[label_key]] for r in records])
        classes = class_embeddings(model, class_prompts, preprocessors[TEXT_KIND], bf16=bf16, device=device)
        report["classes"] = len(names)
        report["prompts_per_class"] = sorted({len(p) for p in class_prompts.values()})
        for kind in kinds:
            if kind != TEXT_KIND:
                report["zero_shot"][kind] = zero_shot_accuracy(embeddings[kind], classes, labels, ks=ZERO_SHOT_KS)
        report["class_means"] = {kind: class_mean_accuracy(embeddings[kind], classes, labels) for kind in kinds}
    for query in kinds:
        for target in kinds:
            if query != target:
                report["retrieval"][f"{query}->{target}"] = retrieval_recall(
                    embeddings[query], embeddings[target], ks=RETRIEVAL_KS)
    return report


def report_markdown(report: Mapping, title: str = "Evaluation") -> str:
    """The report as Markdown tables (zero-shot accuracy, class means, then retrieval recall)."""
    lines = [f"## {title}", "", f"{report['items']} items"
             + (f", {report['classes']} classes" if "classes" in report else "") + ".", ""]
    if report["zero_shot"]:
        lines += ["| kind | zero-shot top-1 | top-5 |", "| --- | ---: | ---: |"]
        for kind, scores in report["zero_shot"].items():
            lines.append(f"| {kind} | {scores['top1']:.3f} | {scores['top5']:.3f} |")
        lines.append("")
    if report.get("class_means"):
        lines += ["| kind | class means top-1 |", "| --- | ---: |"]
        lines += [f"| {kind} | {value:.3f} |" for kind, value in report["class_means"].items()]
        lines.append("")
    if report["retrieval"]:
        ks = list(next(iter(report["retrieval"].values())))
        lines += ["| query -> gallery | " + " | ".join(ks) + " |", "| --- |" + " ---: |" * len(ks)]
        for pair, scores in report["retrieval"].items():
            lines.append(f"| {pair} | " + " | ".join(f"{scores[k]:.3f}" for k in ks) + " |")
        lines.append("")
    return "\n".join(lines)
