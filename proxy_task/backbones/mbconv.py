"""The MBConv block of Mobile SpineNet: an inverted bottleneck with squeeze-and-excitation.

TF Model Garden's ``InvertedBottleneckBlock`` as Mobile SpineNet configures it
(``docs/mobile-spinenet.md``): a 1x1 conv expands C_in to ``expand_ratio`` * C_in
channels (BN, activation; skipped at ratio 1), a k x k depthwise conv carries the
stride (BN, activation), squeeze-and-excitation gates the channels, and a 1x1
conv projects to C_out with BN and no activation. The input is added back, after
stochastic depth, when the block keeps its shape (stride 1, C_in == C_out); a
block that changes shape has no shortcut at all (no projection, unlike ResNet
blocks). Parameter paths::

    expand/{conv,bn}   depthwise/{conv,bn}   se/{reduce,expand}/{kernel,bias}   project/{conv,bn}
"""

from __future__ import annotations

import flax.linen as nn
import jax
import jax.numpy as jnp

from proxy_task.backbones.layers import KERNEL_INIT, ConvBN, stochastic_depth
from proxy_task.backbones.options import BackboneOptions
from search_space.mbconv import MBConvSettings, mbconv_expanded_filters, se_reduced_filters


# NOTE(reproduction): TF Model Garden's hard sigmoid is relu6(x + 3) * 0.16667, not / 6; the gates differ by
# 2e-5 of their value, which over Mobile SpineNet's 18 blocks moved its outputs by 1.2e-4 (docs/mobile-spinenet.md).
TF_HARD_SIGMOID_SLOPE = 0.16667


def tf_hard_sigmoid(x: jax.Array) -> jax.Array:
    return nn.relu6(x + 3.0) * TF_HARD_SIGMOID_SLOPE


class SqueezeExcitation(nn.Module):
    """Channel gates from the spatial mean: 1x1 conv down (ReLU), 1x1 conv up, hard sigmoid, times the input.

    Both convs have biases. ``reduced`` comes from the block's *input* width (TF's default), not the
    expanded width it gates.
    """

    reduced: int
    options: BackboneOptions = BackboneOptions()

    @nn.compact
    def __call__(self, x: jax.Array) -> jax.Array:
        conv = dict(kernel_size=(1, 1), use_bias=True, kernel_init=KERNEL_INIT, dtype=self.options.dtype)
        squeezed = jnp.mean(x, axis=(1, 2), keepdims=True)
        squeezed = nn.relu(nn.Conv(self.reduced, name="reduce", **conv)(squeezed))
        gates = tf_hard_sigmoid(nn.Conv(x.shape[-1], name="expand", **conv)(squeezed))
        return x * gates


class MBConv(nn.Module):
    """One inverted-bottleneck block from ``x.shape[-1]`` to ``filters`` channels."""

    filters: int
    stride: int = 1
    settings: MBConvSettings = MBConvSettings()
    drop_rate: float = 0.0
    options: BackboneOptions = BackboneOptions()

    @nn.compact
    def __call__(self, x: jax.Array, train: bool) -> jax.Array:
        opts, shape, in_filters = self.options, self.settings, x.shape[-1]
        expanded = mbconv_expanded_filters(in_filters, shape.expand_ratio)
        y = x
        if shape.expand_ratio > 1:
            y = ConvBN(expanded, 1, options=opts, name="expand")(y, train)
        y = ConvBN(expanded, shape.kernel_size, self.stride, depthwise=True, options=opts, name="depthwise")(y, train)
        if shape.se_ratio > 0:
            y = SqueezeExcitation(se_reduced_filters(in_filters, shape.se_ratio), opts, name="se")(y)
        y = ConvBN(self.filters, 1, activate=False, options=opts, name="project")(y, train)
        if self.stride == 1 and in_filters == self.filters:
            return x + stochastic_depth(self, y, self.drop_rate, train)
        return y

