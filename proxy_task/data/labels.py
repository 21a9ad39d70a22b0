"""The class names of each dataset, known without TensorFlow or a prepared dataset.

They are the label vocabularies the TFDS features declare (COCO's 80
categories; the synthetic set's shapes), restated here so that commands and
benchmarks that read no data (``benchmarks/speed.py`` on a machine with only
JAX) can size a model's head. COCO's were the readers' names already (TFDS sets
them only when it builds the dataset); ``tests/proxy_task/data`` checks the
synthetic ones against its builder's features.
"""

from __future__ import annotations

from proxy_task.data.coco_categories import COCO_CLASS_NAMES
from proxy_task.data.config import DataConfig
from proxy_task.data.shapes import SHAPE_NAMES


def class_names(config: DataConfig) -> tuple[str, ...]:
    """Name of each class id of ``config``'s dataset (no data is read)."""
    return COCO_CLASS_NAMES if config.dataset == "coco" else SHAPE_NAMES
