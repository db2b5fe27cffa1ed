"""Zero-shot classification: cosine of an input's embedding with prompt-ensembled label embeddings."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from bindspace.engine.embedding import EmbeddingService, normalize_rows
from bindspace.engine.label_cache import LabelCache

LOGIT_SCALE = 100.0


@dataclass(frozen=True)
class LabelScore:
    """One candidate label's softmax score and raw cosine."""

    label: str
    score: float
    cosine: float


def prompts_for(label: str, templates: Sequence[str]) -> list[str]:
    """Each template with `{}` replaced by `label`."""
    return [template.replace("{}", label) for template in templates]


def template_problem(templates: Sequence[str]) -> str | None:
    """What is wrong with `templates` (a template without the `{}` placeholder), or None."""
    for index, template in enumerate(templates):
        if "{}" not in template:
            return f"[{index}] has no '{{}}' placeholder for the label: {template!r}."
    return None


async def label_embeddings(
    embedder: EmbeddingService, cache: LabelCache, labels: Sequence[str], templates: Sequence[str]
) -> np.ndarray:
    """(labels, dim) unit vectors: the mean of each label's normalized prompt embeddings, renormalized."""
    prompts = [prompts_for(label, templates) for label in labels]
    known = {p: v for p in {p for group in prompts for p in group} if (v := cache.get(p)) is not None}
    missing = sorted({p for group in prompts for p in group} - set(known))
    if missing:
        for prompt, vector in zip(missing, (await embedder.embed("text", missing)).unit(), strict=True):
            cache.put(prompt, vector)
            known[prompt] = vector
    means = np.stack([np.mean([known[p] for p in group], axis=0) for group in prompts])
    return normalize_rows(means)


def rank_labels(query: np.ndarray, labels: Sequence[str], label_vectors: np.ndarray) -> list[LabelScore]:
    """Labels sorted by softmax(100 x cosine) of the unit `query` with each unit label vector."""
    cosines = label_vectors @ query
    logits = LOGIT_SCALE * cosines.astype(np.float64)
    weights = np.exp(logits - logits.max())
    scores = weights / weights.sum()
    order = np.argsort(-scores, kind="stable")
    return [LabelScore(labels[i], float(scores[i]), float(cosines[i])) for i in order]
