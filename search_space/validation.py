"""Validity of a spec as a buildable network.

``validate`` raises ``SpecError`` at the first problem; the message names the
block (its index in the spec and in ``net``), the bad value and the fix.
"""

from __future__ import annotations

from search_space.errors import SpecError
from search_space.scaling import MAX_BLOCK_LEVEL, MIN_BLOCK_LEVEL
from search_space.spec import (BLOCK_FNS, BOTTLENECK, MBCONV, MOBILE_BLOCK_FNS, ArchitectureSpec, ResNetFpnSpec,
                               SpineNetSpec)

STEM_BLOCK_FNS = (BOTTLENECK, MBCONV)


def validate(spec: ArchitectureSpec, input_size: int | None = None) -> ArchitectureSpec:
    """Checks ``spec`` (and, if given, an input size for it); returns it unchanged."""
    if isinstance(spec, ResNetFpnSpec):
        _validate_resnet_fpn(spec)
    elif isinstance(spec, SpineNetSpec):
        _validate_output_range(spec.min_level, spec.max_level)
        _validate_stem(spec)
        for index, _ in enumerate(spec.blocks):
            _validate_block(spec, index)
        _validate_outputs(spec)
    else:
        raise SpecError(f"not an architecture spec: {spec!r}")
    if input_size is not None:
        validate_input_size(spec, input_size)
    return spec


def coarsest_level(spec: ArchitectureSpec) -> int:
    """The highest level any feature of the network has."""
    if isinstance(spec, ResNetFpnSpec):
        return max(spec.max_level, 5)
    levels = [b.level for b in spec.blocks] + list(spec.stem.levels)
    return max([spec.max_level] + levels)


def validate_input_size(spec: ArchitectureSpec, input_size: int) -> None:
    level = coarsest_level(spec)
    stride = 2**level
    if isinstance(input_size, bool) or not isinstance(input_size, int) or input_size <= 0:
        raise SpecError(f"input size {input_size!r} must be a positive integer")
    if input_size % stride:
        lower = max(stride, input_size // stride * stride)
        raise SpecError(
            f"input size {input_size} is not divisible by 2^{level}={stride} (the stride of the "
            f"coarsest level, L{level}); use a multiple of {stride}, e.g. {lower} or {lower + stride}"
        )


def _validate_output_range(min_level: int, max_level: int) -> None:
    if not (MIN_BLOCK_LEVEL <= min_level <= max_level <= MAX_BLOCK_LEVEL):
        raise SpecError(
            f"output levels L{min_level}..L{max_level} are invalid; need "
            f"{MIN_BLOCK_LEVEL} <= min_level <= max_level <= {MAX_BLOCK_LEVEL} (RetinaNet uses 3..7)"
        )


def _validate_stem(spec: SpineNetSpec) -> None:
    levels, first = spec.stem.levels, spec.stem.first_level
    if spec.stem.block_fn not in STEM_BLOCK_FNS:
        raise SpecError(f"stem block type {spec.stem.block_fn!r} is unknown; use 'bottleneck' (SpineNet) or "
                        "'mbconv' (Mobile SpineNet)")
    if len(levels) < 2:
        raise SpecError(
            f"stem {list(levels)} has {len(levels)} block(s); the first block needs two distinct "
            "parents, so give the stem at least 2 blocks, e.g. [2, 2]"
        )
    if levels[0] != first:
        after = "the 3x3/2 conv" if spec.is_mobile else "the 7x7/2 conv and the 3x3/2 max pool"
        raise SpecError(f"stem block 0 is at level {levels[0]}; a {spec.stem.block_fn} stem starts at level "
                        f"{first}, after {after}")
    for i in range(1, len(levels)):
        step = levels[i] - levels[i - 1]
        if step not in (0, 1):
            raise SpecError(
                f"stem block {i} goes from level {levels[i - 1]} to {levels[i]}; a ResNet stem is "
                "non-decreasing in steps of at most one level (e.g. [2, 2, 3, 4, 5])"
            )
    if levels[-1] > MAX_BLOCK_LEVEL:
        raise SpecError(f"stem level {levels[-1]} exceeds L{MAX_BLOCK_LEVEL}, the coarsest level supported")


def _validate_block(spec: SpineNetSpec, index: int) -> None:
    block = spec.blocks[index]
    net_index = spec.num_stem + index
    where = f"block {index} (net[{net_index}])"
    allowed = MOBILE_BLOCK_FNS if spec.is_mobile else BLOCK_FNS
    if block.block_fn not in BLOCK_FNS + MOBILE_BLOCK_FNS:
        raise SpecError(f"{where}: unknown block type {block.block_fn!r}; use one of {list(allowed)}")
    if block.block_fn not in allowed:
        family = "a Mobile SpineNet (mbconv stem)" if spec.is_mobile else "a SpineNet with a bottleneck stem"
        raise SpecError(f"{where}: block type {block.block_fn!r} cannot be built in {family}; use one of "
                        f"{list(allowed)}, or the stem of the other family")
    if not MIN_BLOCK_LEVEL <= block.level <= MAX_BLOCK_LEVEL:
        raise SpecError(
            f"{where}: level {block.level} is outside the supported levels "
            f"L{MIN_BLOCK_LEVEL}..L{MAX_BLOCK_LEVEL}; choose a level in that range"
        )
    if len(block.parents) != 2:
        raise SpecError(f"{where}: needs exactly two parents, got {list(block.parents)}")
    for parent in block.parents:
        if parent < 0 or parent >= net_index:
            raise SpecError(
                f"{where}: parent {parent} is not an earlier block; parents must index "
                f"net[0..{net_index - 1}] (the {spec.num_stem} stem blocks, then blocks built before it)"
            )
    if block.parents[0] == block.parents[1]:
        raise SpecError(f"{where}: parent {block.parents[0]} is repeated; the two parents must be distinct")


def _validate_outputs(spec: SpineNetSpec) -> None:
    seen: dict[int, int] = {}
    for index, block in enumerate(spec.blocks):
        if not block.is_output:
            continue
        if block.level in seen:
            raise SpecError(
                f"block {index}: duplicate output level L{block.level} (block {seen[block.level]} is "
                f"already the L{block.level} output); set is_output=False on one of them"
            )
        seen[block.level] = index
    for level in range(spec.min_level, spec.max_level + 1):
        if level not in seen:
            raise SpecError(
                f"no output block at level L{level}; each of L{spec.min_level}..L{spec.max_level} "
                "needs exactly one block with is_output=True"
            )


def _validate_resnet_fpn(spec: ResNetFpnSpec) -> None:
    _validate_output_range(spec.min_level, spec.max_level)
    if len(spec.blocks_per_level) != 4 or any(n < 1 for n in spec.blocks_per_level):
        raise SpecError(
            f"blocks_per_level {list(spec.blocks_per_level)}: need four positive counts for C2..C5, "
            "e.g. [3, 4, 6, 3] for ResNet-50"
        )
    if not 3 <= spec.min_level <= 5:
        raise SpecError(f"FPN min_level {spec.min_level} must be 3, 4 or 5 (a lateral ResNet level)")
