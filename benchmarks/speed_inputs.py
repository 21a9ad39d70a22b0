"""Benchmark settings and synthetic training batches, shared by both frameworks.

Numpy only: ``benchmarks/tf_model_garden/retinanet_spinenet_speed.py`` imports
this file from TF Model Garden's own environment, so both sides time the same
shapes, the same boxes and the same number of classes.
"""

from __future__ import annotations

import dataclasses

import numpy as np

# COCO train2017 has 7.3 annotated objects per image on average.
OBJECTS_PER_IMAGE = 7


@dataclasses.dataclass(frozen=True)
class Setting:
    """One timed configuration: the proxy RetinaNet-SpineNet-49 at one input size and batch."""

    name: str
    input_size: int
    batch_size: int
    max_boxes: int
    num_classes: int

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


def synthetic_batch(setting: Setting, seed: int = 0) -> dict[str, np.ndarray]:
    """A training batch of the right shapes and dtypes, with plausible boxes.

    Returns ``image`` [B, S, S, 3] float32 (normalised noise), ``boxes`` [B, M, 4]
    float32 yxyx input pixels, ``classes`` [B, M] int32 (-1 pads) and ``is_crowd``
    [B, M] bool (all False), as ``proxy_task.data`` delivers them.
    """
    rng = np.random.default_rng(seed)
    b, s, m = setting.batch_size, setting.input_size, setting.max_boxes
    n = min(OBJECTS_PER_IMAGE, m)
    sides = rng.uniform(0.05, 0.5, size=(b, n, 2)) * s  # (height, width)
    corners = rng.uniform(0.0, 1.0, size=(b, n, 2)) * (s - sides)
    boxes = np.zeros((b, m, 4), np.float32)
    boxes[:, :n] = np.concatenate([corners, corners + sides], axis=-1)
    classes = np.full((b, m), -1, np.int32)
    classes[:, :n] = rng.integers(0, setting.num_classes, size=(b, n))
    return {
        "image": rng.standard_normal((b, s, s, 3), dtype=np.float32),
        "boxes": boxes,
        "classes": classes,
        "is_crowd": np.zeros((b, m), bool),
    }
