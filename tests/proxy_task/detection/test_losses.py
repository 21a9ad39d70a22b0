"""Focal loss against its formula; the RetinaNet loss's masking and normalisation."""

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

from proxy_task.detection import AnchorLabels, LossConfig, retinanet_loss, sigmoid_focal_loss

from . import numpy_reference as ref


def test_focal_loss_matches_formula_and_optax():
    logits = np.linspace(-12.0, 12.0, 49, dtype=np.float32)
    for target in (0.0, 1.0):
        targets = np.full_like(logits, target)
        got = sigmoid_focal_loss(logits, targets, 0.25, 1.5)
        np.testing.assert_allclose(got, ref.focal_loss(logits, targets, 0.25, 1.5), rtol=2e-5, atol=1e-7)
        from_optax = optax.sigmoid_focal_loss(logits, targets, alpha=0.25, gamma=1.5)
        np.testing.assert_allclose(got, from_optax, rtol=1e-4, atol=1e-7)


def test_focal_loss_is_finite_with_finite_gradients_at_extreme_logits():
    logits = jnp.array([-500.0, -80.0, 0.0, 80.0, 500.0])
    for target in (0.0, 1.0):
        targets = jnp.full_like(logits, target)
        loss, grad = jax.value_and_grad(lambda z: sigmoid_focal_loss(z, targets, 0.25, 1.5).sum())(logits)
        assert np.isfinite(loss) and np.isfinite(np.asarray(grad)).all()
    # A confident right answer costs ~0; a confident wrong one ~|z| * alpha_t.
    one = jnp.array([1.0])
    np.testing.assert_allclose(sigmoid_focal_loss(jnp.array([80.0]), one, 0.25, 1.5), 0.0, atol=1e-20)
    np.testing.assert_allclose(sigmoid_focal_loss(jnp.array([-80.0]), one, 0.25, 1.5), 20.0, rtol=1e-5)


def _batch(rng, batch=2, anchors=6, classes=3):
    class_targets = np.array([[2, -1, -1, 0, -1, -1], [-1, -1, 1, -1, -1, -1]], np.int32)
    positive = class_targets >= 0
    ignore = np.array([[0, 1, 0, 0, 0, 0], [0, 0, 0, 0, 1, 1]], bool)
    box_targets = np.where(positive[..., None], rng.normal(0, 0.2, (batch, anchors, 4)), 0.0).astype(np.float32)
    labels = AnchorLabels(class_targets, box_targets, positive, ignore)
    logits = rng.normal(0, 2, (batch, anchors, classes)).astype(np.float32)
    boxes = rng.normal(0, 0.2, (batch, anchors, 4)).astype(np.float32)
    return logits, boxes, labels


def test_retinanet_loss_matches_numpy():
    logits, boxes, labels = _batch(np.random.default_rng(0))
    config = LossConfig()
    total, metrics = jax.jit(retinanet_loss)(logits, boxes, labels)

    normalizer = labels.positive_mask.sum() + 1.0  # 3 positives in the batch, + 1
    onehot = (labels.class_targets[..., None] == np.arange(3)).astype(np.float64)
    focal = ref.focal_loss(logits, onehot, 0.25, 1.5) * ~labels.ignore_mask[..., None]
    cls = focal.sum() / normalizer
    huber = ref.huber(boxes - labels.box_targets, 0.1) * labels.positive_mask[..., None]
    box = huber.sum() / (4 * normalizer)
    np.testing.assert_allclose(metrics["cls_loss"], cls, rtol=1e-5)
    np.testing.assert_allclose(metrics["box_loss"], box, rtol=1e-5)
    np.testing.assert_allclose(total, cls + config.box_loss_weight * box, rtol=1e-5)
    assert metrics["num_positives"] == 3


def test_ignored_and_negative_anchors_leave_their_losses_out():
    logits, boxes, labels = _batch(np.random.default_rng(1))
    total, _ = retinanet_loss(logits, boxes, labels)
    perturbed_logits = np.where(labels.ignore_mask[..., None], 50.0, logits)
    perturbed_boxes = np.where(labels.positive_mask[..., None], boxes, 9.0)
    total2, _ = retinanet_loss(perturbed_logits, perturbed_boxes, labels)
    np.testing.assert_allclose(total, total2, rtol=1e-6)


def test_no_positives_normalises_by_one():
    logits, boxes, labels = _batch(np.random.default_rng(2))
    empty = AnchorLabels(
        np.full_like(labels.class_targets, -1),
        np.zeros_like(labels.box_targets),
        np.zeros_like(labels.positive_mask),
        labels.ignore_mask,
    )
    total, metrics = retinanet_loss(logits, boxes, empty)
    expected = (ref.focal_loss(logits, np.zeros_like(logits), 0.25, 1.5) * ~empty.ignore_mask[..., None]).sum()
    np.testing.assert_allclose(metrics["cls_loss"], expected, rtol=1e-5)
    assert metrics["box_loss"] == 0.0 and np.isfinite(total)


@pytest.mark.slow
def test_level_chunks_give_the_flat_loss_and_gradients():
    logits, boxes, labels = _batch(np.random.default_rng(3))
    cuts = (2, 5)  # chunks of 2, 3 and 1 anchors, like levels of decreasing size

    def chunked(z, b):
        return retinanet_loss(jnp.split(z, cuts, axis=1), jnp.split(b, cuts, axis=1), labels)[0]

    def flat(z, b):
        return retinanet_loss(z, b, labels)[0]

    got, got_grads = jax.value_and_grad(chunked, argnums=(0, 1))(logits, boxes)
    want, want_grads = jax.value_and_grad(flat, argnums=(0, 1))(logits, boxes)
    np.testing.assert_allclose(got, want, rtol=1e-6)
    for g, w in zip(got_grads, want_grads):
        np.testing.assert_allclose(g, w, rtol=1e-6, atol=1e-9)
    assert np.abs(np.asarray(got_grads[0])).sum() > 0


def test_chunks_that_do_not_cover_the_anchors_are_refused():
    logits, boxes, labels = _batch(np.random.default_rng(4))
    try:
        retinanet_loss([logits[:, :2], logits[:, 2:4]], [boxes[:, :2], boxes[:, 2:4]], labels)
    except ValueError as error:
        assert "(2, 2, 3), (2, 2, 3)" in str(error) and "(2, 6)" in str(error)
    else:
        raise AssertionError("4 of 6 anchors were accepted")
