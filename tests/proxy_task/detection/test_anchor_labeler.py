"""Anchor labelling on handcrafted boxes: thresholds, forced matches, crowds, padding."""

import functools

import jax
import numpy as np
import pytest

from proxy_task.detection import (
    AnchorConfig,
    MatchConfig,
    encode_boxes,
    generate_anchors,
    label_anchors,
    label_anchors_batched,
)

# Anchors against gt [0, 0, 10, 10]: IoU of [0, 0, 10, w] is w / 10.
ANCHORS = np.array(
    [
        [0, 0, 10, 10],  # 0: IoU 1.0 -> positive
        [0, 0, 10, 4.5],  # 1: IoU 0.45 -> ignored
        [0, 0, 10, 3],  # 2: IoU 0.3 -> negative
        [0, 0, 10, 5],  # 3: IoU 0.5 -> positive (>=)
        [100, 100, 110, 110],  # 4: only a padding row there -> negative
        [210, 210, 230, 230],  # 5: wholly inside the crowd box -> ignored
        [290, 290, 310, 310],  # 6: a quarter inside the crowd -> negative
    ],
    np.float32,
)
GT_BOXES = np.array([[0, 0, 10, 10], [200, 200, 300, 300], [100, 100, 110, 110]], np.float32)
GT_CLASSES = np.array([3, 1, -1])
GT_CROWD = np.array([False, True, False])


@functools.partial(jax.jit, static_argnames="config")
def _jit_label(anchors, boxes, classes, crowd, config):
    return label_anchors(anchors, boxes, classes, crowd, config)


def _label(anchors=ANCHORS, boxes=GT_BOXES, classes=GT_CLASSES, crowd=GT_CROWD, **config):
    # One compilation per shape is much faster than op-by-op dispatch.
    labels = _jit_label(anchors, boxes, classes, crowd, MatchConfig(**config))
    return jax.tree.map(np.asarray, labels)


def test_thresholds_crowd_and_padding():
    labels = _label()
    np.testing.assert_array_equal(labels.positive_mask, [1, 0, 0, 1, 0, 0, 0])
    np.testing.assert_array_equal(labels.ignore_mask, [0, 1, 0, 0, 0, 1, 0])
    np.testing.assert_array_equal(labels.class_targets, [3, -1, -1, 3, -1, -1, -1])
    np.testing.assert_allclose(labels.box_targets[0], 0.0, atol=1e-6)
    np.testing.assert_allclose(labels.box_targets[3], encode_boxes(GT_BOXES[0], ANCHORS[3]), atol=1e-6)
    np.testing.assert_array_equal(labels.box_targets[[1, 2, 4, 5, 6]], 0.0)
    assert labels.class_targets.dtype == np.int32 and labels.box_targets.dtype == np.float32


def test_tf_thresholds_have_no_ignore_band():
    labels = _label(unmatched_threshold=0.5)
    np.testing.assert_array_equal(labels.ignore_mask, [0, 0, 0, 0, 0, 1, 0])


def test_crowds_dropped_when_threshold_is_none():
    labels = _label(crowd_ioa_threshold=None)
    assert not labels.ignore_mask[5] and not labels.positive_mask[5]


def test_each_gt_forces_its_best_anchor():
    anchors = np.array([[50, 50, 60, 53], [50, 50, 60, 52]], np.float32)  # IoU 0.3 and 0.2
    gt_boxes, gt_classes = np.array([[50, 50, 60, 60]], np.float32), np.array([7])
    labels = _label(anchors, gt_boxes, gt_classes, None)
    np.testing.assert_array_equal(labels.positive_mask, [1, 0])
    np.testing.assert_array_equal(labels.class_targets, [7, -1])
    np.testing.assert_allclose(labels.box_targets[0], encode_boxes(gt_boxes[0], anchors[0]), atol=1e-6)
    unforced = _label(anchors, gt_boxes, gt_classes, None, force_match_for_each_gt=False)
    np.testing.assert_array_equal(unforced.positive_mask, [0, 0])


