"""Architecture specs: frozen, hashable values that fully describe a backbone.

A SpineNet is a list of blocks built in order (the scale permutation). Block
``k`` of the spec creates entry ``len(stem) + k`` of a growing list ``net`` whose
first entries are the stem blocks; a block's two ``parents`` index ``net``, so
with SpineNet's two-block stem the numbering is exactly the official
``input_offsets`` (see ``../shared/reference/spinenet.md`` §1.1).

These types carry structure only. Widths, resolutions and costs come from a
``Scaling`` (``search_space.scaling``); the meaning of a spec as a network is
resolved by ``search_space.network_graph``; validity is checked by
``search_space.validation``.
"""

from __future__ import annotations

import dataclasses
from typing import Literal, Union

BOTTLENECK = "bottleneck"
RESIDUAL = "residual"
BLOCK_FNS = (BOTTLENECK, RESIDUAL)
# Mobile SpineNet's inverted bottleneck (``search_space.mbconv``): a network of MBConv blocks is a Mobile
# SpineNet, with its own stem, widths and resampling (``docs/mobile-spinenet.md``).
MBCONV = "mbconv"
MOBILE_BLOCK_FNS = (MBCONV,)

# Output channels of a block relative to its width C: 4C for a bottleneck, C otherwise.
EXPANSION = {BOTTLENECK: 4, RESIDUAL: 1, MBCONV: 1}


@dataclasses.dataclass(frozen=True)
class BlockSpec:
    """One scale-permuted block: official tuple ``(level, block_fn, parents, is_output)``.

    Attributes:
      level: feature level; the block's resolution is input_size / 2**level.
      block_fn: 'bottleneck' or 'residual'.
      parents: indices into ``net`` (stem blocks first) of the two inputs.
      is_output: whether this block feeds the endpoint of its level.
    """

    level: int
    block_fn: str
    parents: tuple[int, int]
    is_output: bool = False

    def __post_init__(self):
        # Lists would make the spec unhashable; callers may pass either.
        object.__setattr__(self, "parents", tuple(self.parents))

    def as_tuple(self) -> tuple[int, str, tuple[int, int], bool]:
        """The official TF Model Garden / TPU block-spec tuple."""
        return (self.level, self.block_fn, tuple(self.parents), self.is_output)


@dataclasses.dataclass(frozen=True)
class StemSpec:
    """The fixed scale-decreasing part built before the scale-permuted blocks.

    A 7x7/2 conv (64 filters), BN, activation and a 3x3/2 max pool, followed by
    one bottleneck block group per entry of ``levels``, built sequentially; a
    group at a higher level than the one before starts with stride 2. Every stem
    group is a candidate parent (``net[i]`` for entry ``i``).

    SpineNet's stem is ``(2, 2)``; R35-SP18's ResNet stem {L2:2, L3:3, L4:5, L5:1}
    is ``(2, 2, 3, 3, 3, 4, 4, 4, 4, 4, 5)``.

    With ``block_fn='mbconv'`` it is Mobile SpineNet's stem: a 3x3/2 conv (8 filters
    before scaling, no pool) then MBConv groups, ``(1, 2)``: an L1 block and an L2
    block of stride 2.
    """

    levels: tuple[int, ...] = (2, 2)
    block_fn: str = BOTTLENECK

    def __post_init__(self):
        object.__setattr__(self, "levels", tuple(self.levels))

    @classmethod
    def from_allocation(cls, blocks_per_level: dict[int, int]) -> "StemSpec":
        """A ResNet stem from a per-level allocation, e.g. ``{2: 2, 3: 3, 4: 5, 5: 1}``."""
        levels: list[int] = []
        for level in sorted(blocks_per_level):
            levels.extend([level] * blocks_per_level[level])
        return cls(tuple(levels))

    @property
    def first_level(self) -> int:
        """The level of the stem conv's output, where the first stem group must be."""
        return 1 if self.block_fn == MBCONV else 2

    def allocation(self) -> dict[int, int]:
        """Blocks per level, the inverse of ``from_allocation``."""
        counts: dict[int, int] = {}
        for level in self.levels:
            counts[level] = counts.get(level, 0) + 1
        return counts


@dataclasses.dataclass(frozen=True)
class SpineNetSpec:
    """A scale-permuted backbone: a stem, blocks in build order, output levels.

    Endpoints P{min_level}..P{max_level} are taken from the output block of each
    level. Output blocks at other levels are accepted and unused (the 16th,
    L2 output block of TF Model Garden's SpineNet-49 list is such a block).
    """

    blocks: tuple[BlockSpec, ...]
    stem: StemSpec = StemSpec()
    min_level: int = 3
    max_level: int = 7
    name: str = "custom"
    kind: Literal["spinenet"] = "spinenet"

    def __post_init__(self):
        object.__setattr__(self, "blocks", tuple(self.blocks))

    @property
    def num_stem(self) -> int:
        return len(self.stem.levels)

    @property
    def is_mobile(self) -> bool:
        """A Mobile SpineNet: MBConv stem and blocks, mobile widths, resampling by depthwise convs."""
        return self.stem.block_fn == MBCONV

    def block_tuples(self) -> list[tuple[int, str, tuple[int, int], bool]]:
        return [block.as_tuple() for block in self.blocks]


@dataclasses.dataclass(frozen=True)
class ResNetFpnSpec:
    """A scale-decreasing ResNet (bottleneck) followed by an FPN, e.g. R50-FPN.

    ``blocks_per_level`` are the bottleneck counts of C2..C5 ({3,4,6,3} for
    ResNet-50). The FPN takes C{min_level}..C5 laterally and adds P6, P7 by
    stride-2 3x3 convs, as the TPU reference RetinaNet does.
    """

    blocks_per_level: tuple[int, int, int, int] = (3, 4, 6, 3)
    min_level: int = 3
    max_level: int = 7
    name: str = "custom-fpn"
    kind: Literal["resnet_fpn"] = "resnet_fpn"

    def __post_init__(self):
        object.__setattr__(self, "blocks_per_level", tuple(self.blocks_per_level))


ArchitectureSpec = Union[SpineNetSpec, ResNetFpnSpec]


MOBILE_STEM = StemSpec((1, 2), MBCONV)
