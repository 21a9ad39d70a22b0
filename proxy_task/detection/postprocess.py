"""From head outputs to at most ``max_detections`` boxes per image (RetinaNet inference).

Per image, as in the RetinaNet paper (§4, "Inference") and its Detectron and
torchvision implementations:

1. For each level, score every (anchor, class) pair with ``sigmoid(logit)``,
   drop pairs scoring ``<= score_threshold``, keep the ``pre_nms_top_k`` best.
   A pair, not an anchor, is a candidate, so one anchor can propose two
   classes (a max-over-classes top-k would lose the second one).
2. Decode the candidates' boxes against their anchors and clip them to the
   image.
3. Class-aware greedy NMS at ``nms_iou_threshold`` over all levels'
   candidates, keeping at most ``max_detections``.

NOTE(reproduction): TF Model Garden's default generator (``nms_version='v2'``)
takes ``pre_nms_top_k=5000`` per class over all levels instead of 1000 per
level; thresholds (0.05, IoU 0.5) and the 100 detections are the same.

Everything has static shapes, so ``postprocess`` jits with ``anchors`` and
``config`` closed over (``functools.partial``) or passed as static arguments.
"""

from __future__ import annotations

import dataclasses
from typing import NamedTuple

import jax
import jax.numpy as jnp

from proxy_task.detection.anchors import Anchors
from proxy_task.detection.box_coding import decode_boxes
from proxy_task.detection.box_geometry import clip_boxes
from proxy_task.detection.nms import batched_non_max_suppression


@dataclasses.dataclass(frozen=True)
class PostprocessConfig:
    """Detection generation settings (TF ``DetectionGenerator`` defaults, except top-k).

    Attributes:
      pre_nms_top_k: candidates (anchor, class pairs) kept per level before NMS.
      score_threshold: pairs scoring at or below it are never candidates.
      nms_iou_threshold: IoU above which a same-class box is suppressed.
      max_detections: detections per image, padded.
    """

    pre_nms_top_k: int = 1000
    score_threshold: float = 0.05
    nms_iou_threshold: float = 0.5
    max_detections: int = 100


class Detections(NamedTuple):
    """Padded detections of a batch, best first.

    Attributes:
      boxes: ``[B, D, 4]`` float32 ``(ymin, xmin, ymax, xmax)`` pixels of the
        network input, clipped to the image; 0 in padding slots.
      scores: ``[B, D]`` float32 in ``(score_threshold, 1]``; 0 in padding.
      classes: ``[B, D]`` int32 in ``[0, num_classes)``; -1 in padding.
      num_detections: ``[B]`` int32 number of valid leading slots.
    """

    boxes: jax.Array
    scores: jax.Array
    classes: jax.Array
    num_detections: jax.Array


def _level_candidates(logits: jax.Array, offset: int, top_k: int, score_threshold: float):
    """Top (anchor, class) pairs of one level: scores, global anchor indices, classes, each ``[B, k]``."""
    batch, level_anchors, num_classes = logits.shape
    scores = jax.nn.sigmoid(logits.astype(jnp.float32)).reshape(batch, level_anchors * num_classes)
    scores = jnp.where(scores > score_threshold, scores, -jnp.inf)
    scores, flat_index = jax.lax.top_k(scores, min(top_k, level_anchors * num_classes))
    return scores, flat_index // num_classes + offset, flat_index % num_classes


def postprocess(
    class_outputs: jax.Array,
    box_outputs: jax.Array,
    anchors: Anchors,
    config: PostprocessConfig = PostprocessConfig(),
    image_sizes: jax.Array | None = None,
) -> Detections:
    """Turns flat head outputs into final detections.

    Args:
      class_outputs: ``[B, A, num_classes]`` logits in anchor order.
      box_outputs: ``[B, A, 4]`` box codes in anchor order.
      anchors: the anchors both outputs are predicted against.
      config: thresholds and sizes.
      image_sizes: optional ``[B, 2]`` ``(height, width)`` of the real image
        inside the padded input, to clip to; the whole input by default.

    Returns:
      ``Detections`` with ``D = config.max_detections``.
    """
    if class_outputs.shape[1] != anchors.num_anchors or box_outputs.shape[1] != anchors.num_anchors:
        raise ValueError(
            f"Outputs {class_outputs.shape} / {box_outputs.shape} do not have the {anchors.num_anchors} "
            f"anchors of input_size={anchors.input_size}; flatten them with flatten_level_outputs."
        )
    per_level = [
        _level_candidates(class_outputs[:, rows], rows.start, config.pre_nms_top_k, config.score_threshold)
        for rows in anchors.level_slices.values()
    ]
    scores, anchor_index, classes = (jnp.concatenate(parts, axis=1) for parts in zip(*per_level))

    codes = jnp.take_along_axis(box_outputs.astype(jnp.float32), anchor_index[..., None], axis=1)
    boxes = decode_boxes(codes, jnp.asarray(anchors.boxes)[anchor_index])
    if image_sizes is None:
        boxes = clip_boxes(boxes, anchors.input_size, anchors.input_size)
    else:
        image_sizes = jnp.asarray(image_sizes, jnp.float32)
        boxes = clip_boxes(boxes, image_sizes[:, 0, None], image_sizes[:, 1, None])

    keep, valid = batched_non_max_suppression(
        boxes, scores, config.nms_iou_threshold, config.max_detections, classes
    )
    return Detections(
        boxes=jnp.where(valid[..., None], jnp.take_along_axis(boxes, keep[..., None], axis=1), 0.0),
        scores=jnp.where(valid, jnp.take_along_axis(scores, keep, axis=1), 0.0),
        classes=jnp.where(valid, jnp.take_along_axis(classes, keep, axis=1), -1).astype(jnp.int32),
        num_detections=jnp.sum(valid, axis=1).astype(jnp.int32),
    )
