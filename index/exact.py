"""Exact scoring: k-nearest-neighbour search over vectors streamed in chunks, merging the best `k` as
it goes, and exact re-ranking of an approximate index's candidates."""

from __future__ import annotations

from collections.abc import Iterable

import faiss
import numpy as np


def exact_top_k(
    queries: np.ndarray, chunks: Iterable[tuple[np.ndarray, np.ndarray]], k: int, metric: str
) -> tuple[np.ndarray, np.ndarray]:
    """`(scores, ids)` of the `k` best `(ids, vectors)` entries per query; inner product (higher is better)
    for cosine/ip, squared L2 distance (lower is better) for l2. Missing results have id -1."""
    larger_is_better = metric != "l2"
    faiss_metric = faiss.METRIC_INNER_PRODUCT if larger_is_better else faiss.METRIC_L2
    n = len(queries)
    best_scores = np.full((n, k), -np.inf if larger_is_better else np.inf, dtype=np.float32)
    best_ids = np.full((n, k), -1, dtype=np.int64)
    for ids, vectors in chunks:
        if not len(ids):
            continue
        scores, positions = faiss.knn(queries, vectors, min(k, len(ids)), metric=faiss_metric)
        all_scores = np.concatenate([best_scores, scores], axis=1)
        all_ids = np.concatenate([best_ids, ids[positions]], axis=1)
        order = np.argsort(-all_scores if larger_is_better else all_scores, axis=1, kind="stable")[:, :k]
        best_scores = np.take_along_axis(all_scores, order, axis=1)
        best_ids = np.take_along_axis(all_ids, order, axis=1)
    return best_scores, best_ids


def rerank(
    queries: np.ndarray, candidates: np.ndarray, stored: tuple[np.ndarray, np.ndarray], k: int, metric: str
) -> tuple[np.ndarray, np.ndarray]:
    """The best `k` of each query's `candidates` (ids, -1 for none) by exact score against `stored`
    `(ids, vectors)` with ids ascending; scored as in `exact_top_k`. Candidates absent from `stored`
    are dropped. Missing results have id -1."""
    larger_is_better = metric != "l2"
    worst = -np.inf if larger_is_better else np.inf
    ids, vectors = stored
    n = len(queries)
    scores = np.full(candidates.shape, worst, dtype=np.float32)
    positions = np.searchsorted(ids, candidates).clip(0, max(len(ids) - 1, 0))
    found = (candidates >= 0) & (ids[positions] == candidates) if len(ids) else np.zeros(candidates.shape, bool)
    for row in range(n):
        rows = positions[row, found[row]]
        if larger_is_better:
            scores[row, found[row]] = vectors[rows] @ queries[row]
        else:
            scores[row, found[row]] = ((vectors[rows] - queries[row]) ** 2).sum(axis=1)
    order = np.argsort(-scores if larger_is_better else scores, axis=1, kind="stable")[:, :k]
    best_scores = np.take_along_axis(scores, order, axis=1)
    best_ids = np.where(np.take_along_axis(found, order, axis=1), np.take_along_axis(candidates, order, axis=1), -1)
    return best_scores, best_ids
