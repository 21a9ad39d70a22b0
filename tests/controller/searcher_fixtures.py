"""Shared small spaces, searcher factories and a state comparison for controller tests."""

import jax
import numpy as np

from controller import make_searcher
from search_space.space import SearchSpace
from search_space.spec import StemSpec

SMALL = SearchSpace(
    "small", StemSpec((2, 2)), (2, 3, 4), output_levels=(3, 4, 5), parent_window=2,
    level_offsets=(-1, 0, 1), block_fns=("bottleneck", "residual"),
)

SMALL_SETTINGS = {
    "random": {},
    "evolution": {"population_size": 4, "tournament_size": 2},
    "reinforce": {"batch_size": 4, "hidden_size": 16},
}
KINDS = tuple(SMALL_SETTINGS)


def small_searcher(kind, seed=0, **overrides):
    return make_searcher(kind, SMALL, seed=seed, **{**SMALL_SETTINGS[kind], **overrides})


def toy_reward(decisions) -> float:
    """A deterministic reward that depends on the decisions."""
    return float(sum((i % 5) * d for i, d in enumerate(decisions)) % 17) / 16


def assert_states_equal(a, b):
    assert a["meta"] == b["meta"]
    leaves_a, tree_a = jax.tree.flatten(a["arrays"])
    leaves_b, tree_b = jax.tree.flatten(b["arrays"])
    assert tree_a == tree_b
    for x, y in zip(leaves_a, leaves_b):
        np.testing.assert_array_equal(np.asarray(x), np.asarray(y))
