"""``BackboneOptions.kernels``: whether a model uses the hand-written gradients of this folder.

``'on'``: convolutions go through ``conv_routing.conv_general_dilated`` (matrix-product
gradients for 1x1 convolutions, the stem and the class predictor) and the stride-2
max pools through ``max_pool.max_pool_3x3_s2``; ``'off'``: ``lax.conv_general_dilated``
and ``nn.max_pool``, the functions Flax would use; ``'auto'``: on for the CPU backend
only, where ``benchmarks/kernel_rates.py`` and ``benchmarks/speed.py`` measured the
gain; XLA's GPU and TPU kernels need no help. The forward values are the same either
way and the gradients agree to float rounding (``tests/proxy_task/kernels``); only
speed changes. The choice is made when the model is traced, from ``jax.default_backend()``.
"""

from __future__ import annotations

from typing import Callable

import flax.linen as nn
import jax
from jax import lax

from proxy_task.kernels.conv_routing import conv_general_dilated
from proxy_task.kernels.max_pool import max_pool_3x3_s2

KERNEL_SETTINGS = ("auto", "on", "off")


def kernels_on(setting: str) -> bool:
    """Whether ``setting`` (one of ``KERNEL_SETTINGS``) means the hand-written kernels, here and now."""
    if setting not in KERNEL_SETTINGS:
        raise ValueError(f"kernels {setting!r} is not a setting; use one of {list(KERNEL_SETTINGS)}")
    return jax.default_backend() == "cpu" if setting == "auto" else setting == "on"


def convolution(setting: str) -> Callable:
    """The ``conv_general_dilated`` to pass to ``nn.Conv`` under ``setting``."""
    return conv_general_dilated if kernels_on(setting) else lax.conv_general_dilated


def max_pool_stride_2(x: jax.Array, setting: str) -> jax.Array:
    """TF's ``MaxPool2D(3, strides=2, padding='SAME')`` under ``setting``."""
    if kernels_on(setting):
        return max_pool_3x3_s2(x)
    return nn.max_pool(x, (3, 3), strides=(2, 2), padding="SAME")
