"""Post-processing against a numpy pipeline; handcrafted detections; one jitted train+eval trace."""

import functools

import jax
import jax.numpy as jnp
import numpy as np

from proxy_task.detection import (
    AnchorConfig,
    MatchConfig,
    PostprocessConfig,
    flatten_level_outputs,
    generate_anchors,
    label_anchors_batched,
    postprocess,
    retinanet_loss,
)

from . import numpy_reference as ref

ANCHORS = generate_anchors(AnchorConfig(), 64)
NUM_CLASSES = 4
_postprocess = jax.jit(functools.partial(postprocess, anchors=ANCHORS))


def _decode_numpy(codes, anchors):
    h_a, w_a = anchors[:, 2] - anchors[:, 0], anchors[:, 3] - anchors[:, 1]
    yc, xc = anchors[:, 0] + h_a / 2 + codes[:, 0] * h_a, anchors[:, 1] + w_a / 2 + codes[:, 1] * w_a
    h, w = h_a * np.exp(codes[:, 2]), w_a * np.exp(codes[:, 3])
    return np.clip(np.stack([yc - h / 2, xc - w / 2, yc + h / 2, xc + w / 2], -1), 0, 64)


def _postprocess_numpy(logits, codes, config):
    """One image: per-level (anchor, class) top-k, decode, clip, class-aware greedy NMS."""
    scores, anchor_index, classes = [], [], []
    for rows in ANCHORS.level_slices.values():
        level_scores = (1 / (1 + np.exp(-logits[rows].astype(np.float64)))).ravel()
        top = np.argsort(-level_scores, kind="stable")[: config.pre_nms_top_k]
        top = top[level_scores[top] > config.score_threshold]
        scores.append(level_scores[top])
        anchor_index.append(top // NUM_CLASSES + rows.start)
        classes.append(top % NUM_CLASSES)
    scores, anchor_index, classes = map(np.concatenate, (scores, anchor_index, classes))
    boxes = _decode_numpy(codes[anchor_index], ANCHORS.boxes[anchor_index])
    keep = ref.nms(boxes, scores, config.nms_iou_threshold, config.max_detections, classes)
    return boxes[keep], scores[keep], classes[keep]


def test_matches_numpy_pipeline_on_random_outputs():
    config = PostprocessConfig(pre_nms_top_k=50, max_detections=40)
    rng = np.random.default_rng(0)
    logits = rng.normal(-3.0, 1.5, (2, ANCHORS.num_anchors, NUM_CLASSES)).astype(np.float32)
    codes = rng.normal(0.0, 0.3, (2, ANCHORS.num_anchors, 4)).astype(np.float32)
    dets = jax.jit(functools.partial(postprocess, anchors=ANCHORS, config=config))(logits, codes)
    assert dets.boxes.shape == (2, 40, 4) and dets.scores.shape == dets.classes.shape == (2, 40)
    for i in range(2):
        boxes, scores, classes = _postprocess_numpy(logits[i], codes[i], config)
        n = int(dets.num_detections[i])
        assert n == len(scores) <= 40
        np.testing.assert_allclose(dets.scores[i, :n], scores, rtol=1e-5)
        np.testing.assert_array_equal(dets.classes[i, :n], classes)
        np.testing.assert_allclose(dets.boxes[i, :n], boxes, rtol=1e-4, atol=1e-3)
        np.testing.assert_array_equal(dets.scores[i, n:], 0.0)
        np.testing.assert_array_equal(dets.classes[i, n:], -1)
    assert int(dets.num_detections.max()) == 40  # the cap binds on this input


def _p3_row(y, x, k):
    return (y * 8 + x) * 9 + k


def test_handcrafted_detections():
    logits = np.full((1, ANCHORS.num_anchors, NUM_CLASSES), -10.0, np.float32)
    codes = np.zeros((1, ANCHORS.num_anchors, 4), np.float32)
    a, b, corner = _p3_row(3, 3, 4), _p3_row(3, 4, 4), _p3_row(0, 0, 8)
    logits[0, a, 2], logits[0, a, 0] = 3.0, 1.0  # one anchor, two classes: both kept
    logits[0, b, 2] = 2.0  # overlaps `a` (IoU > 0.5), same class: suppressed
    logits[0, b, 1] = 0.0  # same place, another class: kept
    logits[0, corner, 3] = -2.4  # score 0.083: kept, box clipped at the image corner
    codes[0, a] = [0.05, 0.1, 0.0, 0.1]  # still IoU 0.67 with `b`
    dets = _postprocess(logits, codes)
    n = int(dets.num_detections[0])
    assert n == 4
    np.testing.assert_array_equal(dets.classes[0, :n], [2, 0, 1, 3])
    np.testing.assert_allclose(dets.scores[0, :n], 1 / (1 + np.exp(-np.array([3.0, 1.0, 0.0, -2.4]))), rtol=1e-6)
    expected_a = _decode_numpy(codes[0, [a]], ANCHORS.boxes[[a]])[0]
    np.testing.assert_allclose(dets.boxes[0, 0], expected_a, rtol=1e-5)
    np.testing.assert_allclose(dets.boxes[0, 1], expected_a, rtol=1e-5)
    assert dets.boxes[0, 3, 0] == 0.0 and dets.boxes[0, 3, 1] == 0.0

    clipped = _postprocess(logits, codes, image_sizes=np.array([[20.0, 30.0]]))
    assert float(clipped.boxes[0, :n, 2].max()) <= 20.0 and float(clipped.boxes[0, :n, 3].max()) <= 30.0


def test_one_jitted_train_and_eval_step_traces_once():
    traces = []

    @jax.jit
    def step(class_dict, box_dict, gt_boxes, gt_classes, gt_crowd):
        traces.append(1)
        classes = flatten_level_outputs(class_dict, ANCHORS, NUM_CLASSES)
        boxes = flatten_level_outputs(box_dict, ANCHORS, 4)
        labels = label_anchors_batched(ANCHORS.boxes, gt_boxes, gt_classes, gt_crowd, MatchConfig())
        loss_fn = functools.partial(retinanet_loss, labels=labels)
        (loss, metrics), grads = jax.value_and_grad(loss_fn, argnums=(0, 1), has_aux=True)(classes, boxes)
        return loss, metrics, grads, postprocess(classes, boxes, ANCHORS)

    rng = np.random.default_rng(0)
    # bfloat16 logits, as a head computing in bfloat16 would emit them.
    class_dict, box_dict = {}, {}
    for level, (h, w) in ANCHORS.level_shapes.items():
        class_dict[level] = jnp.asarray(rng.normal(-4, 1, (2, h, w, 9 * NUM_CLASSES)), jnp.bfloat16)
        box_dict[level] = jnp.asarray(rng.normal(0, 0.1, (2, h, w, 36)), jnp.float32)
    gt_boxes = jnp.array([[[4, 4, 28, 36], [0, 0, 0, 0]], [[10, 20, 50, 60], [30, 0, 64, 20]]], jnp.float32)
    gt_classes = jnp.array([[1, -1], [0, 3]])
    gt_crowd = jnp.array([[False, False], [False, True]])
    for _ in range(2):
        loss, metrics, grads, dets = step(class_dict, box_dict, gt_boxes, gt_classes, gt_crowd)
    assert len(traces) == 1
    assert np.isfinite(float(loss)) and float(metrics["num_positives"]) >= 2
    assert all(np.isfinite(np.asarray(g, np.float32)).all() for g in grads)
    assert dets.boxes.shape == (2, 100, 4) and dets.num_detections.shape == (2,)
