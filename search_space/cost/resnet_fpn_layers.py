"""Layers of a ResNet (bottleneck, v1.5 strides) + FPN backbone such as R50-FPN.

The FPN is the TPU reference's (``fpn.py``): 1x1 laterals and 3x3 post-hoc convs
with bias on C{min}..C5, P6 and P7 by stride-2 3x3 convs with bias, BN on each
output level.
"""

from __future__ import annotations

from search_space.cost.layers import Conv, Layer, Norm, block_group_layers, conv_bn
from search_space.network_graph import level_size
from search_space.scaling import STEM_CONV_FILTERS, Scaling
from search_space.spec import ResNetFpnSpec

RESNET_LEVELS = (2, 3, 4, 5)
RESNET_FILTERS = {2: 64, 3: 128, 4: 256, 5: 512}


def resnet_filters(level: int, scaling: Scaling) -> int:
    return int(RESNET_FILTERS[level] * scaling.filter_size_scale)


def resnet_layers(spec: ResNetFpnSpec, scaling: Scaling) -> list[Layer]:
    size = scaling.input_size
    layers = conv_bn("stem", 7, 3, STEM_CONV_FILTERS, level_size(size, 1))
    in_channels, in_size = STEM_CONV_FILTERS, level_size(size, 2)
    for level, repeats in zip(RESNET_LEVELS, spec.blocks_per_level):
        filters = resnet_filters(level, scaling)
        out_size = level_size(size, level)
        layers += block_group_layers(
            f"res_{level}", "bottleneck", in_channels, filters, 1 if level == 2 else 2,
            repeats, in_size, out_size,
        )
        in_channels, in_size = 4 * filters, out_size
    return layers


def fpn_layers(spec: ResNetFpnSpec, scaling: Scaling) -> list[Layer]:
    width, size = scaling.endpoints_num_filters, scaling.input_size
    top = min(5, spec.max_level)
    layers: list[Layer] = []
    for level in range(spec.min_level, top + 1):
        c_in = 4 * resnet_filters(level, scaling)
        layers.append(Conv(f"fpn/lateral_{level}", 1, c_in, width, (level_size(size, level),), bias=True))
    for level in range(spec.min_level, top + 1):
        layers.append(Conv(f"fpn/post_hoc_{level}", 3, width, width, (level_size(size, level),), bias=True))
    for level in range(top + 1, spec.max_level + 1):
        layers.append(Conv(f"fpn/p{level}", 3, width, width, (level_size(size, level),), bias=True))
    for level in range(spec.min_level, spec.max_level + 1):
        layers.append(Norm(f"fpn/bn_{level}", width))
    return layers


def resnet_fpn_layers(spec: ResNetFpnSpec, scaling: Scaling) -> list[Layer]:
    return resnet_layers(spec, scaling) + fpn_layers(spec, scaling)
