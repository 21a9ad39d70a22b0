"""The RetinaNet head (TF ``RetinaNetHead``; ``spinenet.md`` §3.6).

Class and box subnets of ``num_convs`` 3x3 convs with bias, *shared across
levels*, each followed by a BN *per level* and the activation; then 3x3
predictors with bias. Kernels N(0, 0.01), predictors N(0, 1e-5); the class
bias starts at -log((1 - 0.01) / 0.01) so every anchor begins at prior 0.01.
Outputs per level: class logits ``[B, H, W, anchors * num_classes]`` and box
regressions ``[B, H, W, anchors * 4]``, channels laid out [anchor, class].
"""

from __future__ import annotations

import math
from typing import Callable

import flax.linen as nn
import jax

from proxy_task.kernels import convolution
from proxy_task.backbones.layers import activation_fn, batch_norm
from proxy_task.backbones.options import BackboneOptions
from proxy_task.detection import BOX_COORDINATES, AnchorConfig

PRIOR_PROBABILITY = 0.01


class Subnet(nn.Module):
    """A class or box subnet: shared convs, per-level BN, shared predictor."""

    outputs: int
    bias_init: Callable
    num_convs: int = 4
    num_filters: int = 256
    options: BackboneOptions = BackboneOptions()

    @nn.compact
    def __call__(self, features: dict[int, jax.Array], train: bool) -> dict[int, jax.Array]:
        opts = self.options
        conv_general_dilated = convolution(opts.kernels)
        convs = [
            nn.Conv(
                self.num_filters, (3, 3), padding="SAME", kernel_init=nn.initializers.normal(0.01),
                dtype=opts.dtype, conv_general_dilated=conv_general_dilated, name=f"conv_{i}",
            )
            for i in range(self.num_convs)
        ]
        predict = nn.Conv(
            self.outputs, (3, 3), padding="SAME", kernel_init=nn.initializers.normal(1e-5),
            bias_init=self.bias_init, dtype=opts.dtype, conv_general_dilated=conv_general_dilated, name="predict",
        )
        results = {}
        for level, x in sorted(features.items()):
            for i, conv in enumerate(convs):
                x = batch_norm(opts, train, f"bn_{i}_l{level}")(conv(x))
                x = activation_fn(opts.activation)(x)
            results[level] = predict(x)
        return results


class RetinaNetHead(nn.Module):
    """Returns ``(class_logits, box_regressions)``, each ``{level: array}``."""

    num_classes: int
    num_convs: int = 4
    num_filters: int = 256
    num_anchors: int = AnchorConfig().anchors_per_location
    options: BackboneOptions = BackboneOptions()

    @nn.compact
    def __call__(self, features: dict[int, jax.Array], train: bool = False):
        prior_bias = -math.log((1 - PRIOR_PROBABILITY) / PRIOR_PROBABILITY)
        size = dict(num_convs=self.num_convs, num_filters=self.num_filters, options=self.options)
        classes = Subnet(
            self.num_anchors * self.num_classes, nn.initializers.constant(prior_bias), **size, name="class_net"
        )(features, train)
        boxes = Subnet(self.num_anchors * BOX_COORDINATES, nn.initializers.zeros, **size, name="box_net")(
            features, train
        )
        return classes, boxes
