"""Batch norm's moving variance: the unbiased batch variance by default (TF Model Garden's), Flax's on request."""

import flax.linen as nn
import jax
import numpy as np
import pytest

from proxy_task.backbones.batch_norm import BatchNorm
from proxy_task.backbones.options import BackboneOptions

MOMENTUM = 0.9


def _train_step(module, x):
    variables = module.init(jax.random.key(0), x)
    y, updated = module.apply(variables, x, mutable=["batch_stats"])
    return np.asarray(y), jax.tree.map(np.asarray, updated["batch_stats"])


@pytest.mark.parametrize("shape", [(16, 1, 1, 4), (4, 2, 2, 3)])  # a batch-16 L7 map; 16 values per channel
def test_the_moving_variance_takes_the_unbiased_batch_variance(shape):
    x = 3.0 * np.asarray(jax.random.normal(jax.random.key(1), shape)) + 1.0
    y, stats = _train_step(BatchNorm(use_running_average=False, momentum=MOMENTUM), x)
    flat = x.reshape(-1, shape[-1])
    np.testing.assert_allclose(stats["var"], MOMENTUM + (1 - MOMENTUM) * flat.var(axis=0, ddof=1), rtol=1e-6)
    np.testing.assert_allclose(stats["mean"], (1 - MOMENTUM) * flat.mean(axis=0), rtol=1e-6, atol=1e-7)
    flax_y, flax_stats = _train_step(nn.BatchNorm(use_running_average=False, momentum=MOMENTUM), x)
    np.testing.assert_array_equal(y, flax_y)  # training normalises with the biased variance, as both do
    np.testing.assert_array_equal(stats["mean"], flax_stats["mean"])
    assert (stats["var"] > flax_stats["var"]).all()


def test_biased_is_flax_exactly_and_one_value_per_channel_is_left_alone():
    x = np.asarray(jax.random.normal(jax.random.key(2), (4, 3, 3, 5)))
    ours = _train_step(BatchNorm(use_running_average=False, momentum=MOMENTUM, moving_variance="biased"), x)
    flax = _train_step(nn.BatchNorm(use_running_average=False, momentum=MOMENTUM), x)
    jax.tree.map(np.testing.assert_array_equal, ours, flax)
    single = np.ones((1, 1, 1, 2), np.float32)  # n = 1: no unbiased variance exists
    _, stats = _train_step(BatchNorm(use_running_average=False, momentum=MOMENTUM), single)
    assert np.isfinite(stats["var"]).all()


def test_evaluation_uses_the_moving_statistics_untouched():
    x = np.asarray(jax.random.normal(jax.random.key(3), (2, 4, 4, 3)))
    module = BatchNorm(use_running_average=True, epsilon=1e-3)
    variables = module.init(jax.random.key(0), x)
    y, updated = module.apply(variables, x, mutable=["batch_stats"])
    jax.tree.map(np.testing.assert_array_equal, updated["batch_stats"], variables["batch_stats"])
    np.testing.assert_allclose(y, x / np.sqrt(1 + 1e-3), rtol=1e-6)  # fresh statistics: mean 0, variance 1


def test_the_option_defaults_to_the_official_convention_and_refuses_others():
    assert BackboneOptions().norm_moving_variance == "unbiased"
    with pytest.raises(ValueError, match="norm_moving_variance 'exact'.*'unbiased', 'biased'"):
        BackboneOptions(norm_moving_variance="exact")
