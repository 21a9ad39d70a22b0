"""COCO box evaluation of the proxy task: AP on the held-out split.

``CocoEvaluator`` takes batched detections in input pixels, maps them back to
original image pixels and scores them with pycocotools against ground truth
read from the dataset itself (``ground_truth_from_dataset``), so the 7,392
held-out train2017 images and the synthetic set need no annotation JSON.
"""

from proxy_task.evaluation.coco_evaluator import (
    MAX_DETECTIONS, METRIC_NAMES, CocoEvaluator, detections_to_original)
from proxy_task.evaluation.ground_truth import GroundTruth, ground_truth_from_dataset

__all__ = ["CocoEvaluator", "GroundTruth", "ground_truth_from_dataset", "detections_to_original",
           "METRIC_NAMES", "MAX_DETECTIONS"]
