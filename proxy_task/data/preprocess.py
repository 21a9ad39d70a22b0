"""Per-image preprocessing: decode, flip, resize with scale jitter, crop, pad, boxes.

Following SpineNet §5.1 and the TF Model Garden's ``resize_and_crop_image``:
the long side is resized to S (times a random jitter factor when training),
an image larger than S after jitter is randomly cropped back to S, and the
result is zero-padded at the bottom and right to an S x S square. Boxes go
through the same affine map, so they are absolute pixels of the padded input,
(ymin, xmin, ymax, xmax), with continuous coordinates (pixel edges).

Randomness is stateless and keyed by ``(seed, example index)``, so an image's
augmentation does not depend on thread scheduling or on parallelism.

Outputs per image (the batch dict adds a leading B axis):

==============  ========  =======================================================
key             dtype     meaning
==============  ========  =======================================================
``image``       float32   [S, S, 3], ImageNet mean/std normalized; padding 0 (mean)
``boxes``       float32   [M, 4] input pixels (ymin, xmin, ymax, xmax); 0 padding
``classes``     int32     [M] class ids, -1 for padding
``is_crowd``    bool      [M] COCO crowd regions (ignored by COCO eval matching)
``valid``       bool      [M] ``classes >= 0``
``image_id``    int64     dataset image id; -1 marks batch padding in evaluation
``orig_size``   int32     [2] (height, width) of the original image
``scale``       float32   [2] (y, x) input pixels per original pixel
``offset``      float32   [2] (y, x) crop offset in scaled pixels (0 without crop)
==============  ========  =======================================================

An input point p maps back to the original image as ``(p + offset) / scale``.
"""

from __future__ import annotations

from proxy_task.data.config import DataConfig
from proxy_task.data.tensorflow_cpu import tf

# ImageNet statistics, as the TF Model Garden detection inputs use.
MEAN_RGB = (0.485 * 255, 0.456 * 255, 0.406 * 255)
STDDEV_RGB = (0.229 * 255, 0.224 * 255, 0.225 * 255)


def _random_draws(seed: tf.Tensor, training: bool, config: DataConfig) -> dict[str, tf.Tensor]:
    """flip, jitter and crop draws in [0, 1); fixed values for evaluation."""
    if not training:
        return {"flip": tf.constant(False), "jitter": tf.constant(1.0),
                "crop": tf.zeros([2])}
    u = tf.random.stateless_uniform([4], seed=seed)
    low, high = config.scale_jitter
    return {"flip": tf.logical_and(config.horizontal_flip, u[0] < 0.5),
            "jitter": low + (high - low) * u[1],
            "crop": u[2:]}


def preprocess(example: dict, seed: tf.Tensor, config: DataConfig, training: bool) -> dict:
    """One raw TFDS example (JPEG bytes, normalized boxes) -> one model input.

    Args:
      example: TFDS example with ``image`` still encoded (``SkipDecoding``).
      seed: int64 [2] stateless seed, e.g. ``(config.seed, example_index)``.
      config: sizes, jitter range and flip switch.
      training: augment (flip, jitter, random crop) or not.

    Returns:
      The dict described in the module docstring, unbatched.
    """
    size = config.input_size
    image = tf.io.decode_image(example["image"], channels=3, expand_animations=False)
    orig_hw = tf.shape(image)[:2]
    hw = tf.cast(orig_hw, tf.float32)
    objects = example["objects"]
    boxes = tf.reshape(tf.cast(objects["bbox"], tf.float32), [-1, 4]) * tf.tile(hw, [2])
    draws = _random_draws(seed, training, config)

    # Flip the original so that padding stays bottom-right in every image.
    image = tf.cond(draws["flip"], lambda: tf.image.flip_left_right(image), lambda: image)
    boxes = tf.cond(draws["flip"],
                    lambda: tf.stack([boxes[:, 0], hw[1] - boxes[:, 3],
                                      boxes[:, 2], hw[1] - boxes[:, 1]], axis=1),
                    lambda: boxes)

    scaled_hw = tf.maximum(tf.round(hw * (size / tf.reduce_max(hw)) * draws["jitter"]), 1.0)
    scale = scaled_hw / hw  # exact per-axis factor after rounding to whole pixels
    offset = tf.floor(draws["crop"] * (tf.maximum(scaled_hw - size, 0.0) + 1.0))
    offset = tf.minimum(offset, tf.maximum(scaled_hw - size, 0.0))

    image = tf.image.resize(image, tf.cast(scaled_hw, tf.int32), method="bilinear")
    image = (image - MEAN_RGB) / STDDEV_RGB
    top, left = tf.unstack(tf.cast(offset, tf.int32))
    image = image[top:top + size, left:left + size]
    image = tf.ensure_shape(tf.image.pad_to_bounding_box(image, 0, 0, size, size),
                            [size, size, 3])

    boxes = boxes * tf.tile(scale, [2]) - tf.tile(offset, [2])
    visible_hw = tf.minimum(scaled_hw - offset, float(size))
    boxes = tf.clip_by_value(boxes, 0.0, tf.tile(visible_hw, [2]))
    # Boxes cropped away entirely have collapsed to zero height or width.
    keep = tf.logical_and(boxes[:, 2] > boxes[:, 0], boxes[:, 3] > boxes[:, 1])
    return {
        "image": image,
        **_pad_objects(tf.boolean_mask(boxes, keep),
                       tf.boolean_mask(tf.cast(objects["label"], tf.int32), keep),
                       tf.boolean_mask(objects["is_crowd"], keep), config.max_boxes),
        "image_id": tf.cast(example["image/id"], tf.int64),
        "orig_size": tf.cast(orig_hw, tf.int32),
        "scale": scale,
        "offset": offset,
    }


def _pad_objects(boxes, classes, is_crowd, max_boxes: int) -> dict[str, tf.Tensor]:
    """Truncates or pads the per-object tensors to exactly ``max_boxes`` rows."""
    count = tf.minimum(tf.shape(classes)[0], max_boxes)
    pad = max_boxes - count
    return {
        "boxes": tf.ensure_shape(tf.pad(boxes[:count], [[0, pad], [0, 0]]), [max_boxes, 4]),
        "classes": tf.ensure_shape(tf.pad(classes[:count], [[0, pad]], constant_values=-1),
                                   [max_boxes]),
        "is_crowd": tf.ensure_shape(tf.pad(is_crowd[:count], [[0, pad]]), [max_boxes]),
        "valid": tf.ensure_shape(tf.sequence_mask(count, max_boxes), [max_boxes]),
    }
