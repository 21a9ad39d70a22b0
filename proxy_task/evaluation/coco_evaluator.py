"""COCO box AP of batched detections, with pycocotools on in-memory ground truth.

Usage with the input pipeline and ``proxy_task.detection.postprocess``::

    evaluator = CocoEvaluator.from_dataset(config)          # reads ground truth once
    for batch in build_dataset(config, "heldout"):
        d = detect(params, batch["image"])                  # a Detections tuple
        evaluator.add(d.boxes, d.scores, d.classes, batch, num_detections=d.num_detections)
    metrics = evaluator.evaluate()                          # {"AP": ..., "AP50": ...}

Detections arrive as the model emits them, in input pixels of the padded
square; ``add`` maps them back to original image pixels with the batch's
``scale`` and ``offset`` (see ``proxy_task.data.preprocess``), all in numpy.
"""

from __future__ import annotations

import contextlib
import copy
import io
from typing import Mapping

import numpy as np
from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval

from proxy_task.data import DataConfig
from proxy_task.evaluation.ground_truth import GroundTruth, ground_truth_from_dataset

# The order of COCOeval.stats.
METRIC_NAMES = ("AP", "AP50", "AP75", "APs", "APm", "APl",
                "AR1", "AR10", "AR100", "ARs", "ARm", "ARl")
MAX_DETECTIONS = 100  # per image, COCO's protocol


def _quiet(verbose: bool):
    # pycocotools prints progress and the summary table unconditionally.
    return contextlib.nullcontext() if verbose else contextlib.redirect_stdout(io.StringIO())


def detections_to_original(boxes: np.ndarray, meta: Mapping[str, np.ndarray]) -> np.ndarray:
    """Input-pixel (ymin, xmin, ymax, xmax) [B, K, 4] -> original-pixel (x, y, w, h).

    Args:
      boxes: boxes in the padded input square of each image.
      meta: the batch (or any mapping) with ``scale`` [B, 2], ``offset`` [B, 2]
        and ``orig_size`` [B, 2], all (y, x) ordered.

    Returns:
      float64 [B, K, 4] boxes clipped to the original image.
    """
    boxes = np.asarray(boxes, np.float64)
    scale = np.asarray(meta["scale"], np.float64)[:, None, :]
    scale = np.where(scale > 0, scale, 1.0)  # batch-padding images carry scale 0
    offset = np.asarray(meta["offset"], np.float64)[:, None, :]
    limit = np.asarray(meta["orig_size"], np.float64)[:, None, :]
    top_left = np.clip((boxes[..., :2] + offset) / scale, 0.0, limit)
    bottom_right = np.clip((boxes[..., 2:] + offset) / scale, 0.0, limit)
    y, x = top_left[..., 0], top_left[..., 1]
    h, w = bottom_right[..., 0] - y, bottom_right[..., 1] - x
    return np.stack([x, y, w, h], axis=-1)