def test_forced_tie_goes_to_lowest_gt_index_as_in_tf():
    anchors = np.array([[0, 0, 10, 3]], np.float32)
    gt_boxes = np.array([[0, 0, 10, 12], [0, 0, 10, 10]], np.float32)  # IoU 0.25, then 0.3
    labels = _label(anchors, gt_boxes, np.array([4, 9]), None)
    assert labels.positive_mask[0] and labels.class_targets[0] == 4
    np.testing.assert_allclose(labels.box_targets[0], encode_boxes(gt_boxes[0], anchors[0]), atol=1e-6)


def test_crowd_and_padding_never_force_and_positives_beat_crowds():
    anchors = np.array([[0, 0, 10, 10], [95, 95, 105, 105], [300, 300, 310, 310]], np.float32)
    gt_boxes = np.array([[0, 0, 10, 10], [0, 0, 100, 100], [300, 300, 310, 312], [0, 0, 0, 0]], np.float32)
    labels = _label(anchors, gt_boxes, np.array([2, 5, -1, 3]), np.array([False, True, False, False]))
    # Anchor 0 is a positive even though it lies inside the crowd; anchor 1 is
    # only a quarter inside the crowd, so negative, and the crowd forces nothing.
    np.testing.assert_array_equal(labels.positive_mask, [1, 0, 0])
    np.testing.assert_array_equal(labels.ignore_mask, [0, 0, 0])
    # Anchor 2 matches only a padding row; the empty real box [0,0,0,0] forces nothing.
    np.testing.assert_array_equal(labels.class_targets, [2, -1, -1])


def test_all_padding_gives_all_negatives():
    labels = _label(ANCHORS, np.zeros((4, 4), np.float32), np.full(4, -1), None)
    assert not labels.positive_mask.any() and not labels.ignore_mask.any()
    np.testing.assert_array_equal(labels.class_targets, -1)
    np.testing.assert_array_equal(labels.box_targets, 0.0)


def test_batched_jit_equals_per_image():
    anchors = generate_anchors(AnchorConfig(), 64).boxes
    gt_boxes = np.array(
        [[[4, 4, 28, 36], [30, 10, 60, 40], [0, 0, 0, 0]], [[8, 8, 56, 56], [0, 0, 0, 0], [0, 0, 0, 0]]]
    )
    gt_classes = np.array([[0, 2, -1], [1, -1, -1]])
    crowd = np.array([[False, True, False], [False, False, False]])
    batched = jax.jit(functools.partial(label_anchors_batched, config=MatchConfig()))(
        anchors, gt_boxes.astype(np.float32), gt_classes, crowd
    )
    assert batched.box_targets.shape == (2, anchors.shape[0], 4)
    for i in range(2):
        single = _label(anchors, gt_boxes[i].astype(np.float32), gt_classes[i], crowd[i])
        for got, want in zip(batched, single):
            np.testing.assert_allclose(got[i], want, atol=1e-6)
    assert batched.positive_mask[0].sum() >= 1 and batched.positive_mask[1].sum() >= 1
    assert set(np.unique(batched.class_targets[0])) <= {-1, 0}  # the crowd (class 2) labels nothing


def test_config_validation():
    with pytest.raises(ValueError, match="unmatched_threshold"):
        MatchConfig(match_threshold=0.4, unmatched_threshold=0.5)


def test_batched_without_crowd_flags_equals_all_false():
    gt_boxes = np.array([[[4, 4, 28, 36]], [[8, 8, 40, 40]]], np.float32)
    gt_classes = np.array([[0], [1]])
    batched = jax.jit(label_anchors_batched)
    without = batched(ANCHORS, gt_boxes, gt_classes)
    with_false = batched(ANCHORS, gt_boxes, gt_classes, np.zeros((2, 1), bool))
    for got, want in zip(without, with_false):
        np.testing.assert_array_equal(got, want)


def test_rejects_unbatched_shapes():
    with pytest.raises(ValueError, match="M >= 1"):
        label_anchors(ANCHORS, np.zeros((0, 4)), np.zeros((0,), int))
    with pytest.raises(ValueError, match="label_anchors_batched"):
        label_anchors(ANCHORS, np.zeros((2, 3, 4)), np.zeros((2, 3), int))
