"""The proxy optimizer: SGD with momentum and kernel-only weight decay, run on one flat vector."""

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

from proxy_task.config import TrainConfig
from proxy_task.optimizer import global_norm, learning_rate_schedule, make_optimizer


def _params():
    keys = jax.random.split(jax.random.key(0), 4)
    return {
        "conv": {"kernel": jax.random.normal(keys[0], (3, 3, 2, 4)), "bias": jax.random.normal(keys[1], (4,))},
        "bn": {"scale": jax.random.normal(keys[2], (4,)), "bias": jax.random.normal(keys[3], (4,))},
    }


def test_flat_updates_equal_momentum_sgd_with_decay_on_kernels_only():
    config = TrainConfig(base_learning_rate=0.1, base_batch_size=8, warmup_fraction=0.2, weight_decay=0.01)
    optimizer = make_optimizer(config, batch_size=8, total_steps=10)
    schedule = learning_rate_schedule(config, 8, 10)
    params = _params()
    state = optimizer.init(params)
    expected, trace = params, jax.tree.map(jnp.zeros_like, params)
    for step in range(4):
        grads = jax.tree.map(lambda p, s=step: jnp.sin(p * (s + 1)), params)
        updates, state = optimizer.update(grads, state, params)
        params = optax.apply_updates(params, updates)
        # The same step written out by hand, array by array.
        decayed = jax.tree_util.tree_map_with_path(
            lambda path, g, p: g + 0.01 * p if path[-1].key == "kernel" else g, grads, expected
        )
        trace = jax.tree.map(lambda t, g: config.momentum * t + g, trace, decayed)
        expected = jax.tree.map(lambda p, t, s=step: p - schedule(s) * t, expected, trace)
        jax.tree.map(lambda a, b: np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7), params, expected)
    assert jax.tree.structure(params) == jax.tree.structure(_params())


def test_global_norm_equals_the_per_leaf_norm():
    params = _params()
    assert float(global_norm(params)) == pytest.approx(float(optax.global_norm(params)), rel=1e-6)
