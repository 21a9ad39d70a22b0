"""IoU, IoA and clipping against loops over box pairs."""

import jax
import jax.numpy as jnp
import numpy as np

from proxy_task.detection import box_area, clip_boxes, pairwise_ioa, pairwise_iou

from . import numpy_reference as ref


def test_pairwise_iou_matches_brute_force():
    rng = np.random.default_rng(0)
    a, b = ref.random_boxes(rng, 13), ref.random_boxes(rng, 7)
    np.testing.assert_allclose(pairwise_iou(a, b), ref.pairwise_iou(a, b), rtol=1e-5, atol=1e-6)
    # Batched leading axes broadcast.
    batched = pairwise_iou(np.stack([a, a]), np.stack([b, b]))
    assert batched.shape == (2, 13, 7)


def test_degenerate_boxes_give_zero_without_nans():
    boxes = jnp.array([[0.0, 0.0, 0.0, 0.0], [5.0, 5.0, 5.0, 9.0], [0.0, 0.0, 4.0, 4.0]])
    iou = pairwise_iou(boxes, boxes)
    np.testing.assert_array_equal(iou, [[0, 0, 0], [0, 0, 0], [0, 0, 1]])
    grad = jax.grad(lambda x: pairwise_iou(x, x).sum())(boxes)
    assert np.isfinite(np.asarray(grad)).all()


def test_ioa_is_fraction_of_first_box_covered():
    small = np.array([[0.0, 0.0, 2.0, 2.0]])
    big = np.array([[0.0, 0.0, 4.0, 4.0]])
    np.testing.assert_allclose(pairwise_ioa(small, big), [[1.0]])
    np.testing.assert_allclose(pairwise_ioa(big, small), [[0.25]])
    np.testing.assert_allclose(box_area(big), [16.0])


def test_clip_boxes_per_image():
    boxes = jnp.array([[[-5.0, -5.0, 70.0, 20.0]], [[10.0, 50.0, 40.0, 90.0]]])
    clipped = clip_boxes(boxes, jnp.array([[64.0], [32.0]]), jnp.array([[64.0], [60.0]]))
    np.testing.assert_array_equal(clipped, [[[0, 0, 64, 20]], [[10, 50, 32, 60]]])
