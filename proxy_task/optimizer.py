"""SGD with momentum, L2 weight decay on kernels, warm-up and step decay (TF RetinaNet recipe)."""

from __future__ import annotations

import jax
from jax.flatten_util import ravel_pytree
import jax.numpy as jnp
import optax

from proxy_task.config import TrainConfig


def learning_rate_schedule(config: TrainConfig, batch_size: int, total_steps: int) -> optax.Schedule:
    peak = config.base_learning_rate * batch_size / config.base_batch_size
    warmup = int(config.warmup_fraction * total_steps)
    boundaries = {int(fraction * total_steps) - warmup: config.decay_factor for fraction in config.decay_at}
    decay = optax.piecewise_constant_schedule(peak, {b: s for b, s in boundaries.items() if b > 0})
    if warmup == 0:
        return decay
    return optax.join_schedules([optax.linear_schedule(0.0, peak, warmup), decay], [warmup])


def kernels_only(params):
    """Weight decay mask: conv kernels, not biases or BN scales (as TF's L2 loss)."""
    return jax.tree_util.tree_map_with_path(lambda path, _: path[-1].key == "kernel", params)


def make_optimizer(config: TrainConfig, batch_size: int, total_steps: int) -> optax.GradientTransformation:
    """SGD with momentum on all parameters at once; updates equal the per-parameter chain's.

    The momentum step runs on one concatenated vector (``optax.flatten``): the
    proxy model has ~430 parameter arrays, and a per-array update costs ~1,000
    tiny XLA operations per step, a tenth of a small-input step on CPU.
    """
    # TF adds weight_decay * l2_loss(w) = weight_decay * |w|^2 / 2 to the loss:
    # its gradient weight_decay * w goes through the momentum, as here. The
    # decay stays per array (it needs the mask); XLA fuses it into the concatenation.
    return optax.chain(
        optax.add_decayed_weights(config.weight_decay, mask=kernels_only),
        optax.flatten(optax.sgd(learning_rate_schedule(config, batch_size, total_steps), momentum=config.momentum)),
    )


def global_norm(tree) -> jax.Array:
    """The L2 norm of all leaves together, as one reduction over their concatenation.

    Same value as ``optax.global_norm``, as one reduction instead of small
    operations per parameter array (with the flattened optimizer, the ``cpu``
    preset's step went from 0.138 to 0.130 s).
    """
    flat, _ = ravel_pytree(tree)
    return jnp.sqrt(jnp.sum(jnp.square(flat)))
