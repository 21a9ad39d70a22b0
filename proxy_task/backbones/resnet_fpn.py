"""ResNet (bottleneck, stride on the 3x3 conv) + FPN, e.g. R50-FPN (paper Table 3).

Matches ``search_space/cost/resnet_fpn_layers.py``: the TPU reference FPN with
1x1 laterals and 3x3 post-hoc convs (with bias) on C{min}..C5, top-down
nearest upsampling and sum, P6 = 3x3/2 conv of P5, P7 = 3x3/2 conv of act(P6),
and BN (no activation) on every output level.
"""

from __future__ import annotations

import flax.linen as nn
import jax

from proxy_task.backbones.blocks import BlockGroup
from proxy_task.backbones.layers import KERNEL_INIT, ConvBN, activation_fn, batch_norm, max_pool_3x3_s2, nearest_upsample
from proxy_task.backbones.options import BackboneOptions
from proxy_task.kernels import convolution
from search_space.cost.resnet_fpn_layers import RESNET_LEVELS, resnet_filters
from search_space.scaling import STEM_CONV_FILTERS, Scaling
from search_space.spec import ResNetFpnSpec
from search_space.validation import validate


class Fpn(nn.Module):
    min_level: int
    max_level: int
    width: int
    options: BackboneOptions = BackboneOptions()

    @nn.compact
    def __call__(self, features: dict[int, jax.Array], train: bool) -> dict[int, jax.Array]:
        opts = self.options
        conv = lambda k, s, name: nn.Conv(  # noqa: E731
            self.width, (k, k), strides=(s, s), padding="SAME", kernel_init=KERNEL_INIT,
            dtype=opts.dtype, conv_general_dilated=convolution(opts.kernels), name=name,
        )
        top = min(5, self.max_level)
        lateral = {l: conv(1, 1, f"lateral_{l}")(features[l]) for l in range(self.min_level, top + 1)}
        outputs = {top: lateral[top]}
        for level in range(top - 1, self.min_level - 1, -1):
            outputs[level] = nearest_upsample(outputs[level + 1], 2) + lateral[level]
        for level in range(self.min_level, top + 1):
            outputs[level] = conv(3, 1, f"post_hoc_{level}")(outputs[level])
        for level in range(top + 1, self.max_level + 1):
            x = outputs[level - 1]
            if level > top + 1:
                x = activation_fn(opts.activation)(x)
            outputs[level] = conv(3, 2, f"p{level}")(x)
        return {
            level: batch_norm(opts, train, f"bn_{level}")(outputs[level])
            for level in range(self.min_level, self.max_level + 1)
        }


class ResNetFpn(nn.Module):
    """Returns ``{level: [B, H, W, endpoints_num_filters]}`` for min..max level."""

    spec: ResNetFpnSpec
    scaling: Scaling
    options: BackboneOptions = BackboneOptions()

    @nn.compact
    def __call__(self, images: jax.Array, train: bool = False) -> dict[int, jax.Array]:
        validate(self.spec, images.shape[1])
        opts = self.options
        x = ConvBN(STEM_CONV_FILTERS, 7, 2, options=opts, name="stem")(images.astype(opts.dtype), train)
        x = max_pool_3x3_s2(x, opts)
        features = {}
        for level, repeats in zip(RESNET_LEVELS, self.spec.blocks_per_level):
            x = BlockGroup(
                "bottleneck", resnet_filters(level, self.scaling), 1 if level == 2 else 2, repeats,
                options=opts, name=f"res_{level}",
            )(x, train)
            features[level] = x
        fpn = Fpn(self.spec.min_level, self.spec.max_level, self.scaling.endpoints_num_filters, opts, name="fpn")
        return fpn(features, train)
