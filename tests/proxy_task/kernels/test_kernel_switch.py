"""``BackboneOptions.kernels``: a whole RetinaNet gives the same values and gradients with the kernels on and off."""

import dataclasses

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from proxy_task.backbones import BackboneOptions
from proxy_task.kernels import kernels_on
from proxy_task.retinanet import RetinaNet
from search_space import R50_FPN, get_scaling, spec_from_tuples

# Outputs straight from the stem: the stem's pool, and resampling down by 32x (a stride-2 conv, then four pools).
TINY = spec_from_tuples([(level, "bottleneck", (0, 1), True) for level in (3, 4, 5, 6, 7)], name="tiny")
SCALING = get_scaling("proxy").replace(input_size=128)
CLASSES = 5


def _loss_and_gradients(spec, kernels: str):
    model = RetinaNet(spec, SCALING, CLASSES, BackboneOptions(kernels=kernels))
    images = jax.random.normal(jax.random.key(0), (2, 128, 128, 3))
    variables = model.init(jax.random.key(1), images, train=False)

    def loss(params, images):
        (classes, boxes), _ = model.apply({**variables, "params": params}, images, train=True,
                                          mutable=["batch_stats"])
        weights = jax.random.split(jax.random.key(2), 2 * len(classes))
        terms = [jnp.sum(out * jax.random.normal(w, out.shape))
                 for w, out in zip(weights, [*classes.values(), *boxes.values()])]
        return sum(terms)

    value, (d_params, d_images) = jax.jit(jax.value_and_grad(loss, argnums=(0, 1)))(variables["params"], images)
    return value, d_params, d_images


@pytest.mark.parametrize("spec", [TINY, pytest.param(R50_FPN, marks=pytest.mark.slow)], ids=["spinenet", "r50-fpn"])
def test_values_and_gradients_are_the_same_with_the_kernels_on_and_off(spec):
    on, off = _loss_and_gradients(spec, "on"), _loss_and_gradients(spec, "off")
    np.testing.assert_allclose(on[0], off[0], rtol=1e-5)
    np.testing.assert_allclose(on[2], off[2], rtol=1e-4, atol=1e-6)
    flat_on, flat_off = jax.tree_util.tree_leaves_with_path(on[1]), jax.tree_util.tree_leaves(off[1])
    # Float rounding relative to the largest gradient: a BN bias followed by another BN has a gradient of
    # zero in exact arithmetic, and its float32 value is noise whatever computes it.
    scale = max(float(jnp.max(jnp.abs(b))) for b in flat_off)
    for (path, a), b in zip(flat_on, flat_off):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-6 * scale, err_msg=jax.tree_util.keystr(path))


def _custom_gradients(kernels: str) -> int:
    model = RetinaNet(TINY, SCALING, CLASSES, BackboneOptions(kernels=kernels))
    images = jnp.zeros((1, 128, 128, 3))
    variables = jax.eval_shape(lambda: model.init(jax.random.key(0), images))
    jaxpr = jax.make_jaxpr(lambda v: model.apply(v, images))(variables)
    return str(jaxpr).count("custom_vjp_call")


def test_the_switch_chooses_the_kernels_and_auto_means_on_for_the_cpu_backend():
    assert jax.default_backend() == "cpu"
    assert kernels_on("auto") and kernels_on("on") and not kernels_on("off")
    routed = _custom_gradients("on")
    assert routed > 0 and _custom_gradients("auto") == routed and _custom_gradients("off") == 0


@pytest.mark.parametrize("backend", ["gpu", "tpu"])
def test_auto_keeps_the_cpu_kernels_off_accelerators(monkeypatch, backend):
    # The choice is made at trace time from jax.default_backend(): an accelerator's answer turns them off,
    # and "on" still asks for them (to compare both on a GPU).
    monkeypatch.setattr(jax, "default_backend", lambda: backend)
    assert not kernels_on("auto") and kernels_on("on")
    assert _custom_gradients("auto") == 0 and _custom_gradients("on") > 0


def test_an_unknown_setting_is_refused_by_name():
    with pytest.raises(ValueError, match=r"kernels 'fast' is not supported; use one of \['auto', 'on', 'off'\]"):
        BackboneOptions(kernels="fast")
    with pytest.raises(ValueError, match="kernels 'fast' is not a setting"):
        kernels_on("fast")


def test_the_option_is_a_config_value():
    assert dataclasses.asdict(BackboneOptions())["kernels"] == "auto"
