"""The surrogate reward: its certified optimum, its ranking of SpineNet-49, its seeded noise."""

import numpy as np
import pytest

from proxy_task import surrogate_reward
from search_space.builtins import SPINENET_49
from search_space.encoding import decode, encode
from search_space.sampling import sample_uniform
from search_space.spaces import SPINENET_49_SPACE


def test_optimum_attains_the_bound_and_is_in_the_space():
    assert surrogate_reward.clean_reward(surrogate_reward.OPTIMUM) == pytest.approx(surrogate_reward.MAX_REWARD)
    decisions = encode(SPINENET_49_SPACE, surrogate_reward.OPTIMUM)
    assert decode(SPINENET_49_SPACE, decisions, name="surrogate-optimum") == surrogate_reward.OPTIMUM


def test_random_samples_stay_below_the_bound_and_spinenet_49_ranks_high():
    rng = np.random.default_rng(0)
    rewards = [surrogate_reward.clean_reward(decode(SPINENET_49_SPACE, sample_uniform(SPINENET_49_SPACE, rng)))
               for _ in range(300)]
    assert max(rewards) < surrogate_reward.MAX_REWARD
    assert surrogate_reward.clean_reward(SPINENET_49) > np.percentile(rewards, 95)


def test_noise_is_a_function_of_architecture_and_seed():
    a = surrogate_reward.reward(SPINENET_49, seed=0)
    assert a == surrogate_reward.reward(SPINENET_49.__class__(**{**SPINENET_49.__dict__, "name": "x"}), seed=0)
    assert a != surrogate_reward.reward(SPINENET_49, seed=1)
    assert abs(a - surrogate_reward.clean_reward(SPINENET_49)) < 5 * surrogate_reward.NOISE_STD
