"""How good are a searcher's winners, retrained, and is one searcher better than another?

A campaign's score is its best winner's mean retrained reward (the mean over
the retraining seeds of each of its ``top_k`` winners, then the largest). A
searcher's score is the mean of its campaigns' scores. The interval is a
two-level bootstrap: campaigns are resampled (another draw of campaign seeds),
then each winner's retraining rewards (another draw of training seeds), so
both the search's luck and the retraining's noise widen it. A difference of two
searchers draws both independently in every resample.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from results.rank_agreement import DEFAULT_CONFIDENCE, DEFAULT_RESAMPLES, Estimate

# campaign -> winners -> retrained rewards of that winner (one per seed)
Campaigns = Sequence[Sequence[Sequence[float]]]


def campaign_score(winners: Sequence[Sequence[float]]) -> float:
    """The best winner's mean retrained reward (NaN when no winner has a retrained reward)."""
    means = [float(np.mean(rewards)) for rewards in winners if len(rewards)]
    return max(means) if means else float("nan")


def searcher_score(campaigns: Campaigns) -> float:
    scores = [s for s in (campaign_score(c) for c in campaigns) if np.isfinite(s)]
    return float(np.mean(scores)) if scores else float("nan")


def _draws(campaigns: Campaigns, resamples: int, rng: np.random.Generator) -> np.ndarray:
    campaigns = [c for c in campaigns if np.isfinite(campaign_score(c))]
    if not campaigns:
        return np.full(resamples, np.nan)
    out = np.empty(resamples)
    for b in range(resamples):
        picked = rng.integers(0, len(campaigns), size=len(campaigns))
        scores = []
        for index in picked:
            winners = [np.asarray(r, float) for r in campaigns[index] if len(r)]
            scores.append(max(float(rng.choice(r, size=r.size).mean()) for r in winners))
        out[b] = np.mean(scores)
    return out


def _estimate(value: float, draws: np.ndarray, confidence: float) -> Estimate:
    kept = draws[np.isfinite(draws)]
    tail = (1 - confidence) / 2
    if not kept.size:
        return Estimate(value, float("nan"), float("nan"), draws.size, draws.size)
    low, high = (float(np.quantile(kept, q)) for q in (tail, 1 - tail))
    return Estimate(value, low, high, draws.size, int(draws.size - kept.size))


def score_estimate(campaigns: Campaigns, resamples: int = DEFAULT_RESAMPLES,
                   confidence: float = DEFAULT_CONFIDENCE, seed: int = 0) -> Estimate:
    """A searcher's score with its two-level bootstrap interval."""
    draws = _draws(campaigns, resamples, np.random.default_rng(seed))
    return _estimate(searcher_score(campaigns), draws, confidence)


def difference_estimate(a: Campaigns, b: Campaigns, resamples: int = DEFAULT_RESAMPLES,
                        confidence: float = DEFAULT_CONFIDENCE, seed: int = 0) -> Estimate:
    """Score of ``a`` minus score of ``b``, with its interval (positive: ``a`` better)."""
    rng = np.random.default_rng(seed)
    draws = _draws(a, resamples, rng) - _draws(b, resamples, rng)
    return _estimate(searcher_score(a) - searcher_score(b), draws, confidence)


def pooled_seed_sd(reward_lists: Sequence[Sequence[float]]) -> float:
    """The retraining's seed sd, pooled over architectures with two or more seeds."""
    groups = [np.asarray(r, float) for r in reward_lists if len(r) >= 2]
    dof = sum(g.size - 1 for g in groups)
    if not dof:
        return float("nan")
    return float(np.sqrt(sum(((g - g.mean()) ** 2).sum() for g in groups) / dof))
