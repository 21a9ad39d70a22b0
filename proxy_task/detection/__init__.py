"""RetinaNet detection operations in JAX: anchors, box coding, labelling, loss, post-processing.

The flat anchor order of ``generate_anchors`` is the contract between them:
head outputs ``{level: [B, H, W, anchors * C]}`` go through
``flatten_level_outputs`` to ``[B, A, C]``; ``label_anchors`` produces
``[A]``-shaped targets in the same order; ``retinanet_loss`` and
``postprocess`` consume both. Conventions follow TF Model Garden's RetinaNet;
deviations are marked ``NOTE(reproduction)`` in the modules.
"""

from proxy_task.detection.anchor_labeler import AnchorLabels, MatchConfig, label_anchors, label_anchors_batched
from proxy_task.detection.anchors import (
    AnchorConfig, Anchors, flatten_level_outputs, generate_anchors, split_level_outputs,
)
from proxy_task.detection.box_coding import BBOX_XFORM_CLIP, BOX_COORDINATES, decode_boxes, encode_boxes
from proxy_task.detection.box_geometry import box_area, clip_boxes, pairwise_ioa, pairwise_iou
from proxy_task.detection.losses import LossConfig, retinanet_loss, sigmoid_focal_loss
from proxy_task.detection.nms import batched_non_max_suppression, non_max_suppression
from proxy_task.detection.postprocess import Detections, PostprocessConfig, postprocess

__all__ = [
    "AnchorConfig",
    "AnchorLabels",
    "Anchors",
    "BBOX_XFORM_CLIP",
    "BOX_COORDINATES",
    "Detections",
    "LossConfig",
    "MatchConfig",
    "PostprocessConfig",
    "batched_non_max_suppression",
    "box_area",
    "clip_boxes",
    "decode_boxes",
    "encode_boxes",
    "flatten_level_outputs",
    "generate_anchors",
    "label_anchors",
    "label_anchors_batched",
    "non_max_suppression",
    "pairwise_ioa",
    "pairwise_iou",
    "postprocess",
    "retinanet_loss",
    "sigmoid_focal_loss",
    "split_level_outputs",
]
