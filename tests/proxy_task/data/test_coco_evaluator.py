"""CocoEvaluator: coordinate mapping, perfect and garbage detections, edge cases."""

import numpy as np
import pytest

from proxy_task.data import build_dataset
from proxy_task.evaluation import (CocoEvaluator, GroundTruth, detections_to_original,
                                   ground_truth_from_dataset)


def _ground_truth():
    """Three images: two objects + a crowd, one object, none (x, y, w, h pixels)."""
    return GroundTruth(
        image_ids=np.array([10, 20, 30]),
        image_sizes=np.array([[200, 300], [100, 100], [50, 80]]),
        ann_image_ids=np.array([10, 10, 10, 20]),
        boxes=np.array([[10, 20, 50, 40], [200, 100, 60, 90], [0, 0, 300, 30], [5, 5, 10, 10.]]),
        classes=np.array([0, 1, 1, 0]),
        is_crowd=np.array([False, False, True, False]),
        areas=np.array([2000, 5400, 9000, 100.]),
        class_names=("a", "b"))


def _meta(scale=0.5, offset=(0.0, 0.0)):
    """A batch as the pipeline makes it (images 10, 20, 30 and one padding image)."""
    gt = _ground_truth()
    return {"image_id": np.array([10, 20, 30, -1]),
            "orig_size": np.concatenate([gt.image_sizes, [[0, 0]]]).astype(np.int32),
            "scale": np.array([[scale, scale]] * 3 + [[0, 0]], np.float32),
            "offset": np.array([offset] * 3 + [(0, 0)], np.float32)}


def _gt_as_detections(meta, k=4):
    """Non-crowd ground truth in input pixels, [4, k] rows per image."""
    gt = _ground_truth()
    boxes, scores, classes = np.zeros((4, k, 4)), np.zeros((4, k)), np.zeros((4, k), int)
    for b, image_id in enumerate(meta["image_id"][:3]):
        rows = np.flatnonzero((gt.ann_image_ids == image_id) & ~gt.is_crowd)
        for j, r in enumerate(rows):
            x, y, w, h = gt.boxes[r]
            yxyx = np.array([y, x, y + h, x + w]) * meta["scale"][b, 0] - np.tile(meta["offset"][b], 2)
            boxes[b, j], scores[b, j], classes[b, j] = yxyx, 0.9 - 0.1 * j, gt.classes[r]
    return boxes, scores, classes


def test_mapping_back_inverts_resize_and_crop():
    meta = _meta(scale=2.0, offset=(3.0, 7.0))
    boxes = np.array([[[1.0, 3.0, 21.0, 43.0]]] * 4)  # (ymin, xmin, ymax, xmax) input pixels
    xywh = detections_to_original(boxes, meta)
    np.testing.assert_allclose(xywh[0, 0], [5.0, 2.0, 20.0, 10.0])
    clipped = detections_to_original(np.array([[[-10.0, -10.0, 900.0, 900.0]]] * 4), meta)
    np.testing.assert_allclose(clipped[1, 0], [0, 0, 100, 100])  # clipped to the 100x100 image


@pytest.mark.parametrize("scale, offset", [(0.5, (0.0, 0.0)), (1.7, (4.0, 9.0))])
def test_ground_truth_as_detections_scores_one(scale, offset):
    evaluator = CocoEvaluator(_ground_truth())
    meta = _meta(scale, offset)
    evaluator.add(*_gt_as_detections(meta), meta, num_detections=np.array([2, 1, 0, 0]))
    metrics = evaluator.evaluate()
    assert metrics["AP"] == pytest.approx(1.0) and metrics["AP75"] == pytest.approx(1.0)
    assert np.isnan(metrics["APl"])  # no large ground truth: undefined, not 0


