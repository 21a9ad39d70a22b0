import dataclasses

import pytest

from search_space import SPINENET_49, R50_FPN, SpecError, validate
from search_space.spec import BlockSpec, ResNetFpnSpec, SpineNetSpec, StemSpec


def with_block(index: int, **changes) -> SpineNetSpec:
    blocks = list(SPINENET_49.blocks)
    blocks[index] = dataclasses.replace(blocks[index], **changes)
    return dataclasses.replace(SPINENET_49, blocks=tuple(blocks))


@pytest.mark.parametrize(
    "spec, fragments",
    [
        (with_block(4, parents=(3, 6)), ["block 4 (net[6])", "parent 6 is not an earlier block", "net[0..5]"]),
        (with_block(4, parents=(3, -1)), ["block 4", "parent -1"]),
        (with_block(2, parents=(3, 3)), ["block 2 (net[4])", "parent 3 is repeated"]),
        (with_block(1, block_fn="resnext"), ["block 1", "unknown block type 'resnext'", "bottleneck"]),
        (with_block(7, level=8), ["block 7", "level 8", "L1..L7"]),
        (with_block(3, level=0), ["block 3", "level 0"]),
        (with_block(10, is_output=False), ["no output block at level L4"]),
        (with_block(9, is_output=True), ["block 12: duplicate output level L5", "(block 9 is already the L5 output)"]),
        (dataclasses.replace(SPINENET_49, stem=StemSpec((2,))), ["stem [2] has 1 block"]),
        (dataclasses.replace(SPINENET_49, stem=StemSpec((3, 3))), ["stem block 0 is at level 3"]),
        (dataclasses.replace(SPINENET_49, stem=StemSpec((2, 4))), ["stem block 1 goes from level 2 to 4"]),
        (dataclasses.replace(SPINENET_49, min_level=0), ["output levels L0..L7 are invalid"]),
        (ResNetFpnSpec((3, 4, 0, 3)), ["blocks_per_level [3, 4, 0, 3]"]),
    ],
)
def test_validation_messages(spec, fragments):
    with pytest.raises(SpecError) as err:
        validate(spec)
    for fragment in fragments:
        assert fragment in str(err.value)


@pytest.mark.parametrize("size", [500, 100, 641])
def test_input_size_must_divide_the_coarsest_stride(size):
    with pytest.raises(SpecError, match=f"input size {size} is not divisible by 2\\^7=128"):
        validate(SPINENET_49, size)


def test_input_size_follows_the_coarsest_level():
    # Outputs only up to L5 and no block above L5: 32 divides 96.
    blocks = tuple(b for b in SPINENET_49.blocks if b.level <= 5)
    spec = SpineNetSpec(
        tuple(BlockSpec(b.level, b.block_fn, (0, 1), b.is_output) for b in blocks), max_level=5
    )
    validate(spec, 96)
    with pytest.raises(SpecError, match="2\\^5=32"):
        validate(spec, 80)


def test_valid_builtins_and_random_specs(random_specs):
    validate(SPINENET_49, 640)
    validate(R50_FPN, 640)
    for spec in random_specs(300, seed=2):
        validate(spec, 128)
