"""Cross-scale resampling: SpineNet's with alpha (TF ``_resample_with_alpha``, ``spinenet.md`` §3.2) and
Mobile SpineNet's with depthwise convs (TF ``_resample_with_sepconv``)."""

from __future__ import annotations

import flax.linen as nn
import jax

from proxy_task.backbones.layers import ConvBN, max_pool_3x3_s2, nearest_upsample
from proxy_task.backbones.options import BackboneOptions


class Resample(nn.Module):
    """Brings a parent feature to a target block's resolution and width.

    1x1 conv to ``reduced`` = int(alpha * C_parent) channels (BN, act); to go
    down, a 3x3/2 conv (BN, act) then repeated 3x3/2 max pools; to go up,
    nearest upsampling; finally a 1x1 conv to ``target_channels`` with BN and
    no activation (the activation follows the fusion sum).

    NOTE(reproduction): downsampling by more than 2x uses TF Model Garden's
    repeated 3x3/2 max pools, not the TPU code's single larger max pool; both
    add no parameters or FLOPs.
    """

    reduced: int
    target_channels: int
    input_size: int
    target_size: int
    options: BackboneOptions = BackboneOptions()

    @nn.compact
    def __call__(self, x: jax.Array, train: bool) -> jax.Array:
        opts = self.options
        x = ConvBN(self.reduced, 1, options=opts, name="reduce")(x, train)
        size = self.input_size
        if size > self.target_size:
            x = ConvBN(self.reduced, 3, 2, options=opts, name="down")(x, train)
            size = -(-size // 2)
            while size > self.target_size:
                x = max_pool_3x3_s2(x, opts)
                size = -(-size // 2)
        elif size < self.target_size:
            x = nearest_upsample(x, self.target_size // size)
        return ConvBN(self.target_channels, 1, activate=False, options=opts, name="expand")(x, train)


class DepthwiseResample(nn.Module):
    """Mobile SpineNet's resampling: no reduction; a 3x3/2 depthwise conv (BN, act) per halving, or nearest
    upsampling; then a 1x1 conv to ``target_channels`` with BN and no activation.
    """

    target_channels: int
    input_size: int
    target_size: int
    options: BackboneOptions = BackboneOptions()

    @nn.compact
    def __call__(self, x: jax.Array, train: bool) -> jax.Array:
        opts, size, step = self.options, self.input_size, 0
        while size > self.target_size:
            x = ConvBN(x.shape[-1], 3, 2, depthwise=True, options=opts, name=f"down_{step}")(x, train)
            size, step = -(-size // 2), step + 1
        if size < self.target_size:
            x = nearest_upsample(x, self.target_size // size)
        return ConvBN(self.target_channels, 1, activate=False, options=opts, name="expand")(x, train)
