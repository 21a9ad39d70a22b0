"""Decode/encode: properties on random samples, SpineNet-49, refusals with reasons."""

import dataclasses

import numpy as np
import pytest

from search_space.sampling import sample_uniform
from search_space.builtins import SPINENET_49, SPINENET_49_TF16
from search_space.encoding import canonical_decisions, check_decisions, decode, encode
from search_space.errors import SpecError
from search_space.space import INTERMEDIATE_LEVEL, PARENT_1, SearchSpace, space_from_dict, space_to_dict
from search_space.spaces import BUILTIN_SPACES, R0_SP53, SPINENET_49_SPACE, get_space
from search_space.spec import BlockSpec, StemSpec
from search_space.validation import validate

SAMPLES_PER_SPACE = 600  # x 5 built-in spaces = 3,000 random samples


@pytest.mark.parametrize("space", list(BUILTIN_SPACES.values()), ids=lambda s: s.name)
def test_random_samples_round_trip(space):
    rng = np.random.default_rng(0)
    for _ in range(SAMPLES_PER_SPACE):
        decisions = sample_uniform(space, rng)
        spec = decode(space, decisions)
        validate(spec)
        canonical = encode(space, spec)
        assert decode(space, canonical) == spec
        assert encode(space, decode(space, canonical)) == canonical
        if len(space.level_offsets) == 1:  # no aliasing: the encoding is a bijection
            assert canonical == decisions
        else:
            assert canonical <= decisions  # the lexicographically smallest alias


def test_spinenet_49_is_in_the_spinenet_49_space():
    decisions = encode(SPINENET_49_SPACE, SPINENET_49)
    assert decode(SPINENET_49_SPACE, decisions, name="spinenet-49") == SPINENET_49
    levels = [SPINENET_49_SPACE.steps[t].values[d] for t, d in enumerate(decisions)
              if SPINENET_49_SPACE.steps[t].kind == INTERMEDIATE_LEVEL]
    assert sorted(levels) == list(SPINENET_49_SPACE.intermediate_levels)  # the R0-SP53 allocation


def test_spinenet_49_is_not_in_r0_sp53_and_the_message_says_why():
    with pytest.raises(SpecError, match=r"block 1: block_fn 'residual' is not a choice of space 'r0-sp53'"):
        encode(R0_SP53, SPINENET_49)
    bottlenecks = dataclasses.replace(
        SPINENET_49, blocks=tuple(dataclasses.replace(b, block_fn="bottleneck") for b in SPINENET_49.blocks)
    )
    # Level 6 (block 4) cannot come from R0-SP53's intermediate levels without adjustment.
    with pytest.raises(SpecError, match=r"block 4 \(net\[6\]\): level 6 is unreachable"):
        encode(R0_SP53, bottlenecks)


def _with_block(spec, k, **changes):
    blocks = list(spec.blocks)
    blocks[k] = dataclasses.replace(blocks[k], **changes)
    return dataclasses.replace(spec, blocks=tuple(blocks))


@pytest.mark.parametrize(
    "spec, message",
    [
        (_with_block(SPINENET_49, 9, parents=(2, 10)), r"block 9 \(net\[11\]\): parent_0 net\[2\] is outside"),
        (_with_block(SPINENET_49, 3, parents=(4, 2)), r"block 3 \(net\[5\]\): parents \[4, 2\] are not ascending"),
        (_with_block(SPINENET_49, 2, level=7), r"intermediate_level cannot be chosen"),
        (_with_block(SPINENET_49, 0, is_output=True, level=1), r"block 0: is_output=True"),
        (SPINENET_49_TF16, r"spec has 16 blocks; space 'spinenet-49' has 10 intermediate \+ 5 output"),
        (dataclasses.replace(SPINENET_49, stem=StemSpec((2, 2, 3))), r"stem \[2, 2, 3\] differs"),
    ],
)
def test_specs_outside_the_space_are_refused(spec, message):
    with pytest.raises(SpecError, match=message):
        encode(SPINENET_49_SPACE, spec)


