"""Geometry of axis-aligned boxes ``(ymin, xmin, ymax, xmax)``: area, IoU, IoA, clipping.

Boxes are in absolute pixels and follow TF's convention that a box's height
is ``ymax - ymin`` (no ``+ 1``). Degenerate boxes (zero or negative extent)
have zero area, overlap nothing and never produce a NaN, so padded ground
truth can flow through the same vectorised code as real boxes.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp


def box_area(boxes: jax.Array) -> jax.Array:
    """``[..., 4] -> [...]`` area, zero for degenerate boxes."""
    height = jnp.maximum(boxes[..., 2] - boxes[..., 0], 0.0)
    width = jnp.maximum(boxes[..., 3] - boxes[..., 1], 0.0)
    return height * width


def pairwise_intersection(boxes1: jax.Array, boxes2: jax.Array) -> jax.Array:
    """Intersection areas of every pair, ``[..., N, 4] x [..., M, 4] -> [..., N, M]``."""
    a = boxes1[..., :, None, :]
    b = boxes2[..., None, :, :]
    height = jnp.minimum(a[..., 2], b[..., 2]) - jnp.maximum(a[..., 0], b[..., 0])
    width = jnp.minimum(a[..., 3], b[..., 3]) - jnp.maximum(a[..., 1], b[..., 1])
    return jnp.maximum(height, 0.0) * jnp.maximum(width, 0.0)


def _safe_divide(numerator: jax.Array, denominator: jax.Array) -> jax.Array:
    # The inner `where` keeps the gradient finite where the denominator is 0.
    positive = denominator > 0
    return jnp.where(positive, numerator / jnp.where(positive, denominator, 1.0), 0.0)


def pairwise_iou(boxes1: jax.Array, boxes2: jax.Array) -> jax.Array:
    """Intersection over union of every pair, ``[..., N, 4] x [..., M, 4] -> [..., N, M]``.

    Pairs whose union is empty (two degenerate boxes) get IoU 0.
    """
    intersection = pairwise_intersection(boxes1, boxes2)
    union = box_area(boxes1)[..., :, None] + box_area(boxes2)[..., None, :] - intersection
    return _safe_divide(intersection, union)


def pairwise_ioa(boxes1: jax.Array, boxes2: jax.Array) -> jax.Array:
    """Intersection over the area of ``boxes1``, ``[..., N, 4] x [..., M, 4] -> [..., N, M]``.

    ``ioa[n, m]`` is the fraction of box ``n`` covered by box ``m``; the
    labeler uses it to find anchors lying inside crowd regions.
    """
    return _safe_divide(pairwise_intersection(boxes1, boxes2), box_area(boxes1)[..., :, None])


def clip_boxes(boxes: jax.Array, height: jax.Array | float, width: jax.Array | float) -> jax.Array:
    """Clips ``[..., 4]`` boxes to ``[0, height] x [0, width]``.

    ``height`` and ``width`` broadcast against ``boxes[..., 0]`` (e.g. ``[B, 1]``
    for per-image sizes and boxes ``[B, N, 4]``).
    """
    height = jnp.asarray(height, boxes.dtype)
    width = jnp.asarray(width, boxes.dtype)
    ymin, xmin, ymax, xmax = jnp.moveaxis(boxes, -1, 0)
    return jnp.stack(
        [
            jnp.clip(ymin, 0.0, height),
            jnp.clip(xmin, 0.0, width),
            jnp.clip(ymax, 0.0, height),
            jnp.clip(xmax, 0.0, width),
        ],
        axis=-1,
    )
