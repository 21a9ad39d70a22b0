"""Greedy non-maximum suppression with a fixed number of outputs, jit- and vmap-able.

Exact greedy NMS (the result of visiting boxes by descending score and keeping
each box that overlaps no kept box of its class by IoU > threshold), computed
as ``max_outputs`` rounds of "take the best remaining box, drop the boxes it
suppresses". Each round costs ``O(N)`` and no ``N x N`` IoU matrix is built,
so 5,000 candidates and 100 outputs take 100 small sequential steps. Shapes
are static, so it compiles once and batches with ``jax.vmap``.

Ties in score go to the lower index (``argmax`` picks the first maximum), the
same as a stable descending sort. As in TF and torchvision, a box is
suppressed by IoU strictly greater than the threshold.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp

from proxy_task.detection.box_geometry import pairwise_iou


def non_max_suppression(
    boxes: jax.Array,
    scores: jax.Array,
    iou_threshold: float,
    max_outputs: int,
    classes: jax.Array | None = None,
) -> tuple[jax.Array, jax.Array]:
    """Greedy NMS of one image.

    Args:
      boxes: ``[N, 4]`` candidate boxes, ``(ymin, xmin, ymax, xmax)``.
      scores: ``[N]`` scores; ``-inf`` marks a slot that is not a candidate.
      iou_threshold: a kept box removes the boxes it overlaps by more than this.
      max_outputs: static number of output slots.
      classes: optional ``[N]`` int classes; when given, boxes only suppress
        boxes of their own class (class-aware NMS).

    Returns:
      ``(indices, valid)``: ``[max_outputs]`` int32 indices into the
      candidates, by descending score, and ``[max_outputs]`` bool marking the
      slots that hold a kept box (a prefix; the other slots' indices are 0).
    """
    scores = scores.astype(jnp.float32)

    def select_best(remaining: jax.Array, _) -> tuple[jax.Array, tuple[jax.Array, jax.Array]]:
        best = jnp.argmax(remaining)
        valid = remaining[best] > -jnp.inf
        suppressed = pairwise_iou(boxes[best][None, :], boxes)[0] > iou_threshold
        if classes is not None:
            suppressed = suppressed & (classes == classes[best])
        # Drop the chosen box by index, not by IoU: a degenerate box has IoU 0 with itself.
        suppressed = suppressed.at[best].set(True)
        remaining = jnp.where(suppressed & valid, -jnp.inf, remaining)
        return remaining, (jnp.where(valid, best, 0).astype(jnp.int32), valid)

    _, (indices, valid) = jax.lax.scan(select_best, scores, None, length=max_outputs)
    return indices, valid


def batched_non_max_suppression(
    boxes: jax.Array,
    scores: jax.Array,
    iou_threshold: float,
    max_outputs: int,
    classes: jax.Array | None = None,
) -> tuple[jax.Array, jax.Array]:
    """``non_max_suppression`` over a leading batch axis ``B`` of every input and output."""

    def one_image(boxes, scores, classes):
        return non_max_suppression(boxes, scores, iou_threshold, max_outputs, classes)

    return jax.vmap(one_image, in_axes=(0, 0, None if classes is None else 0))(boxes, scores, classes)
