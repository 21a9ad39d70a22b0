"""Uniform choices over valid decisions, in NumPy (random search, evolution, tests).

Each step's choice is uniform over the choices valid after the earlier ones
(``search_space.masks``), as pyglove's random DNA generator does; this is not
uniform over whole architectures (a block with fewer candidate parents gets
each one more often), which is the usual meaning of random search in NAS.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from search_space.encoding import Decisions
from search_space.masks import MaskWalker, tables_for
from search_space.space import SearchSpace


def _pick(mask: np.ndarray, rng: np.random.Generator) -> int:
    valid = np.flatnonzero(mask)
    return int(valid[rng.integers(len(valid))])


def sample_uniform(space: SearchSpace, rng: np.random.Generator) -> Decisions:
    """A random valid decision sequence, each step uniform over its valid choices."""
    walker = MaskWalker(tables_for(space))
    decisions = []
    while not walker.done:
        choice = _pick(walker.mask(), rng)
        decisions.append(choice)
        walker.advance(choice)
    return tuple(decisions)


def repair(space: SearchSpace, decisions: Sequence[int], rng: np.random.Generator) -> Decisions:
    """Keeps each decision that is still valid after the earlier ones; redraws the others uniformly."""
    walker = MaskWalker(tables_for(space))
    fixed = []
    for choice in decisions:
        mask = walker.mask()
        if not (0 <= choice < len(mask) and mask[choice]):
            choice = _pick(mask, rng)
        fixed.append(int(choice))
        walker.advance(choice)
    return tuple(fixed)


def step_masks(space: SearchSpace, decisions: Sequence[int]) -> np.ndarray:
    """[T, K] masks of valid choices along ``decisions``."""
    walker = MaskWalker(tables_for(space))
    masks = []
    for choice in decisions:
        masks.append(walker.mask())
        walker.advance(choice)
    return np.stack(masks)
