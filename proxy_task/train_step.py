"""The training state, its initial value, and the pure step functions: ``(state, batch) -> (state, metrics)``
and the evaluation step. Nothing here needs TensorFlow (``benchmarks/speed.py`` times these on JAX alone).

Anchor labelling runs inside the jitted step, on the device, from the padded
ground truth of the batch.
"""

from __future__ import annotations

import dataclasses
import functools
from typing import TYPE_CHECKING, Any

import flax
import jax
import jax.numpy as jnp
import optax

from proxy_task.detection import (
    BOX_COORDINATES, Anchors, LossConfig, MatchConfig, PostprocessConfig, flatten_level_outputs,
    label_anchors_batched, postprocess, retinanet_loss, split_level_outputs,
)
from proxy_task.optimizer import global_norm
from proxy_task.weight_average import update_average

if TYPE_CHECKING:
    from proxy_task.config import ProxyConfig


class NonFiniteLossError(FloatingPointError):
    """The training loss became NaN or infinite; the trial cannot give a reward."""


@flax.struct.dataclass
class TrainState:
    step: jax.Array
    params: Any
    batch_stats: Any
    opt_state: Any
    rng: jax.Array
    average: Any = None  # the weights' moving average (proxy_task.weight_average); None when off


@dataclasses.dataclass(frozen=True)
class StepContext:
    """Static things a step needs: the model, the optimizer, anchors and configs."""

    model: Any
    optimizer: optax.GradientTransformation
    anchors: Anchors
    num_classes: int
    match: MatchConfig
    loss: LossConfig
    postprocess: PostprocessConfig
    ema_decay: float | None = None  # None: no weight average


def create_state(context: StepContext, config: "ProxyConfig", replicated) -> TrainState:
    """The initial state of ``config.train.seed``: initialised weights, optimizer state, dropout key; jitted with
    ``replicated`` as its output sharding."""
    size = config.scaling.input_size
    images = jnp.zeros((1, size, size, 3), jnp.float32)

    # The key is an argument, not a constant: every seed shares one compiled init (and its cache entry).
    @functools.partial(jax.jit, out_shardings=replicated)
    def init(rng):
        init_rng, dropout_rng = jax.random.split(rng)
        variables = context.model.init(init_rng, images, train=False)
        params = variables["params"]
        return TrainState(
            step=jnp.zeros((), jnp.int32), params=params, batch_stats=variables["batch_stats"],
            opt_state=context.optimizer.init(params), rng=dropout_rng,
            average=None if context.ema_decay is None else params,
        )

    return init(jax.random.key(config.train.seed))


def outputs_to_flat(context: StepContext, class_outputs, box_outputs):
    classes = flatten_level_outputs(class_outputs, context.anchors, last_dim=context.num_classes)
    boxes = flatten_level_outputs(box_outputs, context.anchors, last_dim=BOX_COORDINATES)
    return classes.astype(jnp.float32), boxes.astype(jnp.float32)


def train_step(context: StepContext, state: TrainState, batch: dict) -> tuple[TrainState, dict]:
    # The named scopes tag the step's phases in profiles (benchmarks/profile_step.py).
    with jax.named_scope("anchor_labels"):
        labels = label_anchors_batched(
            jnp.asarray(context.anchors.boxes), batch["boxes"], batch["classes"], batch["is_crowd"], context.match
        )
    dropout_rng = jax.random.fold_in(state.rng, state.step)

    def loss_fn(params):
        (class_outputs, box_outputs), updates = context.model.apply(
            {"params": params, "batch_stats": state.batch_stats}, batch["image"], train=True,
            rngs={"dropout": dropout_rng}, mutable=["batch_stats"],
        )
        # Level by level: the concatenated [B, A, num_classes] logits and their
        # split gradient would cost two passes over the largest tensor of the step.
        with jax.named_scope("loss"):
            classes = split_level_outputs(class_outputs, context.anchors, last_dim=context.num_classes)
            boxes = split_level_outputs(box_outputs, context.anchors, last_dim=BOX_COORDINATES)
            total, metrics = retinanet_loss(classes, boxes, labels, context.loss)
        return total, (metrics, updates["batch_stats"])

    (loss, (metrics, batch_stats)), grads = jax.value_and_grad(loss_fn, has_aux=True)(state.params)
    with jax.named_scope("optimizer"):
        updates, opt_state = context.optimizer.update(grads, state.opt_state, state.params)
        params = optax.apply_updates(state.params, updates)
        new_state = state.replace(step=state.step + 1, params=params, batch_stats=batch_stats, opt_state=opt_state)
        metrics = dict(metrics, finite=jnp.isfinite(loss), grad_norm=global_norm(grads))
    if context.ema_decay is not None:
        with jax.named_scope("weight_average"):
            new_state = new_state.replace(average=update_average(state.average, params, context.ema_decay, state.step))
    return new_state, metrics


def eval_step(context: StepContext, state: TrainState, images: jax.Array, *, averaged: bool = False):
    """Detections of ``images`` by the state's weights, or by their moving average if ``averaged``."""
    params = state.average if averaged else state.params
    class_outputs, box_outputs = context.model.apply(
        {"params": params, "batch_stats": state.batch_stats}, images, train=False
    )
    classes, boxes = outputs_to_flat(context, class_outputs, box_outputs)
    return postprocess(classes, boxes, context.anchors, context.postprocess)
