"""Mutations that stay inside the search space.

One mutation changes one decision, chosen uniformly among the decisions that
can change:

* a permutation step (an intermediate or output level) swaps its level with
  another block of the same pool that has a different level, so the multiset
  of levels is kept (changing one level alone would leave a level unplaced);
* any other step (offset, block type, a parent) takes another valid choice,
  uniformly.

Later decisions that the change made invalid (a second parent no longer above
the first, an offset that now leaves the level range) are redrawn uniformly;
every other decision is inherited.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from search_space.sampling import repair, step_masks
from search_space.encoding import Decisions
from search_space.masks import tables_for
from search_space.space import SearchSpace


def mutate(space: SearchSpace, decisions: Sequence[int], rng: np.random.Generator) -> Decisions:
    """A valid neighbour of ``decisions`` that differs in at least one decision."""
    decisions = list(decisions)
    masks = step_masks(space, decisions)
    pools = tables_for(space).pool

    def partners(t):  # other blocks of the same pool with another level: swap candidates
        return [u for u in range(len(decisions)) if pools[u] == pools[t] and decisions[u] != decisions[t]]

    options = [t for t in range(len(decisions)) if (partners(t) if pools[t] >= 0 else masks[t].sum() > 1)]
    if not options:  # a space with a single sample
        return tuple(decisions)
    step = options[rng.integers(len(options))]
    if pools[step] >= 0:
        swaps = partners(step)
        other = swaps[rng.integers(len(swaps))]
        decisions[step], decisions[other] = decisions[other], decisions[step]
    else:
        others = np.flatnonzero(masks[step])
        others = others[others != decisions[step]]
        decisions[step] = int(others[rng.integers(len(others))])
    return repair(space, decisions, rng)
