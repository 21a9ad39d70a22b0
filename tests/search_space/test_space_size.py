"""Space sizes: the paper's formulas, our counts, and brute-force enumeration."""

import itertools
import math

import pytest

from search_space.encoding import decode
from search_space.masks import consume, step_mask, tables_for
from search_space.space import SearchSpace
from search_space.space_size import architecture_count, paper_size, sequence_size
from search_space.spaces import BUILTIN_SPACES, R0_SP53, R35_SP18, SPINENET_49_SPACE
from search_space.spec import StemSpec


def enumerate_sequences(space):
    """Every valid decision sequence, by depth-first search over the masks."""
    tables = tables_for(space)
    out = []

    def walk(prefix, remaining, prev):
        t = len(prefix)
        if t == space.num_steps:
            out.append(tuple(prefix))
            return
        for choice in step_mask(tables, t, remaining, prev).nonzero()[0]:
            walk(prefix + [int(choice)], consume(tables, t, remaining, choice), int(choice))

    walk([], tables.initial_remaining, 0)
    return out


TINY_DISTINCT = SearchSpace(
    "tiny-distinct", StemSpec((2, 2)), (3, 4), output_levels=(3, 4), parent_window=None,
    level_offsets=(-1, 0, 1, 2),
)
TINY_MULTISET = SearchSpace(
    "tiny-multiset", StemSpec((2, 2)), (3, 3, 4), output_levels=(3,), parent_window=1,
    level_offsets=(0, 1, 2), level_range=(3, 5),
)
TINY_TYPES = SearchSpace(
    "tiny-types", StemSpec((2, 2)), (2,), output_levels=(3, 4), level_offsets=(0, 1),
    block_fns=("bottleneck", "residual"),
)
TINY_PERMUTATION = SearchSpace(
    "tiny-permutation", StemSpec((2, 2)), (2, 3, 3), output_levels=(3, 4), parent_window=1,
)


TINY_SPACES = [TINY_DISTINCT, TINY_MULTISET, TINY_TYPES, TINY_PERMUTATION]


@pytest.mark.parametrize("space", TINY_SPACES, ids=lambda s: s.name)
def test_counts_match_brute_force(space):
    sequences = enumerate_sequences(space)
    assert len(sequences) == len(set(sequences)) == sequence_size(space).total
    specs = {decode(space, d) for d in sequences}
    assert len(specs) == architecture_count(space)


def test_paper_formula_is_exact_when_blocks_are_distinct_and_unwindowed():
    # Distinct levels, every earlier block a candidate, no offset out of range:
    # the paper's count, ours and the brute-force count all agree.
    assert paper_size(TINY_DISTINCT) == sequence_size(TINY_DISTINCT)
    assert paper_size(TINY_DISTINCT).total == len(enumerate_sequences(TINY_DISTINCT)) == 4 * 180 * 16


def test_paper_permutation_count_is_labelled_multiset_permutations():
    levels = TINY_PERMUTATION.intermediate_levels
    labelled = list(itertools.permutations(range(len(levels))))
    distinct_orders = {tuple(levels[i] for i in p) for p in labelled}
    size = paper_size(TINY_PERMUTATION)
    assert size.permutations == len(labelled) * math.factorial(2) == 12
    assert sequence_size(TINY_PERMUTATION).permutations == len(distinct_orders) * math.factorial(2) == 6


def test_offsets_alias_levels():
    # Base levels {3, 4} with offsets -1..2: (4, 4) arises from (3+1, 4+0) and (4+0, 3+1).
    assert architecture_count(TINY_DISTINCT) < sequence_size(TINY_DISTINCT).total


def test_builtin_paper_sizes():
    # R0-SP53: N=15 blocks, m=2 stem blocks: 10!*5! * prod_{i=2}^{16} C(i,2).
    r0 = paper_size(R0_SP53)
    assert r0.permutations == math.factorial(10) * 120 == 435_456_000
    assert r0.connections == math.prod(math.comb(i, 2) for i in range(2, 17))
    s49 = paper_size(SPINENET_49_SPACE)
    assert s49.total == r0.total * 4**10 * 2**15
    # R35-SP18: N=6, m=11: 1!*5! * prod_{i=11}^{16} C(i,2); its window never binds.
    assert paper_size(R35_SP18).total == 120 * math.prod(math.comb(i, 2) for i in range(11, 17))
    assert sequence_size(R35_SP18) == paper_size(R35_SP18)


def test_builtin_sequence_sizes_are_pinned():
    totals = {name: sequence_size(space).total for name, space in BUILTIN_SPACES.items()}
    assert totals["r0-sp53"] == 604800 * 65089466739657360000
    assert sequence_size(R0_SP53).permutations == math.factorial(10) // (1 * 6 * 120 * 1) * 120
    assert totals["spinenet-49"] == totals["r0-sp53"] * 4**10 * 2**15
    for name, space in BUILTIN_SPACES.items():
        assert architecture_count(space) <= totals[name] <= paper_size(space).total
