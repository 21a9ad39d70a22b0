"""A k x k convolution whose gradients are matrix products over image patches.

Autodiff turns a convolution's gradients into two more convolutions, and XLA's
CPU kernels run some of those shapes far below their forward speed: the
kernel gradient of the 7x7 stride-2 stem (3 input channels) at 62 GFLOP/s,
and both gradients of the class predictor (3x3, 64 -> 720 channels) at 170
to 220, against about 300 for the forward pass (2-core EPYC, 512 px, batch
8). Written as matrix products they run at 150 to 370 GFLOP/s:

* kernel gradient: the patches of the input (``im2col``) times the output
  gradient, contracting batch and space. Wide inputs stack the patches
  NHWC and contract image by image; thin inputs (the stem) stack them
  channel-major, because NHWC patches of 3 channels copy 12 bytes at a time.
* input gradient: the output gradient times the transposed kernel gives every
  tap's contribution at once; each tap is then added back at its offset
  (``col2im``, a pad per tap that XLA fuses into one loop).

The forward pass is the same convolution (so ``search_space.cost`` counts
what runs); gradients agree with autodiff's to float rounding. Only 'SAME'
or explicit padding, NHWC/HWIO, no dilation or groups: ``conv_routing`` routes.
"""

from __future__ import annotations

import functools

import jax
import jax.numpy as jnp
from jax import lax

from proxy_task.kernels.pointwise_conv import NHWC, contract_over_images

THIN_INPUT_CHANNELS = 4  # at most this many input channels: channel-major patches


def same_padding(size: int, kernel: int, stride: int) -> tuple[int, int]:
    """TF/XLA 'SAME' padding (low, high) of one spatial dimension."""
    total = max((-(-size // stride) - 1) * stride + kernel - size, 0)
    return total // 2, total - total // 2


@functools.partial(jax.custom_vjp, nondiff_argnums=(2, 3, 4))
def patch_conv(x: jax.Array, kernel: jax.Array, strides: tuple[int, int], padding: tuple[tuple[int, int], ...],
               precision=None) -> jax.Array:
    """``[B, H, W, Cin] x [kh, kw, Cin, Cout] -> [B, Ho, Wo, Cout]`` with explicit ``padding``."""
    return lax.conv_general_dilated(x, kernel, strides, padding, dimension_numbers=NHWC, precision=precision)


def _tap_windows(x: jax.Array, kernel_shape, strides, padding, out_shape):
    """Yields, tap by tap (row-major), the input each kernel tap sees: ``[B, Ho, Wo, Cin]``."""
    (lo_h, hi_h), (lo_w, hi_w) = padding
    padded = jnp.pad(x, ((0, 0), (lo_h, hi_h), (lo_w, hi_w), (0, 0)))
    (sh, sw), (ho, wo) = strides, out_shape
    for i in range(kernel_shape[0]):
        for j in range(kernel_shape[1]):
            yield padded[:, i:i + (ho - 1) * sh + 1:sh, j:j + (wo - 1) * sw + 1:sw, :]


def _kernel_gradient(x, g, kernel_shape, strides, padding, precision):
    windows = list(_tap_windows(x, kernel_shape, strides, padding, g.shape[1:3]))
    if kernel_shape[2] <= THIN_INPUT_CHANNELS:  # [taps, Cin, B, Ho, Wo] . [B, Ho, Wo, Cout]
        patches = jnp.stack([w.transpose(3, 0, 1, 2) for w in windows])
        grad = lax.dot_general(patches, g, (((2, 3, 4), (0, 1, 2)), ((), ())), precision=precision)
    else:  # NHWC patches [B, Ho, Wo, taps * Cin]
        grad = contract_over_images(jnp.concatenate(windows, axis=-1), g, precision)
    return grad.reshape(kernel_shape)


def _input_gradient(g, kernel, x_shape, strides, padding, precision):
    kh, kw, cin, _ = kernel.shape
    # Every tap's contribution at every output position: [B, Ho, Wo, kh, kw, Cin].
    spread = lax.dot_general(g, kernel, (((3,), (3,)), ((), ())), precision=precision)
    _, height, width, _ = x_shape
    (sh, sw), (ho, wo) = strides, g.shape[1:3]
    zero = jnp.zeros((), spread.dtype)
    total = None
    for i in range(kh):
        for j in range(kw):
            low_h, low_w = i - padding[0][0], j - padding[1][0]  # where output (0, 0)'s tap lands
            placed = lax.pad(spread[:, :, :, i, j, :], zero, [
                (0, 0, 0), (low_h, height - low_h - (ho - 1) * sh - 1, sh - 1),
                (low_w, width - low_w - (wo - 1) * sw - 1, sw - 1), (0, 0, 0)])
            total = placed if total is None else total + placed
    return total


def _forward(x, kernel, strides, padding, precision):
    return patch_conv(x, kernel, strides, padding, precision), (x, kernel)


def _backward(strides, padding, precision, residuals, g):
    x, kernel = residuals
    d_kernel = _kernel_gradient(x, g, kernel.shape, strides, padding, precision).astype(kernel.dtype)
    d_x = _input_gradient(g, kernel, x.shape, strides, padding, precision).astype(x.dtype)
    return d_x, d_kernel


patch_conv.defvjp(_forward, _backward)
