"""Anchor-relative box coding ``(ty, tx, th, tw)`` (TF's ``FasterRcnnBoxCoder``).

``ty = wy * (yc - yc_a) / h_a``, ``tx = wx * (xc - xc_a) / w_a``,
``th = wh * log(h / h_a)``, ``tw = ww * log(w / w_a)``, with ``(yc, xc, h, w)``
the centre and size of a box and ``_a`` those of its anchor.

RetinaNet in TF Model Garden and in the TPU repo codes boxes without scale
factors: ``AnchorLabeler(box_coder_weights=None)`` and
``DetectionGenerator.box_coder_weights = None``, i.e. weights ``(1, 1, 1, 1)``.
(Faster R-CNN uses ``(10, 10, 5, 5)``; KerasHub's RetinaNet divides by the
"variances" ``(0.1, 0.1, 0.2, 0.2)``, the same thing. We keep unit weights
because TF pairs the Huber delta 0.1 and box loss weight 50 with unscaled
targets; scaling them would change the loss.)
"""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp

# TF `box_ops.BBOX_XFORM_CLIP`: caps th, tw before `exp` when decoding, so an
# untrained head cannot produce inf boxes (at most 62.5x the anchor side).
BBOX_XFORM_CLIP = math.log(1000.0 / 16.0)
# TF `FasterRcnnBoxCoder` EPSILON: keeps `log` finite for degenerate boxes.
_EPSILON = 1e-8
UNIT_WEIGHTS = (1.0, 1.0, 1.0, 1.0)
# A box code has four numbers, (ty, tx, th, tw): the box head predicts as many per anchor.
BOX_COORDINATES = 4


def _centre_size(boxes: jax.Array) -> tuple[jax.Array, jax.Array, jax.Array, jax.Array]:
    height = boxes[..., 2] - boxes[..., 0]
    width = boxes[..., 3] - boxes[..., 1]
    return boxes[..., 0] + 0.5 * height, boxes[..., 1] + 0.5 * width, height, width


def encode_boxes(
    boxes: jax.Array, anchors: jax.Array, weights: tuple[float, float, float, float] = UNIT_WEIGHTS
) -> jax.Array:
    """Codes ``boxes`` relative to ``anchors``.

    Args:
      boxes: ``[..., 4]`` ``(ymin, xmin, ymax, xmax)`` target boxes.
      anchors: ``[..., 4]`` anchors, broadcastable against ``boxes``.
      weights: ``(wy, wx, wh, ww)`` scale factors.

    Returns:
      ``[..., 4]`` codes ``(ty, tx, th, tw)``.
    """
    yc, xc, h, w = _centre_size(boxes)
    yc_a, xc_a, h_a, w_a = _centre_size(anchors)
    h, w = h + _EPSILON, w + _EPSILON
    h_a, w_a = h_a + _EPSILON, w_a + _EPSILON
    wy, wx, wh, ww = weights
    return jnp.stack(
        [wy * (yc - yc_a) / h_a, wx * (xc - xc_a) / w_a, wh * jnp.log(h / h_a), ww * jnp.log(w / w_a)],
        axis=-1,
    )


def decode_boxes(
    codes: jax.Array, anchors: jax.Array, weights: tuple[float, float, float, float] = UNIT_WEIGHTS
) -> jax.Array:
    """Inverts ``encode_boxes`` (exactly, up to float error, for ``th, tw <= BBOX_XFORM_CLIP``).

    Args:
      codes: ``[..., 4]`` ``(ty, tx, th, tw)``, e.g. the head's box outputs.
      anchors: ``[..., 4]`` anchors, broadcastable against ``codes``.
      weights: the ``(wy, wx, wh, ww)`` used to encode.

    Returns:
      ``[..., 4]`` ``(ymin, xmin, ymax, xmax)`` boxes.
    """
    wy, wx, wh, ww = weights
    ty, tx = codes[..., 0] / wy, codes[..., 1] / wx
    th = jnp.minimum(codes[..., 2] / wh, BBOX_XFORM_CLIP)
    tw = jnp.minimum(codes[..., 3] / ww, BBOX_XFORM_CLIP)
    yc_a, xc_a, h_a, w_a = _centre_size(anchors)
    yc, xc = ty * h_a + yc_a, tx * w_a + xc_a
    half_h, half_w = 0.5 * jnp.exp(th) * h_a, 0.5 * jnp.exp(tw) * w_a
    return jnp.stack([yc - half_h, xc - half_w, yc + half_h, xc + half_w], axis=-1)
