"""Layers of a SpineNet backbone, from its resolved ``net`` nodes."""

from __future__ import annotations

from search_space.cost.layers import Layer, block_group_layers, conv_bn, depthwise_conv_bn
from search_space.network_graph import Node, endpoint_nodes, level_size, resolve
from search_space.scaling import Scaling, stem_conv
from search_space.spec import SpineNetSpec


def depthwise_resample_layers(path: str, parent: Node, target: Node) -> list[Layer]:
    """Mobile SpineNet's ``_resample_with_sepconv``: a 3x3/2 depthwise conv per halving, then 1x1 to the target."""
    layers, size, step = [], parent.size, 0
    while size > target.size:
        size = -(-size // 2)
        layers += depthwise_conv_bn(f"{path}/down_{step}", 3, parent.channels, size)
        step += 1
    return layers + conv_bn(f"{path}/expand", 1, parent.channels, target.channels, target.size)


def resample_layers(path: str, parent: Node, target: Node, alpha: float) -> list[Layer]:
    """TF ``_resample_with_alpha``: 1x1 to alpha*C, [3x3/2], then 1x1 to the target width."""
    reduced = int(parent.filters * alpha)
    layers = conv_bn(f"{path}/reduce", 1, parent.channels, reduced, parent.size)
    if parent.size > target.size:
        layers += conv_bn(f"{path}/down", 3, reduced, reduced, -(-parent.size // 2))
    layers += conv_bn(f"{path}/expand", 1, reduced, target.channels, target.size)
    return layers


def stem_layers(nodes: tuple[Node, ...], scaling: Scaling, mobile: bool) -> list[Layer]:
    kernel, conv_filters = stem_conv(mobile, scaling.filter_size_scale)
    layers = conv_bn("stem", kernel, 3, conv_filters, level_size(scaling.input_size, 1))
    for node in nodes:
        if node.block is not None or not node.used:
            continue
        previous = nodes[node.stem_input] if node.stem_input is not None else None
        in_channels = previous.channels if previous else conv_filters
        in_size = previous.size if previous else node.size
        stride = 2 if previous and previous.level < node.level else 1
        layers += block_group_layers(
            f"stem_group_{node.index}", node.block_fn, in_channels, node.filters, stride,
            scaling.block_repeats, in_size, node.size, scaling.mbconv(),
        )
    return layers


def permuted_layers(nodes: tuple[Node, ...], scaling: Scaling, mobile: bool) -> list[Layer]:
    layers: list[Layer] = []
    for node in nodes:
        if node.block is None or not node.used:
            continue
        path = f"block_{node.block}"
        for p, parent in enumerate(node.parents):
            if mobile:
                layers += depthwise_resample_layers(f"{path}/resample_{p}", nodes[parent], node)
            else:
                layers += resample_layers(f"{path}/resample_{p}", nodes[parent], node, scaling.resample_alpha)
        # Resampling already produced the block's width: no projection.
        layers += block_group_layers(
            f"{path}/group", node.block_fn, node.channels, node.filters, 1,
            scaling.block_repeats, node.size, node.size, scaling.mbconv(),
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
    mobile = spec.is_mobile
    return (stem_layers(nodes, scaling, mobile) + permuted_layers(nodes, scaling, mobile)
            + endpoint_layers(nodes, scaling))
