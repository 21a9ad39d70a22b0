"""Brute-force numpy references (loops over boxes) for the detection tests."""

from __future__ import annotations

import math

import numpy as np


def iou(box1: np.ndarray, box2: np.ndarray) -> float:
    """IoU of two yxyx boxes, one pair at a time."""
    inter_h = max(0.0, min(box1[2], box2[2]) - max(box1[0], box2[0]))
    inter_w = max(0.0, min(box1[3], box2[3]) - max(box1[1], box2[1]))
    inter = inter_h * inter_w
    area1 = max(0.0, box1[2] - box1[0]) * max(0.0, box1[3] - box1[1])
    area2 = max(0.0, box2[2] - box2[0]) * max(0.0, box2[3] - box2[1])
    union = area1 + area2 - inter
    return inter / union if union > 0 else 0.0


def pairwise_iou(boxes1: np.ndarray, boxes2: np.ndarray) -> np.ndarray:
    return np.array([[iou(a, b) for b in boxes2] for a in boxes1]).reshape(len(boxes1), len(boxes2))


def nms(boxes: np.ndarray, scores: np.ndarray, iou_threshold: float, max_outputs: int, classes=None) -> list[int]:
    """Textbook greedy NMS: visit by descending score (stable), keep what no kept box suppresses."""
    kept: list[int] = []
    for i in np.argsort(-scores, kind="stable"):
        if not np.isfinite(scores[i]):
            continue
        if all(
            iou(boxes[i], boxes[j]) <= iou_threshold or (classes is not None and classes[i] != classes[j])
            for j in kept
        ):
            kept.append(int(i))
        if len(kept) == max_outputs:
            break
    return kept


def tf_anchors(min_level, max_level, num_scales, aspect_ratios, anchor_size, image_size) -> np.ndarray:
    """A line-by-line transcription of TF's ``Anchor._generate_multilevel_boxes``."""
    all_boxes = []
    for level in range(min_level, max_level + 1):
        feat = math.ceil(image_size / 2**level)
        stride = image_size / feat
        x = np.arange(stride / 2, image_size, stride)
        y = np.arange(stride / 2, image_size, stride)
        xv, yv = np.meshgrid(x, y)
        boxes_l = []
        for scale in range(num_scales):
            for aspect_ratio in aspect_ratios:
                base = anchor_size * 2**level * 2 ** (scale / num_scales)
                half_x = base * aspect_ratio**0.5 / 2.0
                half_y = base * aspect_ratio**-0.5 / 2.0
                boxes_l.append(np.stack([yv - half_y, xv - half_x, yv + half_y, xv + half_x], axis=-1))
        all_boxes.append(np.concatenate(boxes_l, axis=-1).reshape(-1, 4))
    return np.concatenate(all_boxes)


def focal_loss(logits: np.ndarray, targets: np.ndarray, alpha: float, gamma: float) -> np.ndarray:
    """The focal loss formula written directly on probabilities (float64)."""
    p = 1.0 / (1.0 + np.exp(-logits.astype(np.float64)))
    positive = -alpha * (1 - p) ** gamma * np.log(p)
    negative = -(1 - alpha) * p**gamma * np.log(1 - p)
    return np.where(targets > 0.5, positive, negative)


def huber(x: np.ndarray, delta: float) -> np.ndarray:
    a = np.abs(x)
    return np.where(a <= delta, 0.5 * x**2, delta * (a - 0.5 * delta))


def random_boxes(rng: np.random.Generator, n: int, size: float = 64.0) -> np.ndarray:
    """``[n, 4]`` random valid yxyx boxes inside ``[0, size]``, clustered so IoUs vary."""
    centres = rng.uniform(0.2 * size, 0.8 * size, (n, 2))
    sides = rng.uniform(0.05 * size, 0.4 * size, (n, 2))
    return np.concatenate([centres - sides / 2, centres + sides / 2], axis=1).astype(np.float32)
