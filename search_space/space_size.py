"""How big a search space is: the paper's count, ours, and distinct networks.

Three exact (big-integer) counts, each a product of four factors:

* ``paper_size``: the paper's formulas (§3.1, ``spinenet.md`` §5.1) with N
  scale-permuted blocks, k outputs and m stem blocks: permutations
  (N-k)!·k!, connections prod_{i=m}^{N+m-1} C(i, 2) (every block may take any
  earlier block), level adjustments |offsets|^(N-k), types |types|^N.
* ``sequence_size``: the number of valid decision sequences of our encoding
  (``search_space.space``): same-level blocks are interchangeable, so the
  intermediate permutation is a multinomial; connections honour the parent
  window; offsets that leave ``level_range`` are not counted.
* ``architecture_count``: the number of distinct specs ``decode`` can build.
  It differs from ``sequence_size`` only with level adjustment, where two
  sequences can give the same levels.

The tests check all three by brute-force enumeration on tiny spaces.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
from collections import Counter

from search_space.space import SearchSpace


@dataclasses.dataclass(frozen=True)
class SpaceSize:
    """A search-space size as the product of its factors."""

    permutations: int
    connections: int
    level_adjustments: int
    block_types: int

    @property
    def total(self) -> int:
        return self.permutations * self.connections * self.level_adjustments * self.block_types


def paper_size(space: SearchSpace) -> SpaceSize:
    """The paper's formulas, blocks of equal level counted as distinct, no parent window."""
    n, k, m = space.num_blocks, space.num_output, space.num_stem
    return SpaceSize(
        permutations=math.factorial(n - k) * math.factorial(k),
        connections=math.prod(math.comb(i, 2) for i in range(m, n + m)),
        level_adjustments=len(space.level_offsets) ** (n - k),
        block_types=len(space.block_fns) ** n,
    )


def sequence_size(space: SearchSpace) -> SpaceSize:
    """The number of valid decision sequences, by factor."""
    return SpaceSize(
        permutations=_multinomial(space.intermediate_levels) * math.factorial(space.num_output),
        connections=_connections(space),
        level_adjustments=math.prod(len(space.valid_offsets(b)) for b in space.intermediate_levels),
        block_types=len(space.block_fns) ** space.num_blocks,
    )


def architecture_count(space: SearchSpace) -> int:
    """The number of distinct specs in the space."""
    if len(space.level_offsets) == 1:
        level_orders = _multinomial(space.intermediate_levels)
    else:
        low, high = space.level_range
        level_orders = sum(
            _multinomial(final)
            for final in itertools.combinations_with_replacement(range(low, high + 1), space.num_intermediate)
            if _reachable(space, final)
        )
    return (
        level_orders
        * math.factorial(space.num_output)
        * _connections(space)
        * len(space.block_fns) ** space.num_blocks
    )


def _connections(space: SearchSpace) -> int:
    return math.prod(math.comb(len(space.parent_candidates(b)), 2) for b in range(space.num_blocks))


def _multinomial(items) -> int:
    counts = Counter(items).values()
    return math.factorial(sum(counts)) // math.prod(math.factorial(c) for c in counts)


def _reachable(space: SearchSpace, final_levels: tuple[int, ...]) -> bool:
    """Whether the base levels can be matched one-to-one to ``final_levels`` by valid offsets."""
    bases = space.intermediate_levels
    owner: list[int | None] = [None] * len(bases)  # base index -> final-level index

    def augment(f: int, seen: set[int]) -> bool:
        for b, base in enumerate(bases):
            if b in seen or final_levels[f] - base not in space.valid_offsets(base):
                continue
            seen.add(b)
            if owner[b] is None or augment(owner[b], seen):
                owner[b] = f
                return True
        return False

    return all(augment(f, set()) for f in range(len(final_levels)))
