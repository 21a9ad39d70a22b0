"""The RetinaNet training loss: sigmoid focal loss plus Huber box loss.

Matches TF Model Garden's ``RetinaNetTask.build_losses`` (and the TPU repo's
``RetinanetClassLoss`` / ``RetinanetBoxLoss``):

* ``normalizer = (number of positive anchors in the whole batch) + 1``; the
  ``+ 1`` keeps an image without objects from dividing by zero.
* ``cls_loss = sum(focal(logits, one_hot(class_targets))) / normalizer`` over
  every anchor that is not ignored and every class channel. Negatives have
  all-zero targets; there is no background channel.
* ``box_loss = sum(huber(box_outputs - box_targets)) / (4 * normalizer)`` over
  positive anchors. The ``4`` is Keras ``Huber`` averaging over the last axis
  (TPU: ``normalizer = num_positives * 4.0``).
* ``total = cls_loss + box_loss_weight * box_loss``. Weight decay belongs to
  the trainer.

NOTE(reproduction): TF's heads predict ``num_classes = 91`` channels for COCO
(category ids 1..90; channel 0 is never positive). Ours predict exactly
``num_classes`` channels for contiguous class ids ``[0, num_classes)``; either
way background is "every channel off".
"""

from __future__ import annotations

import dataclasses
import functools
from typing import Sequence

import jax
import jax.numpy as jnp
import optax

from proxy_task.detection.anchor_labeler import AnchorLabels


@dataclasses.dataclass(frozen=True)
class LossConfig:
    """Weights of the RetinaNet loss (TF ``retinanet.Losses`` defaults).

    Attributes:
      focal_alpha: weight of positive targets in the focal loss.
      focal_gamma: focusing exponent on ``1 - p_t``.
      huber_delta: where the box loss turns from quadratic to linear.
      box_loss_weight: multiplier of the box loss in the total.
    """

    focal_alpha: float = 0.25
    focal_gamma: float = 1.5
    huber_delta: float = 0.1
    box_loss_weight: float = 50.0


@functools.partial(jax.custom_vjp, nondiff_argnums=(2, 3))
def sigmoid_focal_loss(logits: jax.Array, targets: jax.Array, alpha: float, gamma: float) -> jax.Array:
    """Element-wise sigmoid focal loss (Lin et al. 2017, eq. 5; TF ``FocalLoss``).

    ``-alpha_t * (1 - p_t)**gamma * log(p_t)``, with ``p_t = p`` and
    ``alpha_t = alpha`` where the target is 1, ``p_t = 1 - p`` and
    ``alpha_t = 1 - alpha`` where it is 0. Computed in log space
    (``log p = log_sigmoid(z)``, ``log(1 - p) = log_sigmoid(-z)``) so it stays
    finite, with finite gradients, for any logit. The gradient is written out
    (see ``_focal_slope``) and computed with the loss, in the same pass over
    the logits, instead of autodiff's chain through two softplus functions.

    Args:
      logits: ``[...]`` raw class scores ``z``.
      targets: ``[...]`` 0/1 targets, same shape (no gradient flows to them).
      alpha: positive-target weight (a Python number).
      gamma: focusing exponent, ``>= 0`` (a Python number).

    Returns:
      ``[...]`` float32 loss per element.
    """
    loss, _ = _focal_terms(logits, targets, alpha, gamma)
    return loss


def _focal_terms(logits, targets, alpha, gamma):
    """The loss and the pieces its gradient needs: three transcendentals per element."""
    logits = logits.astype(jnp.float32)
    is_positive = targets > 0.5
    margin = jnp.where(is_positive, logits, -logits)  # u, with p_t = sigmoid(u) and q = 1 - p_t = sigmoid(-u)
    # log_sigmoid(u) = -(max(-u, 0) + log1p(exp(-|u|))) and log_sigmoid(-u) share
    # the log1p term, and sigmoid(+-u) are 1 / (1 + e) and e / (1 + e) with
    # e = exp(-|u|): no cancellation, and no exponential of the logarithms.
    e = jnp.exp(-jnp.abs(margin))
    shared = jnp.log1p(e)
    log_p_t = -(jnp.maximum(-margin, 0.0) + shared)
    log_q = -(jnp.maximum(margin, 0.0) + shared)
    larger = 1.0 / (1.0 + e)
    p_t = jnp.where(margin >= 0.0, larger, e * larger)
    q = jnp.where(margin >= 0.0, e * larger, larger)
    alpha_t = jnp.where(is_positive, alpha, 1.0 - alpha)
    modulator = jnp.exp(gamma * log_q)
    return -alpha_t * modulator * log_p_t, (is_positive, p_t, q, log_p_t, alpha_t, modulator)


