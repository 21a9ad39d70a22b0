"""``lax.conv_general_dilated`` with matrix-product gradients where XLA's CPU kernels are slow.

Pass ``conv_general_dilated`` to ``nn.Conv``. Plain NHWC convolutions (no
dilation, no groups) are routed by shape; every other one runs unchanged:

* 1x1: ``pointwise_conv`` (gradients are two matrix products, no transposes);
* k x k with at most ``THIN_INPUT_CHANNELS`` inputs (the stem) or at least
  ``WIDE_OUTPUT_CHANNELS`` outputs (the class predictor with COCO's 80
  classes): ``patch_conv``;
* the rest (16 to 256 channels both sides): XLA's own gradients, which
  ``benchmarks`` measured as fast as the patch products or faster there.

The forward pass is always the same convolution; only gradients change.
"""

from __future__ import annotations

from jax import lax

from proxy_task.kernels.patch_conv import THIN_INPUT_CHANNELS, patch_conv, same_padding
from proxy_task.kernels.pointwise_conv import NHWC, pointwise_conv

WIDE_OUTPUT_CHANNELS = 256


def conv_general_dilated(lhs, rhs, window_strides, padding, lhs_dilation=None, rhs_dilation=None,
                         dimension_numbers=None, feature_group_count=1, precision=None, **kwargs):
    """``lax.conv_general_dilated``, with the fast gradient of ``lhs``/``rhs``'s shape where there is one."""
    plain = all(d is None or all(v == 1 for v in d) for d in (lhs_dilation, rhs_dilation))
    # None means lax's default, NCHW: routed only when the numbers say NHWC (flax always passes them).
    nhwc = dimension_numbers is not None and lax.conv_dimension_numbers(
        lhs.shape, rhs.shape, dimension_numbers) == lax.conv_dimension_numbers(lhs.shape, rhs.shape, NHWC)
    if not (lhs.ndim == 4 and plain and nhwc and feature_group_count == 1 and not kwargs):
        return _unchanged(lhs, rhs, window_strides, padding, lhs_dilation, rhs_dilation, dimension_numbers,
                          feature_group_count, precision, **kwargs)
    strides = tuple(window_strides)
    kh, kw, cin, cout = rhs.shape
    # A 1x1 window never reads 'SAME' padding: 'SAME' and 'VALID' give ceil(size / stride) outputs.
    unpadded = padding in ("SAME", "VALID") or all(tuple(p) == (0, 0) for p in padding)
    if (kh, kw) == (1, 1) and unpadded:
        return pointwise_conv(lhs, rhs, strides, precision)
    if cin <= THIN_INPUT_CHANNELS or cout >= WIDE_OUTPUT_CHANNELS:
        pads = _explicit_padding(padding, lhs.shape[1:3], (kh, kw), strides)
        if pads is not None:
            return patch_conv(lhs, rhs, strides, pads, precision)
    return _unchanged(lhs, rhs, window_strides, padding, lhs_dilation, rhs_dilation, dimension_numbers,
                      feature_group_count, precision, **kwargs)


def _explicit_padding(padding, spatial, window, strides):
    """``padding`` as ``((lo, hi), (lo, hi))``, or None for a form this module does not handle."""
    if padding == "SAME":
        return tuple(same_padding(n, k, s) for n, k, s in zip(spatial, window, strides))
    if padding == "VALID":
        return ((0, 0), (0, 0))
    if isinstance(padding, str):
        return None
    return tuple((int(lo), int(hi)) for lo, hi in padding)


def _unchanged(lhs, rhs, window_strides, padding, lhs_dilation, rhs_dilation, dimension_numbers,
               feature_group_count, precision, **kwargs):
    return lax.conv_general_dilated(lhs, rhs, window_strides, padding, lhs_dilation, rhs_dilation,
                                    dimension_numbers, feature_group_count, precision=precision, **kwargs)
