"""The tf.data pipeline on the prepared synthetic set, and preprocessing on known pixels."""

import dataclasses

import numpy as np
import pytest
import tensorflow as tf

from proxy_task.data import build_dataset
from proxy_task.data.preprocess import MEAN_RGB, STDDEV_RGB, preprocess
from proxy_task.data.shapes import render_scene


def _take(iterator, n):
    return [next(iterator) for _ in range(n)]


def test_training_batches_have_fixed_shapes_and_dtypes(synthetic_config):
    cfg = synthetic_config
    batch = next(build_dataset(cfg, "train"))
    b, s, m = cfg.batch_size, cfg.input_size, cfg.max_boxes
    expected = {"image": ((b, s, s, 3), np.float32), "boxes": ((b, m, 4), np.float32),
                "classes": ((b, m), np.int32), "is_crowd": ((b, m), np.bool_),
                "valid": ((b, m), np.bool_), "image_id": ((b,), np.int64),
                "orig_size": ((b, 2), np.int32), "scale": ((b, 2), np.float32),
                "offset": ((b, 2), np.float32)}
    assert {k: (v.shape, v.dtype) for k, v in batch.items()} == expected
    assert np.array_equal(batch["valid"], batch["classes"] >= 0)
    boxes = batch["boxes"][batch["valid"]]
    assert np.all((boxes >= 0) & (boxes <= s)) and np.all(boxes[:, 2:] > boxes[:, :2])
    assert np.all(batch["boxes"][~batch["valid"]] == 0)


def test_same_seed_same_batches_other_seed_other_batches(synthetic_config):
    first = _take(build_dataset(synthetic_config, "train"), 12)  # two epochs of 24 images
    second = _take(build_dataset(synthetic_config, "train"), 12)
    other = _take(build_dataset(dataclasses.replace(synthetic_config, seed=1), "train"), 8)
    for a, b in zip(first, second):
        for key in a:
            np.testing.assert_array_equal(a[key], b[key])
    assert any(not np.array_equal(a["image"], c["image"]) for a, c in zip(first, other))
    # Epochs reshuffle and re-augment: epoch 2 is not a copy of epoch 1.
    ids = np.concatenate([b["image_id"] for b in first])
    assert sorted(ids[:24]) == sorted(ids[24:48]) and not np.array_equal(ids[:24], ids[24:48])


def test_a_resumed_pipeline_continues_exactly_across_epochs(synthetic_config):
    straight = _take(build_dataset(synthetic_config, "train"), 9)  # 24 images, batch 4: into epoch 2
    resumed = _take(build_dataset(synthetic_config, "train", skip_batches=7), 2)
    for a, b in zip(straight[7:], resumed):
        for key in a:
            np.testing.assert_array_equal(a[key], b[key])
    with pytest.raises(ValueError, match="only a training pipeline"):
        build_dataset(synthetic_config, "heldout", skip_batches=1)


def test_heldout_is_one_padded_pass_without_augmentation(synthetic_config):
    batches = list(build_dataset(synthetic_config, "heldout"))
    ids = np.concatenate([b["image_id"] for b in batches])
    assert len(batches) == 3 and list(ids[10:]) == [-1, -1]
    assert sorted(ids[:10]) == list(range(25, 35))  # validation ids follow the 24 train ids
    assert np.all(np.concatenate([b["offset"] for b in batches])[:10] == 0)
    sizes = np.concatenate([b["orig_size"] for b in batches])[:10]
    scales = np.concatenate([b["scale"] for b in batches])[:10]
    np.testing.assert_allclose(np.max(sizes * scales, axis=1), synthetic_config.input_size)
    assert all(b["image"].shape[0] == synthetic_config.batch_size for b in batches)


def test_no_augmentation_training_matches_evaluation_boxes(synthetic_config):
    cfg = dataclasses.replace(synthetic_config, scale_jitter=(1.0, 1.0), horizontal_flip=False)
    train = next(build_dataset(cfg, "heldout", training=True))
    evaluation = {i: (b, k) for b in build_dataset(cfg, "heldout")
                  for k, i in enumerate(b["image_id"])}
    for k, image_id in enumerate(train["image_id"]):
        batch, j = evaluation[image_id]
        np.testing.assert_allclose(train["boxes"][k], batch["boxes"][j], atol=1e-4)
        np.testing.assert_allclose(train["image"][k], batch["image"][j], atol=1e-5)


def _instance_example(scene, image_id=1):
    """A TFDS-like raw example whose channel c is the mask of instance c + 1 (lossless PNG)."""
    masks = scene.instances[..., None] == np.arange(1, 4)
    return {
        "image": tf.io.encode_png(masks.astype(np.uint8) * 255),
        "image/id": tf.constant(image_id, tf.int64),
        "objects": {"bbox": tf.constant(scene.boxes), "label": tf.constant(scene.labels),
                    "is_crowd": tf.constant(scene.is_crowd)},
    }


@pytest.mark.parametrize("jitter", [(0.5, 2.0), (0.8, 1.2)])
def test_boxes_follow_the_pixels_through_flip_jitter_and_crop(synthetic_config, jitter):
    cfg = dataclasses.replace(synthetic_config, scale_jitter=jitter, max_boxes=8)
    unflipped_cfg = dataclasses.replace(cfg, horizontal_flip=False)
    flips = crops = checked = 0
    for k in range(12):
        scene = render_scene(np.random.default_rng([11, 0, k]), 128, 5)
        example, seed = _instance_example(scene), tf.constant([5, k], tf.int64)
        out = {key: v.numpy() for key, v in preprocess(example, seed, cfg, True).items()}
        unflipped = preprocess(example, seed, unflipped_cfg, True)["image"].numpy()
        flips += int(not np.allclose(out["image"], unflipped))  # same draws but the flip
        crops += int(np.any(out["offset"] > 0))
        resized = out["image"] * STDDEV_RGB + MEAN_RGB  # masks after bilinear resizing
        for j in range(min(int(out["valid"].sum()), 3)):
            ys, xs = np.nonzero(resized[..., j] > 127.5)
            if len(ys) < 4:
                continue  # a shape shrunk to a few blended pixels
            ymin, xmin, ymax, xmax = out["boxes"][j]
            inside = (ys >= ymin - 1) & (ys < ymax + 1) & (xs >= xmin - 1) & (xs < xmax + 1)
            assert inside.all(), (k, j, inside.mean())
            # ... and the box is tight: the shape's pixels (faint ones included: a thin tip
            # fades when downscaled) reach each of its sides, within 2 px.
            ys, xs = np.nonzero(resized[..., j] > 1.0)
            assert ys.min() <= ymin + 2 and ys.max() + 1 >= ymax - 2
            assert xs.min() <= xmin + 2 and xs.max() + 1 >= xmax - 2
            checked += 1
    assert flips >= 2 and checked >= 15
    if jitter[1] > 1.5:
        assert crops >= 2
