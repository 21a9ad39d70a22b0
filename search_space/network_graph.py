"""What a SpineNet spec means as a network, resolved once for model and cost.

``resolve`` turns a (valid) ``SpineNetSpec`` and a ``Scaling`` into a tuple of
``Node``s, one per entry of ``net``, with widths, resolutions, resampled parents,
the zero-out-degree blocks merged into each output, and which nodes are *used*
(ancestors of an endpoint). The Flax model builds exactly the used nodes, and
``search_space.cost`` counts exactly them: that is what TF Model Garden's Keras
functional model does too, since layers off every path to an endpoint are not
part of it (``spinenet.md`` §1.2, §3.3).
"""

from __future__ import annotations

import dataclasses
import math

from search_space.scaling import Scaling, block_filters
from search_space.spec import EXPANSION, SpineNetSpec


@dataclasses.dataclass(frozen=True)
class Node:
    """One entry of ``net``: a stem block group or a scale-permuted block group.

    Attributes:
      index: position in ``net``.
      block: spec block index, or None for a stem group.
      level, block_fn: as in the spec (stem groups: the stem's block type).
      filters: the block's width C (its 3x3 conv width; an MBConv block's output width).
      channels: output channels, 4C for a bottleneck, C for a residual or MBConv block.
      size: spatial size (square), ceil(input_size / 2**level).
      parents: nodes resampled into this block (empty for the stem).
      merged: zero-out-degree nodes added raw into this output block.
      stem_input: for a stem group, the node it follows (None: the stem conv).
      is_output: whether the block is marked as an output.
      is_endpoint: whether it feeds an endpoint in [min_level, max_level].
      used: whether an endpoint depends on it.
      drop_fraction: (k+1)/len(blocks) for block k, the fraction of the initial
        stochastic-depth rate it gets (TF Model Garden); 0 for the stem.
    """

    index: int
    block: int | None
    level: int
    block_fn: str
    filters: int
    channels: int
    size: int
    parents: tuple[int, ...] = ()
    merged: tuple[int, ...] = ()
    stem_input: int | None = None
    is_output: bool = False
    is_endpoint: bool = False
    used: bool = True
    drop_fraction: float = 0.0


def needs_projection(in_channels: int, out_channels: int, stride: int) -> bool:
    """Whether a block group's first block projects its shortcut (TF's rule: unless shapes already match)."""
    return not (in_channels == out_channels and stride == 1)


def level_size(input_size: int, level: int) -> int:
    return int(math.ceil(input_size / 2**level))


def _stem_nodes(spec: SpineNetSpec, scaling: Scaling) -> list[Node]:
    nodes = []
    block_fn = spec.stem.block_fn
    for i, level in enumerate(spec.stem.levels):
        filters = block_filters(level, scaling.filter_size_scale, spec.is_mobile)
        nodes.append(
            Node(
                index=i,
                block=None,
                level=level,
                block_fn=block_fn,
                filters=filters,
                channels=filters * EXPANSION[block_fn],
                size=level_size(scaling.input_size, level),
                stem_input=i - 1 if i else None,
            )
        )
    return nodes


def _out_degrees(spec: SpineNetSpec) -> list[int]:
    # NOTE(reproduction): a stem group that feeds the next stem group counts as
    # having an out-edge. The official code counts only parent edges; the two
    # cases differ only for ResNet stems with blocks above L2, which have no
    # official implementation (in SpineNet's L2-only stem nothing can merge).
    num_stem = spec.num_stem
    return [1] * (num_stem - 1) + [0] + [0] * len(spec.blocks)


def resolve(spec: SpineNetSpec, scaling: Scaling) -> tuple[Node, ...]:
    """Resolves every node of ``net``; ``spec`` must already be valid."""
    nodes = _stem_nodes(spec, scaling)
    out_degree = _out_degrees(spec)
    num_blocks = len(spec.blocks)
    for k, block in enumerate(spec.blocks):
        filters = block_filters(block.level, scaling.filter_size_scale, spec.is_mobile)
        channels = filters * EXPANSION[block.block_fn]
        size = level_size(scaling.input_size, block.level)
        for parent in block.parents:
            out_degree[parent] += 1
        merged = []
        if block.is_output:
            # Same rule and order as the official scan: dangling blocks of the
            # same size and channel count are added raw, once, to the first
            # output block that matches them.
            for j, node in enumerate(nodes):
                if out_degree[j] == 0 and node.size == size and node.channels == channels:
                    merged.append(j)
                    out_degree[j] += 1
        nodes.append(
            Node(
                index=len(nodes),
                block=k,
                level=block.level,
                block_fn=block.block_fn,
                filters=filters,
                channels=channels,
                size=size,
                parents=tuple(block.parents),
                merged=tuple(merged),
                is_output=block.is_output,
                is_endpoint=block.is_output and spec.min_level <= block.level <= spec.max_level,
                drop_fraction=(k + 1) / num_blocks,
            )
        )
    return _mark_used(nodes)


def _mark_used(nodes: list[Node]) -> tuple[Node, ...]:
    used = set()
    stack = [node.index for node in nodes if node.is_endpoint]
    while stack:
        index = stack.pop()
        if index in used:
            continue
        used.add(index)
        node = nodes[index]
        stack.extend(node.parents)
        stack.extend(node.merged)
        if node.stem_input is not None:
            stack.append(node.stem_input)
    return tuple(dataclasses.replace(node, used=node.index in used) for node in nodes)


def endpoint_nodes(nodes: tuple[Node, ...]) -> dict[int, Node]:
    """The node feeding each endpoint level."""
    return {node.level: node for node in nodes if node.is_endpoint}
