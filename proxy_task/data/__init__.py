"""Input data of the proxy task: COCO 2017 or a synthetic shapes set, via TFDS.

One code path serves both datasets: a TFDS builder (``coco/2017`` or our
``synthetic_shapes``, which has COCO's feature layout) -> ``read_split``
(held-out filter) -> ``preprocess`` (resize, jitter, flip, crop, pad) -> batched
numpy dicts. Typical use::

    config = DataConfig(dataset="synthetic", data_dir="/data/tfds")
    ensure_prepared(config)                    # renders the synthetic set once
    info = dataset_info(config)                # classes and split sizes
    for batch in build_dataset(config, "train"):
        ...                                    # batch["image"]: [B, S, S, 3]
"""

import tensorflow as tf

# JAX owns the accelerator; tf.data needs only the CPU. tensorflow-cpu sees no
# GPU anyway, but a full tensorflow install would reserve all GPU memory.
try:
    tf.config.set_visible_devices([], "GPU")
except RuntimeError:  # devices were already initialized by someone else
    pass

from proxy_task.data.config import DataConfig, SyntheticConfig  # noqa: E402
from proxy_task.data.errors import DatasetNotFoundError  # noqa: E402
from proxy_task.data.pipeline import build_dataset, build_tf_dataset  # noqa: E402
from proxy_task.data.sources import (  # noqa: E402
    SPLITS, DatasetInfo, class_names, dataset_info, ensure_prepared, heldout_ids, read_split)
from proxy_task.data.synthetic_builder import prepare_synthetic  # noqa: E402

__all__ = [
    "DataConfig", "SyntheticConfig", "DatasetNotFoundError", "DatasetInfo", "SPLITS", "class_names",
    "build_dataset", "build_tf_dataset", "dataset_info", "ensure_prepared", "heldout_ids",
    "prepare_synthetic", "read_split",
]