class CocoEvaluator:
    """Accumulates detections batch by batch, then runs ``COCOeval`` once.

    Only images passed to ``add`` are scored (those with no detection count as
    misses), so evaluating a prefix of the split is meaningful. Metrics that
    pycocotools reports as -1 (no ground truth in that area range) come back as
    NaN.
    """

    def __init__(self, ground_truth: GroundTruth, *, verbose: bool = False):
        """Indexes the ground truth once; reuse the evaluator across trials.

        Args:
          ground_truth: the split's images and boxes.
          verbose: let pycocotools print its progress and summary table.
        """
        self._verbose = verbose
        self._coco_gt = COCO()
        self._coco_gt.dataset = ground_truth.to_coco_dict()
        with _quiet(verbose):
            self._coco_gt.createIndex()
        self._known_ids = set(int(i) for i in ground_truth.image_ids)
        self.reset()

    @classmethod
    def from_dataset(cls, config: DataConfig, split: str = "heldout", *,
                     verbose: bool = False) -> "CocoEvaluator":
        """An evaluator whose ground truth is read from ``split`` of ``config``."""
        return cls(ground_truth_from_dataset(config, split), verbose=verbose)

    def reset(self) -> None:
        """Forgets every added detection and image."""
        self._rows: list[np.ndarray] = []
        self._seen: set[int] = set()

    @property
    def image_count(self) -> int:
        """Images added so far."""
        return len(self._seen)

    def add(self, boxes, scores, classes, batch: Mapping[str, np.ndarray], *,
            num_detections=None, valid=None) -> None:
        """Adds one batch of detections.

        Args:
          boxes: [B, K, 4] (ymin, xmin, ymax, xmax) in input pixels.
          scores: [B, K] confidences.
          classes: [B, K] contiguous class ids; -1 rows are skipped.
          batch: the input batch the detections came from: needs ``image_id``
            [B] (-1 = padding, skipped), ``scale``, ``offset``, ``orig_size``.
          num_detections: optional [B]; only the first ``num[b]`` rows count.
          valid: optional [B, K] bool mask of rows that count.

        Raises:
          ValueError: for an image id the ground truth does not have.
        """
        scores = np.asarray(scores, np.float64)
        image_ids = np.asarray(batch["image_id"], np.int64)
        real = image_ids >= 0
        unknown = set(image_ids[real].tolist()) - self._known_ids
        if unknown:
            raise ValueError(f"image ids {sorted(unknown)[:5]} are not in the ground truth; "
                             "evaluate the split the evaluator was built from.")
        classes = np.asarray(classes, np.int64)
        keep = real[:, None] & (classes >= 0)  # class -1 marks padding slots of the NMS output
        if valid is not None:
            keep &= np.asarray(valid, bool)
        if num_detections is not None:
            keep &= np.arange(scores.shape[1])[None, :] < np.asarray(num_detections)[:, None]
        xywh = detections_to_original(boxes, batch)
        keep &= (xywh[..., 2] > 0) & (xywh[..., 3] > 0)
        # COCO scores at most 100 detections per image: keep the best-scoring ones.
        rank = np.argsort(np.argsort(-np.where(keep, scores, -np.inf), axis=1), axis=1)
        keep &= rank < MAX_DETECTIONS
        ids = np.broadcast_to(image_ids[:, None], scores.shape)
        rows = np.concatenate([ids[..., None], xywh, scores[..., None],
                               classes[..., None].astype(np.float64)], axis=-1)
        self._rows.append(rows[keep])
        self._seen.update(image_ids[real].tolist())

    def evaluate(self) -> dict[str, float]:
        """COCO box metrics over the images added so far.

        Returns:
          ``METRIC_NAMES`` -> float in [0, 1] (NaN where undefined).

        Raises:
          ValueError: if no image was added.
        """
        if not self._seen:
            raise ValueError("no image was added; call add() with at least one batch.")
        return self._evaluate_images(sorted(self._seen))

    def sampling_sd(self, folds: int = 4) -> float:
        """How much AP would move with another held-out sample of the same size: its standard deviation.

        The images added so far are dealt into ``folds`` disjoint folds (by
        sorted id); AP is measured on each, and the folds' standard deviation
        is scaled by ``1 / sqrt(folds)`` from a fold's size to the whole set's,
        as for a mean of per-image scores (AP is not quite one, so this is an
        estimate). NaN if a fold's AP is undefined.

        Raises:
          ValueError: if fewer than ``2 * folds`` images were added (``folds`` >= 2).
        """
        images = sorted(self._seen)
        if folds < 2 or len(images) < 2 * folds:
            raise ValueError(f"sampling_sd: {len(images)} images cannot make {folds} folds of 2 or more; "
                             f"use folds >= 2 and at least 2 * folds held-out images")
        values = [self._evaluate_images(images[fold::folds])["AP"] for fold in range(folds)]
        return float(np.std(values, ddof=1) / np.sqrt(folds))

    def _evaluate_images(self, image_ids: list[int]) -> dict[str, float]:
        rows = np.concatenate(self._rows) if self._rows else np.zeros((0, 7))
        with _quiet(self._verbose):
            coco_dt = self._coco_gt.loadRes(rows) if len(rows) else self._empty_results()
            coco_eval = COCOeval(self._coco_gt, coco_dt, iouType="bbox")
            coco_eval.params.imgIds = image_ids
            coco_eval.evaluate()
            coco_eval.accumulate()
            coco_eval.summarize()
        stats = np.where(coco_eval.stats < 0, np.nan, coco_eval.stats)
        return {name: float(value) for name, value in zip(METRIC_NAMES, stats)}

    def _empty_results(self) -> COCO:
        # loadRes cannot take zero detections; an empty result set is valid input.
        coco_dt = COCO()
        coco_dt.dataset = {"images": list(self._coco_gt.dataset["images"]),
                           "categories": copy.deepcopy(self._coco_gt.dataset["categories"]),
                           "annotations": []}
        coco_dt.createIndex()
        return coco_dt
