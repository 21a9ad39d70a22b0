"""Frozen configs of the proxy task's input data.

``DataConfig`` is the one object the training code passes around; the
synthetic dataset's own settings nest inside it as ``SyntheticConfig``. Both are
frozen and hashable, and an unknown field is a ``TypeError`` at construction,
so a typo cannot silently fall back to a default.
"""

from __future__ import annotations

import dataclasses

DATASETS = ("synthetic", "coco")


@dataclasses.dataclass(frozen=True)
class SyntheticConfig:
    """Settings of the procedurally generated shapes dataset.

    Every field changes the rendered pixels, so every field is part of
    ``name``, the TFDS builder-config name: two settings never share a folder
    of the data dir.

    Attributes:
      num_train: images in the ``train`` split.
      num_heldout: images in the ``validation`` split, the reward split.
      image_size: long side of every image in pixels; the short side is drawn
        from [0.6, 1.0] of it so that resize-and-pad is exercised.
      max_objects: most annotated shapes per image (a crowd counts as one).
      seed: root of every random draw; image ``k`` of a split depends only on
        ``(seed, split, k)``.
    """

    num_train: int = 2000
    num_heldout: int = 500
    image_size: int = 256
    max_objects: int = 8
    seed: int = 0

    def __post_init__(self):
        for field in ("num_train", "num_heldout", "max_objects"):
            if getattr(self, field) < 1:
                raise ValueError(f"SyntheticConfig.{field}={getattr(self, field)} must be >= 1.")
        if self.image_size < 32:
            raise ValueError(f"SyntheticConfig.image_size={self.image_size} must be >= 32 pixels.")
        if self.seed < 0:
            raise ValueError(f"SyntheticConfig.seed={self.seed} must be >= 0.")

    @property
    def name(self) -> str:
        """TFDS config name, e.g. ``n2000_h500_px256_obj8_seed0``."""
        return (f"n{self.num_train}_h{self.num_heldout}_px{self.image_size}"
                f"_obj{self.max_objects}_seed{self.seed}")


@dataclasses.dataclass(frozen=True)
class DataConfig:
    """How batches are read, augmented and shaped for one proxy trial.

    Attributes:
      dataset: ``'synthetic'`` (the embedded default) or ``'coco'`` (TFDS
        ``coco/2017``, prepared beforehand).
      data_dir: TFDS data dir; ``None`` means TFDS's default
        (``$TFDS_DATA_DIR`` or ``~/tensorflow_datasets``).
      input_size: side S of the square network input; the long side of each
        image is resized to S and the short side zero-padded.
      batch_size: images per batch; evaluation batches are padded to it.
      scale_jitter: (min, max) factor on the resize scale when training;
        ``(1.0, 1.0)`` turns it off. Images larger than S after jitter are
        randomly cropped back to S.
      horizontal_flip: flip half of the training images left-right.
      max_boxes: M, boxes per image after padding; extra boxes are dropped
        from the batch (evaluation ground truth keeps them all).
      seed: seeds file order, shuffling and every augmentation draw.
      deterministic: keep tf.data's element order fixed, so batches are
        reproducible; ``False`` lets parallel reads and maps finish out of
        order (faster, not reproducible).
      shuffle_buffer: examples in the training shuffle buffer.
      heldout_ids_file: COCO only: a text file of train2017 image ids to hold
        out (see ``proxy_task.data.heldout``); ``None`` uses the sha256-rank
        rule over the ids present.
      synthetic: settings of the synthetic dataset (ignored for COCO).
    """

    dataset: str = "synthetic"
    data_dir: str | None = None
    input_size: int = 256
    batch_size: int = 8
    scale_jitter: tuple[float, float] = (0.8, 1.2)
    horizontal_flip: bool = True
    max_boxes: int = 100
    seed: int = 0
    deterministic: bool = True
    shuffle_buffer: int = 1024
    heldout_ids_file: str | None = None
    synthetic: SyntheticConfig = SyntheticConfig()

    def __post_init__(self):
        object.__setattr__(self, "scale_jitter", tuple(float(s) for s in self.scale_jitter))
        if self.dataset not in DATASETS:
            raise ValueError(f"DataConfig.dataset={self.dataset!r}; expected one of {DATASETS}.")
        low, high = self.scale_jitter
        if not 0 < low <= high:
            raise ValueError(f"DataConfig.scale_jitter={self.scale_jitter} must be (min, max) "
                             "with 0 < min <= max, e.g. (0.8, 1.2) or (1.0, 1.0) for none.")
        for field in ("input_size", "batch_size", "max_boxes", "shuffle_buffer"):
            if getattr(self, field) < 1:
                raise ValueError(f"DataConfig.{field}={getattr(self, field)} must be >= 1.")
        if self.seed < 0:
            raise ValueError(f"DataConfig.seed={self.seed} must be >= 0.")
