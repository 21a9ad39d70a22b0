"""Which choices are valid at each decision step, as array tables.

The rules of a ``SearchSpace`` compile into four arrays (``MaskTables``) and
two small functions that work on NumPy and on ``jax.numpy`` alike (pass
``xp``), so random search, evolution, decoding and the RNN controller (inside
``jit``) all mask through the same code:

* ``static[t, c]``: choice ``c`` exists at step ``t`` and is allowed whatever
  came before (parents inside the window; ``parent_0`` is never the last
  candidate, so a larger ``parent_1`` always exists).
* ``pair[t, p, c]``: allowed given the previous decision ``p``. A
  ``level_offset`` step masks offsets that take its base level out of range;
  a ``parent_1`` step allows only ``c > parent_0`` (the two parents are
  distinct and, as an unordered pair, listed ascending). All-true elsewhere.
* ``pool[t]``: 0 for an ``intermediate_level`` step, 1 for an ``output_level``
  step, -1 otherwise; ``remaining[pool, c]`` counts the blocks of level choice
  ``c`` not yet placed, so a permutation never reuses a block.
"""

from __future__ import annotations

import functools
from typing import NamedTuple

import numpy as np

from search_space.space import (
    INTERMEDIATE_LEVEL,
    LEVEL_OFFSET,
    OUTPUT_LEVEL,
    PARENT_0,
    PARENT_1,
    SearchSpace,
)

INTERMEDIATE_POOL, OUTPUT_POOL = 0, 1


class MaskTables(NamedTuple):
    """The arrays of a space's masking rules (a pytree: map ``jnp.asarray`` over it)."""

    static: np.ndarray  # [T, K] bool
    pair: np.ndarray  # [T, K, K] bool, indexed [step, previous choice, choice]
    pool: np.ndarray  # [T] int32
    initial_remaining: np.ndarray  # [2, K] int32


def build_tables(space: SearchSpace) -> MaskTables:
    """Compiles ``space``'s rules; see the module docstring."""
    num_steps, width = space.num_steps, space.max_choices
    static = np.zeros((num_steps, width), bool)
    pair = np.ones((num_steps, width, width), bool)
    pool = np.full((num_steps,), -1, np.int32)
    remaining = np.zeros((2, width), np.int32)
    for i, level in enumerate(space.base_levels):
        remaining[INTERMEDIATE_POOL, i] = space.intermediate_levels.count(level)
    remaining[OUTPUT_POOL, : space.num_output] = 1
    for step in space.steps:
        t = step.index
        static[t, : step.num_choices] = True
        if step.kind == INTERMEDIATE_LEVEL:
            pool[t] = INTERMEDIATE_POOL
        elif step.kind == OUTPUT_LEVEL:
            pool[t] = OUTPUT_POOL
        elif step.kind == LEVEL_OFFSET:
            pair[t] = False
            for b, base in enumerate(space.base_levels):
                for o, offset in enumerate(space.level_offsets):
                    pair[t, b, o] = offset in space.valid_offsets(base)
        elif step.kind in (PARENT_0, PARENT_1):
            candidates = space.parent_candidates(step.block)
            static[t] = False
            static[t, list(candidates)] = True
            if step.kind == PARENT_0:
                static[t, candidates[-1]] = False
            else:
                pair[t] = np.triu(np.ones((width, width), bool), k=1)
    return MaskTables(static, pair, pool, remaining)


def step_mask(tables: MaskTables, t, remaining, prev, xp=np):
    """The valid choices at step ``t`` given the pools left and the previous choice.

    Args:
      tables: from ``build_tables`` (NumPy or JAX arrays, matching ``xp``).
      t: the step index (an int, or a traced scalar under JAX).
      remaining: [2, K] blocks left per pool and level choice.
      prev: the choice made at step ``t - 1`` (anything at step 0).
      xp: ``numpy`` or ``jax.numpy``.

    Returns:
      A [K] boolean mask.
    """
    pool = tables.pool[t]
    in_pool = remaining[xp.maximum(pool, 0)] > 0
    pool_ok = xp.where(pool >= 0, in_pool, True)
    return tables.static[t] & tables.pair[t, prev] & pool_ok


def consume(tables: MaskTables, t, remaining, choice, xp=np):
    """``remaining`` after taking ``choice`` at step ``t`` (unchanged off a pool step)."""
    pools = xp.arange(remaining.shape[0])[:, None] == tables.pool[t]
    chosen = xp.arange(remaining.shape[1])[None, :] == choice
    return remaining - (pools & chosen).astype(remaining.dtype)


class MaskWalker:
    """Walks a space step by step in NumPy: ``mask()``, then ``advance(choice)``."""

    def __init__(self, tables: MaskTables):
        self.tables = tables
        self.t = 0
        self.prev = 0
        self.remaining = tables.initial_remaining.copy()

    @property
    def done(self) -> bool:
        return self.t == len(self.tables.pool)

    def mask(self) -> np.ndarray:
        return step_mask(self.tables, self.t, self.remaining, self.prev)

    def advance(self, choice: int) -> None:
        self.remaining = consume(self.tables, self.t, self.remaining, choice)
        self.prev = int(choice)
        self.t += 1


@functools.lru_cache(maxsize=64)
def tables_for(space: SearchSpace) -> MaskTables:
    """``build_tables(space)``, built once per space (the arrays are read-only)."""
    tables = build_tables(space)
    for array in tables:
        array.setflags(write=False)
    return tables
