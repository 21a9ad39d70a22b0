"""Layers of a SpineNet backbone, from its resolved ``net`` nodes."""

from __future__ import annotations

from search_space.cost.layers import Layer, block_group_layers, conv_bn
from search_space.network_graph import Node, endpoint_nodes, level_size, resolve
from search_space.scaling import STEM_CONV_FILTERS, Scaling
from search_space.spec import SpineNetSpec


def resample_layers(path: str, parent: Node, target: Node, alpha: float) -> list[Layer]:
    """TF ``_resample_with_alpha``: 1x1 to alpha*C, [3x3/2], then 1x1 to the target width."""
    reduced = int(parent.filters * alpha)
    layers = conv_bn(f"{path}/reduce", 1, parent.channels, reduced, parent.size)
    if parent.size > target.size:
        layers += conv_bn(f"{path}/down", 3, reduced, reduced, -(-parent.size // 2))
    layers += conv_bn(f"{path}/expand", 1, reduced, target.channels, target.size)
    return layers


def stem_layers(nodes: tuple[Node, ...], scaling: Scaling) -> list[Layer]:
    layers = conv_bn("stem", 7, 3, STEM_CONV_FILTERS, level_size(scaling.input_size, 1))
    for node in nodes:
        if node.block is not None or not node.used:
            continue
        previous = nodes[node.stem_input] if node.stem_input is not None else None
        in_channels = previous.channels if previous else STEM_CONV_FILTERS
        in_size = previous.size if previous else node.size
        stride = 2 if previous and previous.level < node.level else 1
        layers += block_group_layers(
            f"stem_group_{node.index}", node.block_fn, in_channels, node.filters, stride,
            scaling.block_repeats, in_size, node.size,
        )
    return layers


def permuted_layers(nodes: tuple[Node, ...], scaling: Scaling) -> list[Layer]:
    layers: list[Layer] = []
    for node in nodes:
        if node.block is None or not node.used:
            continue
        path = f"block_{node.block}"
        for p, parent in enumerate(node.parents):
            layers += resample_layers(f"{path}/resample_{p}", nodes[parent], node, scaling.resample_alpha)
        # Resampling already produced the block's width: no projection.
        layers += block_group_layers(
            f"{path}/group", node.block_fn, node.channels, node.filters, 1,
            scaling.block_repeats, node.size, node.size,
        )
    return layers


def endpoint_layers(nodes: tuple[Node, ...], scaling: Scaling) -> list[Layer]:
    layers: list[Layer] = []
    for level, node in sorted(endpoint_nodes(nodes).items()):
        layers += conv_bn(f"endpoint_{level}", 1, node.channels, scaling.endpoints_num_filters, node.size)
    return layers


def spinenet_layers(spec: SpineNetSpec, scaling: Scaling) -> list[Layer]:
    """Every conv and BN of the backbone, stem to endpoints."""
    nodes = resolve(spec, scaling)
    return stem_layers(nodes, scaling) + permuted_layers(nodes, scaling) + endpoint_layers(nodes, scaling)
