"""The reward cache reuses a reward for every spelling of one architecture (spec_hash)."""

import dataclasses

import numpy as np

from controller.dedup import RewardCache
from search_space.encoding import decode
from search_space.sampling import sample_uniform
from search_space.spaces import SPINENET_49_SPACE


def _with_block(spec, k, **changes):
    blocks = list(spec.blocks)
    blocks[k] = dataclasses.replace(blocks[k], **changes)
    return dataclasses.replace(spec, blocks=tuple(blocks))


def test_aliased_decisions_hash_equal_and_the_cache_reuses_rewards():
    rng = np.random.default_rng(0)
    cache = RewardCache()
    specs = [decode(SPINENET_49_SPACE, sample_uniform(SPINENET_49_SPACE, rng)) for _ in range(200)]
    for i, spec in enumerate(specs):
        assert cache.lookup(spec) is None  # random samples of this space practically never repeat
        cache.record(spec, float(i))
    swapped = _with_block(specs[7], 0, parents=tuple(reversed(specs[7].blocks[0].parents)))
    assert cache.lookup(swapped).reward == 7.0
    assert cache.hits == 1
    assert RewardCache.from_dict(cache.to_dict()).to_dict() == cache.to_dict()
