"""The surrogate reward part-way through a training: a simulated learning curve.

Multi-fidelity search (``search.fidelity``) judges samples by the AP they
reach after a fraction of the training. On the surrogate that needs rewards at
any budget with what makes low budgets hard in real trainings: architectures
learn at different speeds (a fast starter can lead early and finish behind),
and an early read is noisier. So the reward at budget ``f`` in (0, 1] is::

    reward_at(f) = reward * (1 - exp(-k f)) / (1 - exp(-k)) + (1 - f) * e

where ``reward`` is the full-budget surrogate reward (``surrogate_reward.reward``,
so ``reward_at(1)`` equals it exactly), ``k`` the architecture's learning speed
(log-normal around ``RATE``, spread ``RATE_SPREAD``, a function of the
architecture) and ``e`` extra early noise (sd ``EARLY_NOISE_STD``, a function of
architecture, seed and budget). The curve is no model of COCO training: it is
there to test and measure schedulers, where rank crossings between budgets are
what matters.
"""

from __future__ import annotations

import hashlib
import math

import numpy as np

from proxy_task.surrogate_reward import reward
from search_space.canonical import spec_hash
from search_space.spec import SpineNetSpec

RATE = 4.0
RATE_SPREAD = 0.1
EARLY_NOISE_STD = 0.3


def _normal(*key: object) -> float:
    digest = hashlib.sha256("/".join(map(str, key)).encode()).digest()
    return float(np.random.default_rng(list(digest[:8])).normal())


def learning_rate(spec: SpineNetSpec) -> float:
    """How fast the architecture learns (``k``): a function of the architecture only."""
    return RATE * math.exp(RATE_SPREAD * _normal(spec_hash(spec), "rate"))


def reward_at(spec: SpineNetSpec, seed: int = 0, budget: float = 1.0) -> float:
    """The noisy surrogate AP after ``budget`` (a fraction in (0, 1]) of the training."""
    if not 0 < budget <= 1:
        raise ValueError(f"budget={budget}: a fraction of the training in (0, 1]")
    final = reward(spec, seed)
    if budget == 1:
        return final
    k = learning_rate(spec)
    curve = (1 - math.exp(-k * budget)) / (1 - math.exp(-k))
    return final * curve + (1 - budget) * EARLY_NOISE_STD * _normal(spec_hash(spec), seed, budget, "early")
