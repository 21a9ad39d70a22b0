"""An exponential moving average of the weights, evaluated instead of the final weights.

A short proxy ends while SGD still jitters around its optimum: the final step's
weights carry the noise of the last few batches into the reward. Their
average over the last ~``1 / (1 - decay)`` steps is a cheaper, smoother
estimate of where training went (Polyak averaging). Only the parameters are
averaged; batch-norm statistics are moving averages already and are taken as
they are at the end.

The decay warms up as ``min(decay, (1 + t) / (10 + t))`` at step ``t``, so
the average is not dominated by the random initial weights when a trial has
fewer steps than the decay's horizon.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp


def effective_decay(decay: float, step: jax.Array) -> jax.Array:
    """The decay used at (0-based) ``step``: ``decay``, lowered while few steps were averaged."""
    step = jnp.asarray(step, jnp.float32)
    return jnp.minimum(decay, (1.0 + step) / (10.0 + step))


def update_average(average, params, decay: float, step: jax.Array):
    """``average`` moved towards ``params`` (the weights after ``step``) by ``1 - effective_decay``."""
    weight = effective_decay(decay, step)
    return jax.tree_util.tree_map(lambda a, p: weight * a + (1.0 - weight) * p.astype(a.dtype), average, params)
