"""Jitted greedy NMS against the brute-force loop, class-aware and capped."""

import functools

import jax
import jax.numpy as jnp
import numpy as np

from proxy_task.detection import batched_non_max_suppression, non_max_suppression

from . import numpy_reference as ref


@functools.partial(jax.jit, static_argnames=("max_outputs", "class_aware"))
def _batched(boxes, scores, classes, max_outputs, class_aware):
    return batched_non_max_suppression(boxes, scores, 0.5, max_outputs, classes if class_aware else None)


def _random_problem(seed, n=80, num_classes=3):
    rng = np.random.default_rng(seed)
    boxes = ref.random_boxes(rng, n)
    scores = rng.uniform(0.0, 1.0, n).astype(np.float32)
    scores[rng.uniform(size=n) < 0.1] = -np.inf  # empty candidate slots
    return boxes, scores, rng.integers(0, num_classes, n).astype(np.int32)


def test_matches_brute_force_on_random_inputs():
    problems = [_random_problem(seed) for seed in range(8)]
    boxes, scores, classes = (np.stack(x) for x in zip(*problems))
    for class_aware in (False, True):
        for max_outputs in (10, 100):  # 100 exceeds what survives: padding path
            indices, valid = map(np.asarray, _batched(boxes, scores, classes, max_outputs, class_aware))
            for i in range(len(problems)):
                expected = ref.nms(boxes[i], scores[i], 0.5, max_outputs, classes[i] if class_aware else None)
                assert list(indices[i][valid[i]]) == expected
                assert valid[i].sum() == len(expected) and not valid[i][len(expected):].any()


def test_class_aware_does_not_suppress_across_classes():
    boxes = jnp.array([[0, 0, 10, 10], [0, 0, 10, 10], [1, 1, 10, 10]], jnp.float32)
    scores = jnp.array([0.9, 0.8, 0.7])
    indices, valid = non_max_suppression(boxes, scores, 0.5, 5, classes=jnp.array([0, 1, 0]))
    assert list(np.asarray(indices)[np.asarray(valid)]) == [0, 1]
    indices, valid = non_max_suppression(boxes, scores, 0.5, 5)
    assert list(np.asarray(indices)[np.asarray(valid)]) == [0]


def test_caps_outputs_and_keeps_the_best():
    # 300 disjoint unit boxes: nothing suppresses anything.
    grid = np.stack(np.meshgrid(np.arange(20), np.arange(15), indexing="ij"), -1).reshape(-1, 2) * 2.0
    boxes = np.concatenate([grid, grid + 1.0], axis=1).astype(np.float32)
    scores = np.random.default_rng(3).permutation(300).astype(np.float32)
    indices, valid = jax.jit(functools.partial(non_max_suppression, iou_threshold=0.5, max_outputs=100))(
        boxes, scores
    )
    assert indices.shape == (100,) and bool(valid.all())
    np.testing.assert_array_equal(indices, np.argsort(-scores)[:100])


def test_degenerate_boxes_are_kept_once():
    boxes = jnp.zeros((3, 4))
    indices, valid = non_max_suppression(boxes, jnp.array([0.3, 0.2, 0.1]), 0.5, 5)
    np.testing.assert_array_equal(np.asarray(indices)[np.asarray(valid)], [0, 1, 2])
