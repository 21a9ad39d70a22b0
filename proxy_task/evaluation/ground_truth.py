"""Ground truth for COCO evaluation, built in memory from a TFDS split.

The held-out split is carved out of train2017, so no annotation JSON exists
for it; as in AXLearn's evaluator, the ground truth is read from the dataset
itself. It is read from the raw split, not from preprocessed batches, so it
keeps every box (none cropped or dropped by ``max_boxes``), COCO's own ``area``
(mask area, which decides small/medium/large) and the original image sizes.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from proxy_task.data import DataConfig, class_names, read_split
from proxy_task.data.tensorflow_cpu import tf


@dataclasses.dataclass(frozen=True)
class GroundTruth:
    """Images and annotations of one split, in original image pixels.

    Attributes:
      image_ids: int64 [N] ids of every image of the split.
      image_sizes: int64 [N, 2] (height, width).
      ann_image_ids: int64 [A] image of each annotation.
      boxes: float64 [A, 4] (x, y, width, height), COCO's box format.
      classes: int64 [A] contiguous class ids.
      is_crowd: bool [A].
      areas: float64 [A] COCO areas (mask area for COCO, visible pixels for
        the synthetic set).
      class_names: name of each class id.
    """

    image_ids: np.ndarray
    image_sizes: np.ndarray
    ann_image_ids: np.ndarray
    boxes: np.ndarray
    classes: np.ndarray
    is_crowd: np.ndarray
    areas: np.ndarray
    class_names: tuple[str, ...]

    def to_coco_dict(self) -> dict:
        """The ground truth as a COCO annotation dict (``COCO().dataset``)."""
        images = [{"id": int(i), "height": int(h), "width": int(w)}
                  for i, (h, w) in zip(self.image_ids, self.image_sizes)]
        annotations = [
            {"id": k + 1,  # COCOeval needs unique, non-zero annotation ids
             "image_id": int(image_id), "category_id": int(label),
             "bbox": [float(v) for v in box], "area": float(area), "iscrowd": int(crowd)}
            for k, (image_id, label, box, area, crowd) in enumerate(
                zip(self.ann_image_ids, self.classes, self.boxes, self.areas, self.is_crowd))]
        categories = [{"id": i, "name": name} for i, name in enumerate(self.class_names)]
        return {"images": images, "annotations": annotations, "categories": categories}


def _image_size(encoded: tf.Tensor) -> tf.Tensor:
    # A JPEG header holds the size: no need to decode 7,392 images.
    return tf.cond(tf.io.is_jpeg(encoded),
                   lambda: tf.io.extract_jpeg_shape(encoded)[:2],
                   lambda: tf.shape(tf.io.decode_image(encoded, expand_animations=False))[:2])


def _summary(example: dict) -> dict:
    objects = example["objects"]
    return {"image_id": example["image/id"], "size": _image_size(example["image"]),
            "bbox": objects["bbox"], "label": objects["label"],
            "is_crowd": objects["is_crowd"], "area": objects["area"]}


def ground_truth_from_dataset(config: DataConfig, split: str = "heldout") -> GroundTruth:
    """Reads a split once and returns its ground truth.

    Args:
      config: which dataset and data dir (augmentation settings are ignored).
      split: ``'heldout'`` (the reward split) or ``'validation'``.

    Raises:
      DatasetNotFoundError: if the dataset is not prepared.
      ValueError: if an image id repeats.
    """
    ds = read_split(config, split).map(_summary, num_parallel_calls=tf.data.AUTOTUNE)
    image_ids, sizes, ann_ids, boxes, classes, crowd, areas = [], [], [], [], [], [], []
    for ex in ds.as_numpy_iterator():
        height, width = ex["size"]
        image_ids.append(ex["image_id"])
        sizes.append((height, width))
        n = len(ex["label"])
        ymin, xmin, ymax, xmax = np.reshape(ex["bbox"], (n, 4)).T.astype(np.float64)
        boxes.append(np.stack([xmin * width, ymin * height,
                               (xmax - xmin) * width, (ymax - ymin) * height], axis=1))
        ann_ids.append(np.full(n, ex["image_id"], np.int64))
        classes.append(ex["label"])
        crowd.append(ex["is_crowd"])
        areas.append(ex["area"])
    image_ids = np.array(image_ids, np.int64)
    if len(np.unique(image_ids)) != len(image_ids):
        raise ValueError(f"{config.dataset} split {split!r} repeats image ids; COCO "
                         "evaluation needs one entry per image.")
    cat = lambda parts, dtype, shape=(0,): (np.concatenate(parts).astype(dtype) if parts
                                           else np.zeros(shape, dtype))
    return GroundTruth(
        image_ids=image_ids,
        image_sizes=np.array(sizes, np.int64).reshape(-1, 2),
        ann_image_ids=cat(ann_ids, np.int64),
        boxes=cat(boxes, np.float64, (0, 4)),
        classes=cat(classes, np.int64),
        is_crowd=cat(crowd, bool),
        areas=cat(areas, np.float64),
        class_names=class_names(config),
    )
