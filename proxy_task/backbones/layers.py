"""Layers shared by every backbone: conv + BN (+ activation), resizing, stochastic depth."""

from __future__ import annotations

import flax.linen as nn
import jax
import jax.numpy as jnp

from proxy_task.backbones.batch_norm import BatchNorm
from proxy_task.backbones.options import BackboneOptions
from proxy_task.kernels import convolution, max_pool_stride_2

# Keras' default 'VarianceScaling': scale 1, fan_in, truncated normal.
KERNEL_INIT = nn.initializers.variance_scaling(1.0, "fan_in", "truncated_normal")


def activation_fn(name: str):
    return {"relu": nn.relu, "swish": nn.swish}[name]


def batch_norm(options: BackboneOptions, train: bool, name: str) -> BatchNorm:
    """The project's one BN configuration (momentum, epsilon, moving variance, dtype from ``options``)."""
    return BatchNorm(
        use_running_average=not train,
        momentum=options.norm_momentum,
        epsilon=options.norm_epsilon,
        moving_variance=options.norm_moving_variance,
        dtype=options.dtype,
        name=name,
    )


class ConvBN(nn.Module):
    """A bias-free 'SAME' conv, BN and (optionally) the activation.

    Parameters live at ``<name>/conv/kernel`` and ``<name>/bn/{scale,bias}``. With ``depthwise`` the conv
    filters each input channel alone (``features`` must then equal the input channels).
    """

    features: int
    kernel: int = 1
    stride: int = 1
    activate: bool = True
    depthwise: bool = False
    options: BackboneOptions = BackboneOptions()

    @nn.compact
    def __call__(self, x: jax.Array, train: bool) -> jax.Array:
        # A depthwise conv has a k x k x 1 kernel per channel (TF ``DepthwiseConv2D``, multiplier 1).
        groups = self.features if self.depthwise else 1
        x = nn.Conv(
            self.features,
            (self.kernel, self.kernel),
            strides=(self.stride, self.stride),
            padding="SAME",
            use_bias=False,
            feature_group_count=groups,
            kernel_init=KERNEL_INIT,
            dtype=self.options.dtype,
            conv_general_dilated=convolution(self.options.kernels),  # matmul gradients where they are faster
            name="conv",
        )(x)
        x = batch_norm(self.options, train, "bn")(x)
        return activation_fn(self.options.activation)(x) if self.activate else x


def max_pool_3x3_s2(x: jax.Array, options: BackboneOptions) -> jax.Array:
    """TF's ``MaxPool2D(3, strides=2, padding='SAME')`` (the stem's pool, and resampling down by 4x or more)."""
    return max_pool_stride_2(x, options.kernels)


def nearest_upsample(x: jax.Array, scale: int) -> jax.Array:
    """Nearest-neighbour upsampling by an integer factor (TF ``nearest_upsampling``)."""
    batch, height, width, channels = x.shape
    x = jnp.broadcast_to(x[:, :, None, :, None, :], (batch, height, scale, width, scale, channels))
    return x.reshape(batch, height * scale, width * scale, channels)


def stochastic_depth(module: nn.Module, x: jax.Array, rate: float, train: bool) -> jax.Array:
    """Drops the residual branch per example with probability ``rate`` (TF ``StochasticDepth``).

    Uses the module's 'dropout' RNG stream; a no-op at evaluation or rate 0.
    """
    if not train or rate <= 0.0:
        return x
    keep = 1.0 - rate
    mask = jax.random.bernoulli(module.make_rng("dropout"), keep, (x.shape[0], 1, 1, 1))
    return x / keep * mask.astype(x.dtype)
