"""Retrieval and zero-shot metrics computed from embeddings (no model involved)."""

from collections.abc import Sequence

import torch
import torch.nn.functional as F


def ensemble_class_embeddings(prompt_embeddings: torch.Tensor) -> torch.Tensor:
    """Prompt ensembling: `(C, P, D)` embeddings of P prompts per class -> `(C, D)` unit vectors.

    Each prompt embedding is normalized, the P of a class are averaged, and the mean is renormalized.
    """
    if prompt_embeddings.ndim != 3:
        raise ValueError(f"expected (classes, prompts, dim) embeddings, got shape {tuple(prompt_embeddings.shape)}")
    return F.normalize(F.normalize(prompt_embeddings.float(), dim=-1).mean(dim=1), dim=-1)


def _true_rank(scores: torch.Tensor, true_index: torch.Tensor) -> torch.Tensor:
    """Per row, how many columns score at least as high as the true one, the true one excluded.

    Ties count against the query, so a degenerate embedding (all equal) never looks good.
    """
    true_scores = scores.gather(1, true_index[:, None])
    return (scores >= true_scores).sum(dim=1) - 1


def _check_labelled(embeddings: torch.Tensor, class_embeddings: torch.Tensor, labels: torch.Tensor) -> None:
    if embeddings.ndim != 2 or class_embeddings.ndim != 2 or embeddings.shape[1] != class_embeddings.shape[1]:
        raise ValueError(
            f"expected (N, D) and (C, D) embeddings, got {tuple(embeddings.shape)} and {tuple(class_embeddings.shape)}"
        )
    if labels.shape != (embeddings.shape[0],):
        raise ValueError(f"expected {embeddings.shape[0]} labels, got shape {tuple(labels.shape)}")


def zero_shot_accuracy(
    embeddings: torch.Tensor, class_embeddings: torch.Tensor, labels: torch.Tensor, ks: Sequence[int] = (1, 5)
) -> dict[str, float]:
    """Top-k accuracy of classifying each `(N, D)` embedding as its nearest `(C, D)` class by cosine.

    Returns `{"top1": .., "top5": ..}` for the requested k (k larger than C is reported as 1.0).
    """
    _check_labelled(embeddings, class_embeddings, labels)
    scores = F.normalize(embeddings.float(), dim=-1) @ F.normalize(class_embeddings.float(), dim=-1).T
    rank = _true_rank(scores, labels.long())
    return {f"top{k}": float((rank < k).float().mean()) for k in ks}


def class_mean_accuracy(embeddings: torch.Tensor, class_embeddings: torch.Tensor, labels: torch.Tensor) -> float:
    """Zero-shot top-1 of the class means: each class present in `labels` is represented by the mean of
    its items' unit embeddings, and counts as right when its own `(C, D)` class embedding is the nearest
    by cosine. Returns the fraction of those classes that are right.

    Averaging removes what varies from item to item (pose, scene, noise), so this says how well a kind's
    embeddings point towards the class prompts at all. For an anchor's images it is the zero-shot accuracy
    of an encoder, bound to those images, that placed every item exactly on its class's mean image.
    """
    _check_labelled(embeddings, class_embeddings, labels)
    present = labels.long().unique()
    units = F.normalize(embeddings.float(), dim=-1)
    means = torch.stack([units[labels == c].mean(dim=0) for c in present])
    return zero_shot_accuracy(means, class_embeddings, present, ks=(1,))["top1"]


def retrieval_recall(
    queries: torch.Tensor, gallery: torch.Tensor, ks: Sequence[int] = (1, 5, 10)
) -> dict[str, float]:
    """Recall@k of finding gallery item i for query i among all N gallery items, by cosine.

    Returns `{"R@1": .., "R@5": .., "R@10": ..}` for the requested k.
    """
    if queries.ndim != 2 or queries.shape != gallery.shape:
        raise ValueError(f"expected two (N, D) tensors of one shape, got {tuple(queries.shape)} and {tuple(gallery.shape)}")
    scores = F.normalize(queries.float(), dim=-1) @ F.normalize(gallery.float(), dim=-1).T
    rank = _true_rank(scores, torch.arange(queries.shape[0]))
    return {f"R@{k}": float((rank < k).float().mean()) for k in ks}
