"""Parameters and FLOPs of a spec at a scaling, counted without building a model.

Params are trainable parameters (conv kernels and biases, BN scale and offset;
not BN moving statistics), FLOPs are batch-1 convolution multiply-adds, as the
official SpineNet figures count them (``spinenet.md`` §6.1).
"""

from __future__ import annotations

import dataclasses

from search_space.cost.head_layers import COCO_NUM_CLASSES, head_layers
from search_space.cost.layers import Conv, DepthwiseConv, Layer, Norm
from search_space.cost.resnet_fpn_layers import resnet_fpn_layers
from search_space.cost.spinenet_layers import spinenet_layers
from search_space.scaling import Scaling
from search_space.spec import ArchitectureSpec, ResNetFpnSpec
from search_space.validation import validate

__all__ = [
    "Conv", "DepthwiseConv", "Norm", "Layer", "CostReport", "backbone_layers", "head_layers", "count_cost",
    "expected_param_shapes", "COCO_NUM_CLASSES",
]


def backbone_layers(spec: ArchitectureSpec, scaling: Scaling) -> list[Layer]:
    validate(spec, scaling.input_size)
    if isinstance(spec, ResNetFpnSpec):
        return resnet_fpn_layers(spec, scaling)
    return spinenet_layers(spec, scaling)


@dataclasses.dataclass(frozen=True)
class CostReport:
    """Backbone and RetinaNet-head cost of one spec at one scaling."""

    backbone_params: int
    backbone_madds: int
    head_params: int
    head_madds: int

    @property
    def total_params(self) -> int:
        return self.backbone_params + self.head_params

    @property
    def total_madds(self) -> int:
        return self.backbone_madds + self.head_madds


def count_cost(spec: ArchitectureSpec, scaling: Scaling, num_classes: int = COCO_NUM_CLASSES) -> CostReport:
    """Counts the backbone alone and the RetinaNet head of ``scaling`` on top of it."""
    backbone = backbone_layers(spec, scaling)
    head = head_layers(scaling, spec.min_level, spec.max_level, num_classes)
    return CostReport(
        backbone_params=sum(layer.params for layer in backbone),
        backbone_madds=sum(layer.madds for layer in backbone),
        head_params=sum(layer.params for layer in head),
        head_madds=sum(layer.madds for layer in head),
    )


def expected_param_shapes(layers: list[Layer], prefix: str = "") -> dict[str, tuple[int, ...]]:
    """The Flax parameter leaves (path -> shape) that ``layers`` describe."""
    shapes: dict[str, tuple[int, ...]] = {}
    for layer in layers:
        for path, shape in layer.param_shapes().items():
            shapes[prefix + path] = shape
    return shapes
