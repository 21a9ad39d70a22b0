"""The weights' moving average: its warm-up, its update, and a bad decay."""

import jax.numpy as jnp
import numpy as np
import pytest

from proxy_task.config import TrainConfig
from proxy_task.weight_average import effective_decay, update_average


def test_decay_warms_up_then_holds():
    assert float(effective_decay(0.99, 0)) == pytest.approx(0.1)  # (1 + 0) / (10 + 0)
    assert float(effective_decay(0.99, 90)) == pytest.approx(0.91)  # 91 / 100
    assert float(effective_decay(0.99, 10_000)) == pytest.approx(0.99)


def test_update_moves_each_leaf_by_one_minus_decay():
    average = {"a": jnp.array([1.0, 2.0]), "b": {"kernel": jnp.array(4.0)}}
    params = {"a": jnp.array([3.0, 2.0]), "b": {"kernel": jnp.array(0.0)}}
    moved = update_average(average, params, decay=0.5, step=1000)
    np.testing.assert_allclose(moved["a"], [2.0, 2.0])
    np.testing.assert_allclose(moved["b"]["kernel"], 2.0)
    first = update_average(average, params, decay=0.5, step=0)  # warm-up: decay 0.1
    np.testing.assert_allclose(first["a"], [0.1 * 1 + 0.9 * 3, 2.0], rtol=1e-6)


@pytest.mark.parametrize("decay", [0.0, 1.0, -0.5])
def test_bad_decay_is_refused_with_its_value(decay):
    with pytest.raises(ValueError, match=f"ema_decay={decay}"):
        TrainConfig(ema_decay=decay)

