"""How many classes a dataset's detector predicts, known without TensorFlow (the campaign driver never loads it).

The names themselves are the datasets' own (``shapes.SHAPE_NAMES`` for the embedded synthetic
dataset, ``coco_categories.COCO_CLASS_NAMES``); ``sources.dataset_info`` reports the same count
from the prepared dataset.
"""

from __future__ import annotations

from proxy_task.data.coco_categories import COCO_CLASS_NAMES
from proxy_task.data.shapes import SHAPE_NAMES

CLASS_NAMES = {"synthetic": SHAPE_NAMES, "coco": COCO_CLASS_NAMES}


def num_classes(dataset: str) -> int:
    """The class count of ``dataset`` ('synthetic' or 'coco')."""
    try:
        return len(CLASS_NAMES[dataset])
    except KeyError:
        raise ValueError(f"unknown dataset {dataset!r}; use one of {sorted(CLASS_NAMES)}") from None
