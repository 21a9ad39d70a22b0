"""The RetinaNet head (TF ``RetinaNetHead``; ``spinenet.md`` §3.6).

Class and box subnets of ``num_convs`` 3x3 convs with bias, *shared across
levels*, each followed by a BN *per level* and the activation; then 3x3
predictors with bias. Kernels N(0, 0.01), predictors N(0, 1e-5); the class
bias starts at -log((1 - 0.01) / 0.01) so every anchor begins at prior 0.01.
Outputs per level: class logits ``[B, H, W, anchors * num_classes]`` and box
regressions ``[B, H, W, anchors * 4]``, channels laid out [anchor, class].

With ``separable`` (Mobile SpineNet's detectors) every 3x3 conv, predictors
included, is a separable conv as TF's ``SeparableConv2D`` builds it: a 3x3
depthwise conv without bias (``<conv>/depthwise``) and a 1x1 conv with bias
(``<conv>/pointwise``). TF leaves the tower's separable kernels at Keras'
default (Glorot uniform) and draws the predictors' from N(0, 0.03).
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


class SeparableConv(nn.Module):
    """A 3x3 depthwise conv (no bias) then a 1x1 conv with bias: TF's ``SeparableConv2D``, multiplier 1."""

    features: int
    kernel_init: Callable = nn.initializers.glorot_uniform()
    bias_init: Callable = nn.initializers.zeros
    options: BackboneOptions = BackboneOptions()

    @nn.compact
    def __call__(self, x: jax.Array) -> jax.Array:
        channels, dtype = x.shape[-1], self.options.dtype
        x = nn.Conv(channels, (3, 3), padding="SAME", feature_group_count=channels, use_bias=False,
                    kernel_init=self.kernel_init, dtype=dtype, name="depthwise")(x)
        return nn.Conv(self.features, (1, 1), kernel_init=self.kernel_init, bias_init=self.bias_init, dtype=dtype,
                       conv_general_dilated=convolution(self.options.kernels), name="pointwise")(x)


class Subnet(nn.Module):
    """A class or box subnet: shared convs, per-level BN, shared predictor."""

    outputs: int
    bias_init: Callable
    num_convs: int = 4
    num_filters: int = 256
    separable: bool = False
    options: BackboneOptions = BackboneOptions()

    @nn.compact
    def __call__(self, features: dict[int, jax.Array], train: bool) -> dict[int, jax.Array]:
        opts = self.options
        conv_general_dilated = convolution(opts.kernels)
        if self.separable:
            convs = [SeparableConv(self.num_filters, options=opts, name=f"conv_{i}") for i in range(self.num_convs)]
            predict = SeparableConv(self.outputs, nn.initializers.normal(0.03), self.bias_init, opts, name="predict")
        else:
            convs = [
                nn.Conv(
                    self.num_filters, (3, 3), padding="SAME", kernel_init=nn.initializers.normal(0.01),
                    dtype=opts.dtype, conv_general_dilated=conv_general_dilated, name=f"conv_{i}",
                )
                for i in range(self.num_convs)
            ]
            predict = nn.Conv(
                self.outputs, (3, 3), padding="SAME", kernel_init=nn.initializers.normal(1e-5),
                bias_init=self.bias_init, dtype=opts.dtype, conv_general_dilated=conv_general_dilated,
                name="predict",
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
    separable: bool = False
    options: BackboneOptions = BackboneOptions()

    @nn.compact
    def __call__(self, features: dict[int, jax.Array], train: bool = False):
        prior_bias = -math.log((1 - PRIOR_PROBABILITY) / PRIOR_PROBABILITY)
        size = dict(num_convs=self.num_convs, num_filters=self.num_filters, separable=self.separable,
                    options=self.options)
        classes = Subnet(
            self.num_anchors * self.num_classes, nn.initializers.constant(prior_bias), **size, name="class_net"
        )(features, train)
        boxes = Subnet(self.num_anchors * BOX_COORDINATES, nn.initializers.zeros, **size, name="box_net")(
            features, train
        )
        return classes, boxes
