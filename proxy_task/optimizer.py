"""SGD with momentum, L2 weight decay on kernels, warm-up and step decay (TF RetinaNet recipe)."""

from __future__ import annotations

import jax
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
    # TF adds weight_decay * l2_loss(w) = weight_decay * |w|^2 / 2 to the loss:
    # its gradient weight_decay * w goes through the momentum, as here.
    return optax.chain(
        optax.add_decayed_weights(config.weight_decay, mask=kernels_only),
        optax.sgd(learning_rate_schedule(config, batch_size, total_steps), momentum=config.momentum),
    )
