"""The canonical hash: equal for the same network however it was reached."""

import dataclasses

from search_space.builtins import SPINENET_49, SPINENET_49_TF16
from search_space.canonical import spec_hash
from search_space.serialization import spec_from_tuples


def _with_block(spec, k, **changes):
    blocks = list(spec.blocks)
    blocks[k] = dataclasses.replace(blocks[k], **changes)
    return dataclasses.replace(spec, blocks=tuple(blocks))


def test_names_parent_order_and_unused_blocks_do_not_matter():
    h = spec_hash(SPINENET_49)
    assert spec_hash(dataclasses.replace(SPINENET_49, name="other")) == h
    assert spec_hash(_with_block(SPINENET_49, 3, parents=(4, 2))) == h
    assert spec_hash(SPINENET_49_TF16) == h  # the extra L2 output block is unused


def test_the_early_internal_ordering_of_spinenet_49_is_the_same_network():
    # spinenet.md §1.3: the L6 and L7 output blocks in the other order.
    tuples = [b.as_tuple() for b in SPINENET_49.blocks]
    tuples[13], tuples[14] = tuples[14], tuples[13]
    assert spec_hash(spec_from_tuples(tuples)) == spec_hash(SPINENET_49)


def test_changes_to_used_blocks_change_the_hash():
    h = spec_hash(SPINENET_49)
    assert spec_hash(_with_block(SPINENET_49, 2, block_fn="residual")) != h
    assert spec_hash(_with_block(SPINENET_49, 2, parents=(0, 2))) != h
    assert spec_hash(_with_block(SPINENET_49, 2, level=4)) != h


def test_a_resnet_fpn_is_identified_by_its_blocks_and_levels_not_its_name():
    import dataclasses

    from search_space import R50_FPN
    from search_space.canonical import spec_hash

    assert spec_hash(R50_FPN) == spec_hash(dataclasses.replace(R50_FPN, name="renamed"))
    assert spec_hash(R50_FPN) != spec_hash(dataclasses.replace(R50_FPN, blocks_per_level=(3, 4, 23, 3)))
    assert spec_hash(R50_FPN) != spec_hash(dataclasses.replace(R50_FPN, min_level=4))