def _focal_forward(logits, targets, alpha, gamma):
    """Loss and gradient in one pass: the gradient reuses the loss's exponentials and logarithms."""
    loss, pieces = _focal_terms(logits, targets, alpha, gamma)
    return loss, _focal_slope(*pieces, gamma).astype(logits.dtype)


def _focal_slope(is_positive, p_t, q, log_p_t, alpha_t, modulator, gamma):
    """``dL/dz = -s * alpha_t * q**gamma * (q - gamma * p_t * log p_t)``, ``q = 1 - p_t``.

    ``s`` is +1 for positive targets and -1 for negative ones (``dp_t/dz = s * p_t * q``).
    """
    slope = alpha_t * modulator * (q - gamma * p_t * log_p_t)
    return jnp.where(is_positive, -slope, slope)


def _focal_backward(alpha, gamma, d_logits, g):
    del alpha, gamma
    return (g * d_logits).astype(d_logits.dtype), None


sigmoid_focal_loss.defvjp(_focal_forward, _focal_backward)


def retinanet_loss(
    class_outputs: jax.Array | Sequence[jax.Array],
    box_outputs: jax.Array | Sequence[jax.Array],
    labels: AnchorLabels,
    config: LossConfig = LossConfig(),
) -> tuple[jax.Array, dict[str, jax.Array]]:
    """The RetinaNet loss of a batch.

    Args:
      class_outputs: ``[B, A, num_classes]`` logits in anchor order
        (``flatten_level_outputs(head_classes, anchors, num_classes)``), or
        the same split into consecutive anchor chunks
        (``split_level_outputs``): the loss is then summed chunk by chunk and
        the concatenated logits never exist.
      box_outputs: ``[B, A, 4]`` box codes, or chunks split like the logits.
      labels: batched ``AnchorLabels`` (leading ``[B, A]``).
      config: loss weights.

    Returns:
      ``(total, metrics)``: the scalar loss to minimise, and scalars
      ``total_loss``, ``cls_loss``, ``box_loss`` (before ``box_loss_weight``)
      and ``num_positives``.
    """
    class_chunks, box_chunks = _as_chunks(class_outputs), _as_chunks(box_outputs)
    _check_chunks(class_chunks, box_chunks, labels)
    num_positives = jnp.sum(labels.positive_mask.astype(jnp.float32))
    normalizer = num_positives + 1.0
    focal_sum, huber_sum, start = 0.0, 0.0, 0
    for classes, boxes in zip(class_chunks, box_chunks):
        chunk = jax.tree.map(lambda x, end=start + classes.shape[1]: x[:, start:end], labels)
        focal_sum += _focal_sum(classes, chunk, config)
        huber_sum += _huber_sum(boxes, chunk, config)
        start += classes.shape[1]
    cls_loss = focal_sum / normalizer
    box_loss = huber_sum / (4.0 * normalizer)
    total = cls_loss + config.box_loss_weight * box_loss
    metrics = {"total_loss": total, "cls_loss": cls_loss, "box_loss": box_loss, "num_positives": num_positives}
    return total, metrics


def _as_chunks(outputs) -> list:
    return [outputs] if hasattr(outputs, "shape") else list(outputs)  # one array (jax or numpy) or a sequence


def _focal_sum(class_outputs, labels: AnchorLabels, config: LossConfig):
    class_targets = jax.nn.one_hot(labels.class_targets, class_outputs.shape[-1], dtype=jnp.float32)
    focal = sigmoid_focal_loss(class_outputs, class_targets, config.focal_alpha, config.focal_gamma)
    return jnp.sum(jnp.where((~labels.ignore_mask)[..., None], focal, 0.0))


def _huber_sum(box_outputs, labels: AnchorLabels, config: LossConfig):
    huber = optax.huber_loss(box_outputs.astype(jnp.float32), labels.box_targets, delta=config.huber_delta)
    return jnp.sum(jnp.where(labels.positive_mask[..., None], huber, 0.0))


def _check_chunks(class_chunks, box_chunks, labels: AnchorLabels):
    batch, num_anchors = labels.class_targets.shape
    class_rows = [c.shape[:2] for c in class_chunks]
    box_rows = [b.shape[:2] for b in box_chunks]
    if (
        class_rows != box_rows or any(rows[0] != batch for rows in class_rows)
        or sum(rows[1] for rows in class_rows) != num_anchors
    ):
        raise ValueError(
            f"Outputs {[c.shape for c in class_chunks]} / {[b.shape for b in box_chunks]} do not match labels "
            f"{labels.class_targets.shape}; flatten (or split) head outputs with flatten_level_outputs "
            "(split_level_outputs) and label with the same anchors."
        )
