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

The names below load their module on first use: ``DataConfig`` and the errors
come without TensorFlow, so configs can be built and checked by commands that
read no data; the readers import TensorFlow (``tensorflow_cpu``) when first
touched.
"""

import importlib

_MODULE_OF = {
    "DataConfig": "config", "SyntheticConfig": "config",
    "DatasetNotFoundError": "errors",
    "build_dataset": "pipeline", "build_tf_dataset": "pipeline",
    "SPLITS": "sources", "DatasetInfo": "sources", "class_names": "labels", "dataset_info": "sources",
    "ensure_prepared": "sources", "check_prepared": "sources", "heldout_ids": "sources", "read_split": "sources",
    "prepare_synthetic": "synthetic_builder",
}

__all__ = sorted(_MODULE_OF)


def __getattr__(name: str):
    if name not in _MODULE_OF:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{_MODULE_OF[name]}"), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_MODULE_OF})
