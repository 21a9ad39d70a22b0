"""How well a cheap proxy ranks architectures like a costlier target, and how noisy it is.

``rank_agreement(proxy, target)`` gives Kendall's tau-b and Spearman's rho
between two scores of the same architectures, each with a bootstrap interval
that resamples architectures (pairs are kept together: the question is how the
estimate would vary over another draw of architectures from the same spread).
``coefficient_of_variation`` measures a reward's spread over reruns.

Ties count as neither agreement nor disagreement (tau-b; average ranks for
rho), which matters for a weak proxy whose early AP is often exactly 0.
SciPy computes the coefficients (JAX already depends on it); the bootstrap is
ours because a resample that draws one architecture n times has no defined
coefficient, and SciPy's ``bootstrap`` lets that NaN reach the interval: here
such resamples are dropped and counted.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Callable, Sequence

import numpy as np
from scipy import stats

DEFAULT_RESAMPLES = 2000
DEFAULT_CONFIDENCE = 0.95


def kendall_tau(a: Sequence[float], b: Sequence[float]) -> float:
    """Kendall's tau-b of paired scores (NaN where one side is constant)."""
    _check_pairs(a, b)
    return float(stats.kendalltau(a, b, variant="b").statistic)


def spearman_rho(a: Sequence[float], b: Sequence[float]) -> float:
    """Spearman's rho of paired scores, ties at their average rank (NaN where one side is constant)."""
    _check_pairs(a, b)
    if len(set(a)) < 2 or len(set(b)) < 2:
        return math.nan  # SciPy warns and returns NaN; the same without the warning
    return float(stats.spearmanr(a, b).statistic)


@dataclasses.dataclass(frozen=True)
class Estimate:
    """A statistic with its bootstrap percentile interval.

    ``dropped``: resamples without a defined value (all one architecture, or one side constant).
    """

    value: float
    low: float
    high: float
    resamples: int
    dropped: int


def bootstrap(statistic: Callable[[Sequence[float], Sequence[float]], float], a: Sequence[float],
              b: Sequence[float], resamples: int = DEFAULT_RESAMPLES, confidence: float = DEFAULT_CONFIDENCE,
              seed: int = 0) -> Estimate:
    """``statistic(a, b)`` and its percentile interval over ``resamples`` resamplings of the pairs."""
    _check_pairs(a, b)
    if not 0 < confidence < 1 or resamples < 1:
        raise ValueError(f"confidence {confidence} must be in (0, 1) and resamples {resamples} >= 1")
    a, b = np.asarray(a, float), np.asarray(b, float)
    rng = np.random.default_rng(seed)
    draws = rng.integers(0, len(a), size=(resamples, len(a)))
    values = np.array([_defined(statistic, a[rows], b[rows]) for rows in draws])
    kept = values[np.isfinite(values)]
    tail = (1 - confidence) / 2
    low, high = (float(np.quantile(kept, q)) for q in (tail, 1 - tail)) if kept.size else (math.nan, math.nan)
    return Estimate(float(statistic(a, b)), low, high, resamples, int(resamples - kept.size))


def _defined(statistic, a: np.ndarray, b: np.ndarray) -> float:
    if np.all(a == a[0]) or np.all(b == b[0]):
        return math.nan
    return statistic(a, b)


@dataclasses.dataclass(frozen=True)
class Agreement:
    """How a proxy's scores rank the architectures that a target's scores rank."""

    architectures: int
    tau: Estimate
    rho: Estimate


def rank_agreement(proxy: Sequence[float], target: Sequence[float], resamples: int = DEFAULT_RESAMPLES,
                   confidence: float = DEFAULT_CONFIDENCE, seed: int = 0) -> Agreement:
    """Kendall's tau-b and Spearman's rho of ``proxy`` against ``target``, with bootstrap intervals."""
    return Agreement(
        len(proxy),
        bootstrap(kendall_tau, proxy, target, resamples, confidence, seed),
        bootstrap(spearman_rho, proxy, target, resamples, confidence, seed),
    )


def coefficient_of_variation(values: Sequence[float]) -> float:
    """Sample standard deviation over the mean (NaN for fewer than 2 values or a mean of 0)."""
    values = [float(v) for v in values]
    if len(values) < 2:
        return math.nan
    mean = sum(values) / len(values)
    if mean == 0:
        return math.nan
    return float(np.std(values, ddof=1) / abs(mean))


def _check_pairs(a: Sequence[float], b: Sequence[float]) -> None:
    if len(a) != len(b):
        raise ValueError(f"paired scores differ in length: {len(a)} and {len(b)}")
    if len(a) < 2:
        raise ValueError(f"a rank correlation needs at least 2 architectures, got {len(a)}")
    if not all(math.isfinite(float(v)) for v in (*a, *b)):
        raise ValueError("paired scores must be finite; leave out architectures whose trial failed")
