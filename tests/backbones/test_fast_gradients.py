"""The hand-written gradients (max pool, 1x1 convolution) equal autodiff's."""

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax import lax

from proxy_task.backbones.max_pool import max_pool_3x3_s2
from proxy_task.backbones.pointwise_conv import conv_general_dilated


def _reference_pool(x):
    return nn.max_pool(x, (3, 3), strides=(2, 2), padding="SAME")


def _grads(fn, x, weights):
    return jax.jit(jax.grad(lambda x: jnp.sum((fn(x) * weights).astype(jnp.float32))))(x)


@pytest.mark.parametrize("shape", [(2, 8, 8, 3), (2, 7, 9, 2), (1, 1, 1, 2), (1, 2, 3, 1), (2, 16, 11, 4)])
def test_max_pool_gradient_equals_select_and_scatter(shape):
    x = jax.random.normal(jax.random.key(0), shape)
    x = jnp.round(x * 2) / 2  # many ties, negative values too: the first maximum takes the gradient
    weights = jax.random.normal(jax.random.key(1), _reference_pool(x).shape)
    np.testing.assert_array_equal(max_pool_3x3_s2(x), _reference_pool(x))
    np.testing.assert_allclose(_grads(max_pool_3x3_s2, x, weights), _grads(_reference_pool, x, weights), atol=1e-6)


@pytest.mark.parametrize("shape, stride", [((2, 8, 8, 5), 1), ((2, 9, 7, 5), 2), ((1, 8, 8, 4), 2)])
def test_pointwise_conv_gradients_equal_autodiff(shape, stride):
    conv = dict(features=6, kernel_size=(1, 1), strides=(stride, stride), padding="SAME", use_bias=False)
    reference, fast = nn.Conv(**conv), nn.Conv(**conv, conv_general_dilated=conv_general_dilated)
    x = jax.random.normal(jax.random.key(0), shape)
    variables = reference.init(jax.random.key(1), x)
    weights = jax.random.normal(jax.random.key(2), reference.apply(variables, x).shape)

    def grads(module):
        loss = lambda v, x: jnp.sum(module.apply(v, x) * weights)  # noqa: E731
        return jax.tree.leaves(jax.jit(jax.grad(loss, argnums=(0, 1)))(variables, x))

    np.testing.assert_array_equal(fast.apply(variables, x), reference.apply(variables, x))
    for got, want in zip(grads(fast), grads(reference)):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)


def test_wider_kernels_pass_through_unchanged():
    x = jax.random.normal(jax.random.key(0), (1, 6, 6, 2))
    kernel = jax.random.normal(jax.random.key(1), (3, 3, 2, 3))
    numbers = ("NHWC", "HWIO", "NHWC")
    np.testing.assert_array_equal(
        conv_general_dilated(x, kernel, (2, 2), "SAME", dimension_numbers=numbers),
        lax.conv_general_dilated(x, kernel, (2, 2), "SAME", dimension_numbers=numbers),
    )
