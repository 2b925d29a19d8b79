"""Ranking metrics, small and pure (numpy only).

>>> average_precision([1, 0, 1, 0], [0.9, 0.8, 0.7, 0.1])
0.8333333333333333
>>> precision_at_k([1, 0, 1, 0], [0.9, 0.8, 0.7, 0.1], 2)
0.5
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

__all__ = ["average_precision", "precision_at_k", "precision_at_fraction", "top_k", "k_for_fraction"]


def _arrays(labels: Sequence, scores: Sequence) -> tuple[np.ndarray, np.ndarray]:
    y = np.asarray(labels, dtype=float).ravel()
    s = np.asarray(scores, dtype=float).ravel()
    if y.shape != s.shape:
        raise ValueError(f"labels and scores differ in length: {y.size} vs {s.size}")
    return (y > 0).astype(float), np.nan_to_num(s, nan=-np.inf)


def average_precision(labels: Sequence, scores: Sequence) -> float:
    """Area under the precision-recall step curve, as ``sklearn.metrics.average_precision_score``:
    ``sum_n (R_n - R_{n-1}) P_n`` over the distinct score thresholds (tied scores enter together).
    NaN when there is no positive label."""
    y, s = _arrays(labels, scores)
    positives = y.sum()
    if positives == 0:
        return math.nan
    order = np.argsort(-s, kind="mergesort")
    y, s = y[order], s[order]
    last_of_tie = np.r_[np.flatnonzero(np.diff(s)), y.size - 1]  # end index of each threshold group
    tp = np.cumsum(y)[last_of_tie]
    precision = tp / (last_of_tie + 1)
    recall = tp / positives
    return float(np.sum(np.diff(np.r_[0.0, recall]) * precision))


def top_k(scores: Sequence, k: int) -> np.ndarray:
    """Indices of the ``k`` highest scores; ties keep their original order (stable)."""
    s = np.nan_to_num(np.asarray(scores, dtype=float).ravel(), nan=-np.inf)
    return np.argsort(-s, kind="mergesort")[: max(0, int(k))]


def precision_at_k(labels: Sequence, scores: Sequence, k: int) -> float:
    """Share of positives among the ``k`` highest-scored items (``k`` capped at the
    population; ties broken by position). NaN for an empty top."""
    y, _ = _arrays(labels, scores)
    idx = top_k(scores, min(int(k), y.size))
    return float(y[idx].mean()) if idx.size else math.nan


def k_for_fraction(n: int, fraction: float) -> int:
    """How many items a top ``fraction`` of ``n`` holds: ``ceil(fraction * n)``, at least 1
    when ``n > 0``."""
    return min(n, max(1, math.ceil(fraction * n - 1e-9))) if n > 0 else 0


def precision_at_fraction(labels: Sequence, scores: Sequence, fraction: float) -> float:
    """Precision among the top ``fraction`` (e.g. 0.05) of the population by score."""
    y, _ = _arrays(labels, scores)
    return precision_at_k(labels, scores, k_for_fraction(y.size, fraction))
