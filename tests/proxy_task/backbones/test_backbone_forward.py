"""Backbones build and run: every scaling variant, R50-FPN and random specs."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from proxy_task.backbones import BackboneOptions, build_backbone
from search_space import R50_FPN, SPINENET_49, get_scaling


def variables_for(module, x, seed=0):
    """Random variables from the module's shapes, without compiling its init."""
    shapes = jax.eval_shape(lambda: module.init(jax.random.key(0), x))
    rng = np.random.default_rng(seed)

    def fill(path, leaf):
        name = path[-1].key
        if name == "kernel":  # He-like scale keeps activations finite through depth
            return rng.standard_normal(leaf.shape, dtype=np.float32) / np.sqrt(np.prod(leaf.shape[:-1]))
        return np.ones(leaf.shape, np.float32) if name in ("scale", "var") else np.zeros(leaf.shape, np.float32)

    return jax.tree_util.tree_map_with_path(fill, shapes)


def run(module, size=128, train=False, batch=2, seed=0):
    x = jax.random.uniform(jax.random.key(seed), (batch, size, size, 3))
    variables = variables_for(module, x)
    if not train:
        return jax.jit(lambda v, x: module.apply(v, x, train=False))(variables, x)
    apply = jax.jit(
        lambda v, x: module.apply(v, x, train=True, rngs={"dropout": jax.random.key(2)}, mutable=["batch_stats"])
    )
    features, updates = apply(variables, x)
    assert jax.tree_util.tree_structure(updates["batch_stats"]) == jax.tree_util.tree_structure(
        variables["batch_stats"]
    )
    return features


def check_endpoints(features, size, width, levels=range(3, 8), batch=2):
    assert sorted(features) == list(levels)
    for level, feature in features.items():
        assert feature.shape == (batch, size >> level, size >> level, width)
        assert bool(jnp.all(jnp.isfinite(feature)))


# The four largest scalings take 5-11 s each on the Xeon: full suite only.
@pytest.mark.parametrize("variant", ["49S", "49", "proxy", *(pytest.param(v, marks=pytest.mark.slow)
                                                          for v in ("96", "143", "143L", "190"))])
def test_every_variant_runs(variant):
    scaling = get_scaling(variant).replace(input_size=128)
    check_endpoints(run(build_backbone(SPINENET_49, scaling), batch=1), 128, scaling.endpoints_num_filters, batch=1)


def test_r50_fpn_runs():
    scaling = get_scaling("proxy").replace(input_size=128)
    check_endpoints(run(build_backbone(R50_FPN, scaling)), 128, 64)


def test_random_specs_run(random_specs):
    scaling = get_scaling("proxy").replace(input_size=128, endpoints_num_filters=16)
    for spec in random_specs(2, seed=5):
        check_endpoints(run(build_backbone(spec, scaling)), 128, 16)


@pytest.mark.slow
def test_train_mode_swish_and_stochastic_depth():
    scaling = get_scaling("proxy").replace(input_size=128)
    options = BackboneOptions(activation="swish", stochastic_depth_rate=0.5)
    module = build_backbone(SPINENET_49, scaling, options)
    a = run(module, train=True, seed=0)
    check_endpoints(a, 128, 64)
    # Stochastic depth draws from the 'dropout' stream: outputs differ from evaluation mode.
    b = run(module, train=False, seed=0)
    assert not np.allclose(np.asarray(a[3]), np.asarray(b[3]))


def test_bfloat16_compute():
    scaling = get_scaling("proxy").replace(input_size=128)
    module = build_backbone(SPINENET_49, scaling, BackboneOptions(compute_dtype="bfloat16"))
    features = run(module)
    assert all(f.dtype == jnp.bfloat16 for f in features.values())


def test_bad_options_and_inputs_are_refused():
    with pytest.raises(ValueError, match="activation 'gelu'"):
        BackboneOptions(activation="gelu")
    with pytest.raises(ValueError, match="stochastic_depth_rate"):
        BackboneOptions(stochastic_depth_rate=1.5)
    module = build_backbone(SPINENET_49, get_scaling("proxy").replace(input_size=128))
    with pytest.raises(ValueError, match="input size 96 is not divisible"):
        module.init(jax.random.key(0), jnp.zeros((1, 96, 96, 3)))
