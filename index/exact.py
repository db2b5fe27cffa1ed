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
    """`exact_top_k` of each query over its own `candidates` (ids, -1 for none), their vectors taken
    from `stored` `(ids, vectors)` with ids ascending; candidates absent from `stored` are dropped."""
    ids, vectors = stored
    best_scores = np.empty((len(queries), k), dtype=np.float32)
    best_ids = np.empty((len(queries), k), dtype=np.int64)
    for row, (query, wanted) in enumerate(zip(queries, candidates)):
        positions = np.searchsorted(ids, wanted).clip(0, max(len(ids) - 1, 0))
        present = positions[(wanted >= 0) & (ids[positions] == wanted)] if len(ids) else positions[:0]
        best_scores[row], best_ids[row] = exact_top_k(query[None], [(ids[present], vectors[present])], k, metric)
    return best_scores, best_ids