def test_sampling_sd_from_folds_by_hand():
    # Four images of one object each; images 1 and 3 (fold 0 of 2) detected exactly, 2 and 4 missed:
    # fold APs 1 and 0, sd sqrt(0.5), scaled by 1/sqrt(2) to the whole set: 0.5.
    gt = GroundTruth(
        image_ids=np.array([1, 2, 3, 4]), image_sizes=np.array([[100, 100]] * 4),
        ann_image_ids=np.array([1, 2, 3, 4]), boxes=np.array([[10, 10, 40, 40.]] * 4),
        classes=np.zeros(4, int), is_crowd=np.zeros(4, bool), areas=np.full(4, 1600.), class_names=("a",))
    evaluator = CocoEvaluator(gt)
    meta = {"image_id": np.array([1, 2, 3, 4]), "orig_size": np.array([[100, 100]] * 4, np.int32),
            "scale": np.ones((4, 2), np.float32), "offset": np.zeros((4, 2), np.float32)}
    boxes = np.array([[[10, 10, 50, 50.]]] * 4)
    evaluator.add(boxes, np.full((4, 1), 0.9), np.zeros((4, 1), int), meta, num_detections=np.array([1, 0, 1, 0]))
    assert evaluator.image_count == 4
    assert evaluator.evaluate()["AP"] == pytest.approx(0.5, abs=0.01)
    assert evaluator.sampling_sd(folds=2) == pytest.approx(0.5, abs=0.01)
    with pytest.raises(ValueError, match="4 images cannot make 3 folds"):
        evaluator.sampling_sd(folds=3)


def test_garbage_and_missing_detections_score_zero():
    evaluator = CocoEvaluator(_ground_truth())
    meta = _meta()
    rng = np.random.default_rng(0)
    corner = rng.uniform(0, 40, size=(4, 50, 2))
    boxes = np.concatenate([corner, corner + 2], axis=-1)  # tiny boxes in random places
    evaluator.add(boxes, rng.random((4, 50)), rng.integers(0, 2, (4, 50)), meta)
    assert evaluator.evaluate()["AP"] < 0.02
    evaluator.reset()
    evaluator.add(np.zeros((4, 3, 4)), np.zeros((4, 3)), np.zeros((4, 3)), meta,
                  num_detections=np.zeros(4, int))
    assert evaluator.evaluate()["AP"] == 0.0  # images seen, nothing detected


def test_only_added_images_count_and_unknown_ids_fail():
    evaluator = CocoEvaluator(_ground_truth())
    meta = {key: value[1:2] for key, value in _meta().items()}  # image 20 only
    boxes, scores, classes = (x[1:2] for x in _gt_as_detections(_meta()))
    evaluator.add(boxes, scores, classes, meta, valid=scores > 0)
    assert evaluator.evaluate()["AP"] == pytest.approx(1.0)  # image 10's objects not counted
    with pytest.raises(ValueError, match="not in the ground truth"):
        evaluator.add(boxes, scores, classes, {**meta, "image_id": np.array([99])})
    with pytest.raises(ValueError, match="no image"):
        CocoEvaluator(_ground_truth()).evaluate()


def test_pycocotools_is_silent_unless_verbose(capsys):
    for verbose in (False, True):
        evaluator = CocoEvaluator(_ground_truth(), verbose=verbose)
        evaluator.add(*_gt_as_detections(_meta()), _meta())
        evaluator.evaluate()
        printed = capsys.readouterr().out
        assert ("Average Precision" in printed) == verbose


def test_synthetic_pipeline_round_trip_scores_one(synthetic_config):
    evaluator = CocoEvaluator.from_dataset(synthetic_config)
    for batch in build_dataset(synthetic_config, "heldout"):
        evaluator.add(batch["boxes"], batch["valid"].astype(float), batch["classes"], batch,
                      valid=batch["valid"])
    metrics = evaluator.evaluate()
    assert metrics["AP"] == pytest.approx(1.0)
    gt = ground_truth_from_dataset(synthetic_config)
    assert len(gt.image_ids) == 10 and gt.class_names[0] == "circle"
