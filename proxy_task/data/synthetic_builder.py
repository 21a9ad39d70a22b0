"""The synthetic shapes dataset as a real TFDS dataset, laid out like ``coco/2017``.

Features are exactly COCO's (``image`` JPEG, ``image/filename``, ``image/id``
and ``objects`` with ``id``, ``area``, ``bbox`` normalized, ``label``,
``is_crowd``), so one reader, one preprocessing and one evaluator serve both.
Splits are ``train`` and ``validation`` (the held-out reward split).

Every ``SyntheticConfig`` is its own TFDS builder config named after all of its
fields, so ``<data_dir>/synthetic_shapes/<config.name>/<VERSION>/`` never mixes
settings. Bump ``VERSION`` whenever ``shapes.py`` changes what gets drawn.
"""

from __future__ import annotations

import logging

import numpy as np
import tensorflow_datasets as tfds

from proxy_task.data.config import SyntheticConfig
from proxy_task.data.shapes import SHAPE_NAMES, render_scene
from proxy_task.data.tensorflow_cpu import tf

SPLITS = ("train", "validation")
# Annotation ids are image_id * _ANN_STRIDE + k, unique as COCO's are.
_ANN_STRIDE = 1000


class ShapesConfig(tfds.core.BuilderConfig):
    """TFDS builder config wrapping a ``SyntheticConfig``."""

    def __init__(self, synthetic: SyntheticConfig):
        if synthetic.max_objects >= _ANN_STRIDE:
            raise ValueError(f"SyntheticConfig.max_objects={synthetic.max_objects} must be "
                             f"< {_ANN_STRIDE} to keep annotation ids unique.")
        super().__init__(name=synthetic.name,
                         description=f"Procedural shapes, {synthetic}.")
        self.synthetic = synthetic


class SyntheticShapes(tfds.core.GeneratorBasedBuilder):
    """Coloured shapes on cluttered backgrounds; see ``proxy_task.data.shapes``."""

    VERSION = tfds.core.Version("1.0.0")
    RELEASE_NOTES = {"1.0.0": "Eight shape classes, crowds, occlusion, clutter."}
    BUILDER_CONFIGS = [ShapesConfig(SyntheticConfig())]

    def _info(self) -> tfds.core.DatasetInfo:
        return self.dataset_info_from_configs(
            features=tfds.features.FeaturesDict({
                "image": tfds.features.Image(encoding_format="jpeg"),
                "image/filename": tfds.features.Text(),
                "image/id": np.int64,
                "objects": tfds.features.Sequence({
                    "id": np.int64,
                    "area": np.int64,
                    "bbox": tfds.features.BBoxFeature(),
                    "label": tfds.features.ClassLabel(names=SHAPE_NAMES),
                    "is_crowd": np.bool_,
                }),
            }),
            homepage="https://github.com/spinenet-nas",
        )

    def _split_generators(self, dl_manager):
        del dl_manager  # nothing to download
        cfg = self.builder_config.synthetic
        return {
            "train": self._generate_examples(0, cfg.num_train, first_id=1),
            "validation": self._generate_examples(1, cfg.num_heldout, first_id=cfg.num_train + 1),
        }

    def _generate_examples(self, split_index: int, count: int, first_id: int):
        cfg = self.builder_config.synthetic
        for k in range(count):
            # Seeding per image makes each one independent of generation order.
            scene = render_scene(np.random.default_rng([cfg.seed, split_index, k]),
                                 cfg.image_size, cfg.max_objects)
            image_id = first_id + k
            yield image_id, {
                # Encoded here: TFDS's own encoder spends seconds building a graph.
                "image": tf.io.encode_jpeg(scene.image, quality=95).numpy(),
                "image/filename": f"{image_id:012d}.jpg",
                "image/id": image_id,
                "objects": {
                    "id": image_id * _ANN_STRIDE + np.arange(len(scene.labels), dtype=np.int64),
                    "area": scene.areas,
                    "bbox": scene.boxes,
                    "label": scene.labels,
                    "is_crowd": scene.is_crowd,
                },
            }


def synthetic_builder(data_dir: str | None, config: SyntheticConfig) -> SyntheticShapes:
    """The TFDS builder of ``config`` in ``data_dir`` (prepared or not)."""
    # TFDS logs a warning for every config not listed in BUILDER_CONFIGS; ours
    # are made on demand by design.
    tfds_logger = logging.getLogger("absl")
    previous = tfds_logger.level
    tfds_logger.setLevel(logging.ERROR)
    try:
        # TFDS wants the listed instance for a listed name, a new one otherwise.
        listed = SyntheticShapes.builder_configs.get(config.name)
        return SyntheticShapes(data_dir=data_dir, config=listed or ShapesConfig(config))
    finally:
        tfds_logger.setLevel(previous)


def prepare_synthetic(data_dir: str | None, config: SyntheticConfig = SyntheticConfig()
                      ) -> SyntheticShapes:
    """Renders and writes the synthetic dataset; a no-op if already prepared.

    Args:
      data_dir: TFDS data dir (``None``: TFDS's default).
      config: what to render. 2,000 + 500 images of 256 px take about 15 s on
        two CPU cores.

    Returns:
      The prepared builder.
    """
    builder = synthetic_builder(data_dir, config)
    # No GCS lookup: the dataset exists nowhere but here, and machines may be offline.
    builder.download_and_prepare(
        download_config=tfds.download.DownloadConfig(try_download_gcs=False))
    return builder
