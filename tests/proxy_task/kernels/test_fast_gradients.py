"""The hand-written gradients (max pool, 1x1 and patch-product convolutions) equal autodiff's."""

import functools

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax import lax

from proxy_task.kernels import conv_routing
from proxy_task.kernels.max_pool import max_pool_3x3_s2
from proxy_task.kernels.patch_conv import same_padding
from proxy_task.kernels.conv_routing import conv_general_dilated


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


def _outputs_and_gradients(conv: dict, shape):
    """``(output, [parameter and input gradients])`` of ``nn.Conv(**conv)``, routed and plain (fast first)."""
    reference, fast = nn.Conv(**conv), nn.Conv(**conv, conv_general_dilated=conv_general_dilated)
    x = jax.random.normal(jax.random.key(0), shape)
    variables = reference.init(jax.random.key(1), x)
    weights = jax.random.normal(jax.random.key(2), reference.apply(variables, x).shape)

    def run(module):
        loss = lambda v, x: jnp.sum(module.apply(v, x) * weights)  # noqa: E731
        grads = jax.tree.leaves(jax.jit(jax.grad(loss, argnums=(0, 1)))(variables, x))
        return module.apply(variables, x), grads

    return run(fast), run(reference)


@pytest.mark.parametrize("shape, stride", [((2, 8, 8, 5), 1), ((2, 9, 7, 5), 2), ((1, 8, 8, 4), 2)])
def test_pointwise_conv_gradients_equal_autodiff(shape, stride):
    conv = dict(features=6, kernel_size=(1, 1), strides=(stride, stride), padding="SAME", use_bias=False)
    (fast_out, fast_grads), (ref_out, ref_grads) = _outputs_and_gradients(conv, shape)
    np.testing.assert_array_equal(fast_out, ref_out)
    for got, want in zip(fast_grads, ref_grads):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("shape, features, kernel, stride, padding", [
    ((2, 16, 16, 3), 8, 7, 2, "SAME"),  # the stem: thin input, channel-major patches
    ((1, 13, 10, 3), 4, 7, 2, "SAME"),  # odd sizes: uneven 'SAME' padding
    ((2, 9, 7, 5), 300, 3, 1, "SAME"),  # a wide predictor: NHWC patches
    ((2, 8, 8, 5), 256, 3, 2, ((2, 0), (1, 1))),  # explicit, asymmetric padding and a stride
    ((1, 6, 6, 2), 3, 3, 1, "VALID"),
])
def test_patch_conv_gradients_equal_autodiff(shape, features, kernel, stride, padding):
    conv = dict(features=features, kernel_size=(kernel, kernel), strides=(stride, stride), padding=padding)
    (fast_out, fast_grads), (ref_out, ref_grads) = _outputs_and_gradients(conv, shape)
    np.testing.assert_allclose(fast_out, ref_out, rtol=1e-6, atol=1e-6)
    for got, want in zip(fast_grads, ref_grads):
        np.testing.assert_allclose(got, want, rtol=2e-5, atol=2e-5)


@pytest.mark.parametrize("size, kernel, stride", [(512, 7, 2), (13, 7, 2), (8, 3, 1), (9, 3, 2), (4, 1, 2)])
def test_same_padding_matches_xla(size, kernel, stride):
    x, w = jnp.ones((1, size, 1, 1)), jnp.ones((kernel, 1, 1, 1))
    numbers = ("NHWC", "HWIO", "NHWC")
    want = lax.conv_general_dilated(x, w, (stride, 1), "SAME", dimension_numbers=numbers)
    got = lax.conv_general_dilated(x, w, (stride, 1), [same_padding(size, kernel, stride), (0, 0)],
                                   dimension_numbers=numbers)
    np.testing.assert_array_equal(got, want)


def test_routing_by_shape(monkeypatch):
    calls = []
    monkeypatch.setattr(conv_routing, "patch_conv", lambda *a: calls.append("patch") or lax.conv_general_dilated(
        a[0], a[1], a[2], a[3], dimension_numbers=("NHWC", "HWIO", "NHWC")))
    monkeypatch.setattr(conv_routing, "pointwise_conv", lambda x, k, s, p: calls.append("pointwise") or
                        lax.conv_general_dilated(x, k, s, "VALID", dimension_numbers=("NHWC", "HWIO", "NHWC")))
    x3, x64 = jnp.ones((1, 8, 8, 3)), jnp.ones((1, 8, 8, 64))
    route = functools.partial(conv_routing.conv_general_dilated, dimension_numbers=("NHWC", "HWIO", "NHWC"))
    route(x3, jnp.ones((7, 7, 3, 8)), (2, 2), "SAME")  # stem
    route(x64, jnp.ones((3, 3, 64, 720)), (1, 1), "SAME")  # COCO class predictor
    route(x64, jnp.ones((1, 1, 64, 16)), (1, 1), "SAME")
    route(x64, jnp.ones((3, 3, 64, 64)), (1, 1), "SAME")  # XLA's own
    route(x64, jnp.ones((3, 3, 64, 720)), (1, 1), "SAME", rhs_dilation=(2, 2))  # dilated: XLA's own
    conv_routing.conv_general_dilated(jnp.ones((1, 3, 8, 8)), jnp.ones((8, 3, 7, 7)), (2, 2), "SAME")  # lax's NCHW
    assert calls == ["patch", "patch", "pointwise"]


def test_wider_kernels_pass_through_unchanged():
    x = jax.random.normal(jax.random.key(0), (1, 6, 6, 2))
    kernel = jax.random.normal(jax.random.key(1), (3, 3, 2, 3))
    numbers = ("NHWC", "HWIO", "NHWC")
    np.testing.assert_array_equal(
        conv_general_dilated(x, kernel, (2, 2), "SAME", dimension_numbers=numbers),
        lax.conv_general_dilated(x, kernel, (2, 2), "SAME", dimension_numbers=numbers),
    )
