"""Layers of the RetinaNet head (TF ``RetinaNetHead``, TPU ``RetinanetHead``).

Class and box subnets of ``head_num_convs`` 3x3 convs with bias, shared across
levels, each followed by a BN per level; then 3x3 predictors with bias. With
``head_separable`` each of those convs is a 3x3 depthwise conv and a 1x1 conv with bias.
"""

from __future__ import annotations

from search_space.cost.layers import Conv, DepthwiseConv, Layer, Norm
from search_space.network_graph import level_size
from search_space.scaling import Scaling

ANCHORS_PER_LOCATION = 9  # 3 scales x 3 aspect ratios
BOX_COORDINATES = 4
COCO_NUM_CLASSES = 91  # TF convention: 90 categories + background


def head_layers(
    scaling: Scaling, min_level: int = 3, max_level: int = 7, num_classes: int = COCO_NUM_CLASSES
) -> list[Layer]:
    levels = range(min_level, max_level + 1)
    sizes = tuple(level_size(scaling.input_size, level) for level in levels)
    width = scaling.head_num_filters
    layers: list[Layer] = []
    for net, outputs in (("class_net", num_classes), ("box_net", BOX_COORDINATES)):
        c_in = scaling.endpoints_num_filters
        for i in range(scaling.head_num_convs):
            layers += _conv(f"{net}/conv_{i}", c_in, width, sizes, scaling.head_separable)
            layers += [Norm(f"{net}/bn_{i}_l{level}", width) for level in levels]
            c_in = width
        layers += _conv(f"{net}/predict", c_in, outputs * ANCHORS_PER_LOCATION, sizes, scaling.head_separable)
    return layers


def _conv(path: str, c_in: int, c_out: int, sizes: tuple[int, ...], separable: bool) -> list[Layer]:
    if separable:
        return [DepthwiseConv(f"{path}/depthwise", 3, c_in, sizes), Conv(f"{path}/pointwise", 1, c_in, c_out, sizes,
                                                                         bias=True)]
    return [Conv(path, 3, c_in, c_out, sizes, bias=True)]
