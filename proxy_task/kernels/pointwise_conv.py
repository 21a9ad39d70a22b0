"""``lax.conv_general_dilated`` whose 1x1 convolutions get matrix-product gradients.

Most of a SpineNet's convolutions are 1x1 (bottleneck ends, projections,
resampling, endpoints). Autodiff turns their gradients into convolutions too,
and XLA's CPU backend transposes activations and gradients into batch-minor
layouts to run them: about a sixth of a 512 px training step went to those
transposes. A 1x1 convolution is a matrix product over channels, so its
gradients are two ``dot_general`` (kernel: contract batch and space; input:
contract output channels), which need no layout change. The forward pass is
unchanged (the same convolution, so the program's convolutions and their
multiply-adds are what ``search_space.cost`` counts); gradients agree with
autodiff's to float rounding. ``conv_routing.conv_general_dilated`` routes 1x1
convolutions here.
"""

from __future__ import annotations

import functools

import jax
import jax.numpy as jnp
from jax import lax

NHWC = ("NHWC", "HWIO", "NHWC")  # dimension numbers of every routed convolution


@functools.partial(jax.custom_vjp, nondiff_argnums=(2, 3))
def pointwise_conv(x: jax.Array, kernel: jax.Array, strides: tuple[int, int], precision=None) -> jax.Array:
    """``[B, H, W, Cin] x [1, 1, Cin, Cout] -> [B, ceil(H/sh), ceil(W/sw), Cout]``."""
    return lax.conv_general_dilated(x, kernel, strides, "VALID", dimension_numbers=NHWC, precision=precision)


def _forward(x, kernel, strides, precision):
    return pointwise_conv(x, kernel, strides, precision), (x, kernel)


def _backward(strides, precision, residuals, g):
    x, kernel = residuals
    sh, sw = strides
    sampled = x[:, ::sh, ::sw, :] if strides != (1, 1) else x
    d_kernel = contract_over_images(sampled, g, precision)
    d_sampled = lax.dot_general(g, kernel[0, 0], (((3,), (1,)), ((), ())), precision=precision).astype(x.dtype)
    if strides != (1, 1):  # back onto the strided grid, zeros elsewhere
        _, height, width, _ = x.shape
        zero = jnp.zeros((), d_sampled.dtype)
        d_sampled = lax.pad(d_sampled, zero, [
            (0, 0, 0), (0, height - (d_sampled.shape[1] - 1) * sh - 1, sh - 1),
            (0, width - (d_sampled.shape[2] - 1) * sw - 1, sw - 1), (0, 0, 0),
        ])
    return d_sampled, d_kernel[None, None].astype(kernel.dtype)


pointwise_conv.defvjp(_forward, _backward)


def contract_over_images(a: jax.Array, g: jax.Array, precision=None) -> jax.Array:
    """``sum over batch and space of a^T g``: ``[B, ..., Ca] x [B, ..., Cg] -> [Ca, Cg]``.

    Contracted image by image, then summed: one product over all of batch and
    space makes XLA copy ``a`` into a channel-major layout first (about 40 ms
    per 33 MB activation at 512 px).
    """
    batch = a.shape[0]
    return lax.dot_general(a.reshape(batch, -1, a.shape[-1]), g.reshape(batch, -1, g.shape[-1]),
                           (((1,), (1,)), ((0,), (0,))), precision=precision).sum(0)
