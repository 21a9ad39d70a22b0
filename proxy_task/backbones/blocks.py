"""Bottleneck and residual blocks and block groups of any block type (TF ``nn_blocks``, ``_block_group``)."""

from __future__ import annotations

import flax.linen as nn
import jax

from proxy_task.backbones.layers import ConvBN, activation_fn, stochastic_depth
from proxy_task.backbones.mbconv import MBConv
from proxy_task.backbones.options import BackboneOptions
from search_space.mbconv import MBConvSettings
from search_space.network_graph import needs_projection
from search_space.spec import BOTTLENECK, EXPANSION, MBCONV


class Bottleneck(nn.Module):
    """1x1 (F), 3x3 (F, stride), 1x1 (4F), then ``act(x + shortcut)``."""

    filters: int
    stride: int = 1
    use_projection: bool = False
    drop_rate: float = 0.0
    options: BackboneOptions = BackboneOptions()

    @nn.compact
    def __call__(self, x: jax.Array, train: bool) -> jax.Array:
        opts, out = self.options, self.filters * 4
        shortcut = x
        if self.use_projection:
            shortcut = ConvBN(out, 1, self.stride, activate=False, options=opts, name="shortcut")(x, train)
        y = ConvBN(self.filters, 1, options=opts, name="conv_0")(x, train)
        y = ConvBN(self.filters, 3, self.stride, options=opts, name="conv_1")(y, train)
        y = ConvBN(out, 1, activate=False, options=opts, name="conv_2")(y, train)
        y = stochastic_depth(self, y, self.drop_rate, train)
        return activation_fn(opts.activation)(y + shortcut)


class Residual(nn.Module):
    """3x3 (F, stride), 3x3 (F), then ``act(x + shortcut)``."""

    filters: int
    stride: int = 1
    use_projection: bool = False
    drop_rate: float = 0.0
    options: BackboneOptions = BackboneOptions()

    @nn.compact
    def __call__(self, x: jax.Array, train: bool) -> jax.Array:
        opts = self.options
        shortcut = x
        if self.use_projection:
            shortcut = ConvBN(self.filters, 1, self.stride, activate=False, options=opts, name="shortcut")(x, train)
        y = ConvBN(self.filters, 3, self.stride, options=opts, name="conv_0")(x, train)
        y = ConvBN(self.filters, 3, activate=False, options=opts, name="conv_1")(y, train)
        y = stochastic_depth(self, y, self.drop_rate, train)
        return activation_fn(opts.activation)(y + shortcut)


class BlockGroup(nn.Module):
    """``repeats`` blocks; only the first may stride and project (TF ``_block_group``).

    ``mbconv`` shapes MBConv blocks and is ignored by the others.
    """

    block_fn: str
    filters: int
    stride: int = 1
    repeats: int = 1
    drop_rate: float = 0.0
    options: BackboneOptions = BackboneOptions()
    mbconv: MBConvSettings = MBConvSettings()

    @nn.compact
    def __call__(self, x: jax.Array, train: bool) -> jax.Array:
        if self.block_fn == MBCONV:
            return self._mbconv_blocks(x, train)
        block_cls = Bottleneck if self.block_fn == BOTTLENECK else Residual
        out_channels = self.filters * EXPANSION[self.block_fn]
        project = needs_projection(x.shape[-1], out_channels, self.stride)
        for r in range(self.repeats):
            x = block_cls(
                self.filters,
                stride=self.stride if r == 0 else 1,
                use_projection=project and r == 0,
                drop_rate=self.drop_rate,
                options=self.options,
                name=f"block_{r}",
            )(x, train)
        return x

    def _mbconv_blocks(self, x: jax.Array, train: bool) -> jax.Array:
        # NOTE(reproduction): TF Model Garden's Mobile SpineNet builds repeats 2.. on the group's input, so
        # only the last repeat reaches the output; block_repeats is 1 in every Mobile SpineNet, and here
        # repeats follow one another as in the ResNet groups.
        for r in range(self.repeats):
            x = MBConv(self.filters, self.stride if r == 0 else 1, self.mbconv, self.drop_rate,
                       options=self.options, name=f"block_{r}")(x, train)
        return x
