"""The focal loss's written-out gradient equals autodiff of the textbook formula."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from proxy_task.detection import sigmoid_focal_loss


def _textbook(logits, targets, alpha, gamma):
    positive = targets > 0.5
    log_p_t = jnp.where(positive, jax.nn.log_sigmoid(logits), jax.nn.log_sigmoid(-logits))
    log_q = jnp.where(positive, jax.nn.log_sigmoid(-logits), jax.nn.log_sigmoid(logits))
    return -jnp.where(positive, alpha, 1 - alpha) * jnp.exp(gamma * log_q) * log_p_t


@pytest.mark.parametrize("gamma", [0.0, 1.5, 2.0])
def test_value_and_gradient_match_autodiff(gamma):
    logits = jnp.concatenate([jnp.linspace(-60.0, 60.0, 2001), 4.0 * jax.random.normal(jax.random.key(0), (4000,))])
    targets = (jax.random.uniform(jax.random.key(1), logits.shape) < 0.3).astype(jnp.float32)
    ours = jax.jit(jax.value_and_grad(lambda z: sigmoid_focal_loss(z, targets, 0.25, gamma).sum()))
    reference = jax.jit(jax.value_and_grad(lambda z: _textbook(z, targets, 0.25, gamma).sum()))
    (loss, grad), (want_loss, want_grad) = ours(logits), reference(logits)
    np.testing.assert_allclose(loss, want_loss, rtol=1e-6)
    np.testing.assert_allclose(grad, want_grad, rtol=1e-5, atol=1e-7)