def test_output_parents_may_be_any_earlier_block():
    spec = _with_block(SPINENET_49, 14, parents=(0, 15))
    assert decode(SPINENET_49_SPACE, encode(SPINENET_49_SPACE, spec), name=spec.name) == spec


def test_invalid_decisions_name_the_step():
    decisions = list(encode(SPINENET_49_SPACE, SPINENET_49))
    t = next(s.index for s in SPINENET_49_SPACE.steps if s.kind == PARENT_1 and s.block == 2)
    decisions[t] = decisions[t - 1]  # the second parent equal to the first
    with pytest.raises(SpecError, match=r"step \d+ \(parent_1 of block 2\): choice 2 is not valid"):
        decode(SPINENET_49_SPACE, decisions)
    with pytest.raises(SpecError, match="takes 70 decisions per sample, got 3"):
        check_decisions(SPINENET_49_SPACE, [0, 0, 0])


def test_level_steps_never_reuse_a_block():
    # After placing the only L2 and L5 intermediate blocks, choice 0 (L2) and 3 (L5) are refused.
    space = R0_SP53
    decisions = list(encode(space, decode(space, sample_uniform(space, np.random.default_rng(1)))))
    level_steps = [s.index for s in space.steps if s.kind == INTERMEDIATE_LEVEL]
    first_l2 = next(t for t in level_steps if decisions[t] == 0)
    later = next(t for t in level_steps if t > first_l2)
    decisions[later] = 0
    with pytest.raises(SpecError, match="intermediate_level"):
        check_decisions(space, decisions)


def test_out_of_range_offsets_are_masked():
    space = SearchSpace("narrow", StemSpec((2, 2)), (2, 3), level_offsets=(-1, 0, 1, 2), level_range=(2, 4))
    assert space.valid_offsets(2) == (0, 1, 2)
    assert space.valid_offsets(3) == (-1, 0, 1)
    rng = np.random.default_rng(0)
    for _ in range(200):
        levels = [b.level for b in decode(space, sample_uniform(space, rng)).blocks if not b.is_output]
        assert all(2 <= level <= 4 for level in levels)


def test_canonical_decisions_pick_one_alias():
    rng = np.random.default_rng(3)
    for _ in range(50):
        decisions = sample_uniform(SPINENET_49_SPACE, rng)
        canonical = canonical_decisions(SPINENET_49_SPACE, decisions)
        assert decode(SPINENET_49_SPACE, canonical) == decode(SPINENET_49_SPACE, decisions)
        assert canonical_decisions(SPINENET_49_SPACE, canonical) == canonical


def test_spaces_round_trip_as_dicts_and_by_name():
    for name, space in BUILTIN_SPACES.items():
        assert space_from_dict(space_to_dict(space)) == space
        assert get_space(name.upper()) is space
    with pytest.raises(SpecError, match="unknown search space"):
        get_space("r50")


def test_bad_space_configs_are_refused():
    with pytest.raises(SpecError, match="contiguous"):
        SearchSpace("x", StemSpec((2, 2)), (3,), output_levels=(3, 5))
    with pytest.raises(SpecError, match="cannot reach level_range"):
        SearchSpace("x", StemSpec((2, 2)), (2,), level_range=(3, 7))
    with pytest.raises(SpecError, match="include 0"):
        SearchSpace("x", StemSpec((2, 2)), (2,), level_offsets=(1, 2))


def test_block_spec_parents_of_decoded_intermediate_blocks_respect_the_window():
    rng = np.random.default_rng(5)
    space = SPINENET_49_SPACE
    for _ in range(100):
        spec = decode(space, sample_uniform(space, rng))
        for k, block in enumerate(spec.blocks[: space.num_intermediate]):
            net = space.num_stem + k
            assert all(p < space.num_stem or p >= net - space.parent_window for p in block.parents)
            assert isinstance(block, BlockSpec) and block.parents[0] < block.parents[1]
