"""Where each split's raw examples come from: TFDS builders, splits and held-out ids.

The proxy task knows three splits:

=============  ======================================  ==========================
split          ``coco`` (TFDS ``coco/2017``)            ``synthetic``
=============  ======================================  ==========================
``train``      train2017 minus the held-out ids         ``train``
``heldout``    the held-out ids of train2017 (7,392)    ``validation``
``validation`` val2017 (final evaluation only)          ``validation``
=============  ======================================  ==========================

``read_split`` returns raw TFDS examples with the image still JPEG-encoded, so
the held-out filter runs before any image is decoded.
"""

from __future__ import annotations

import dataclasses
import logging
import pathlib

import numpy as np
import tensorflow_datasets as tfds

from proxy_task.data import heldout
from proxy_task.data.coco_categories import COCO_CLASS_NAMES
from proxy_task.data.config import DataConfig
from proxy_task.data.errors import DatasetNotFoundError
from proxy_task.data.labels import class_names
from proxy_task.data.synthetic_builder import prepare_synthetic, synthetic_builder
from proxy_task.data.tensorflow_cpu import tf

SPLITS = ("train", "heldout", "validation")
COCO_NAME = "coco/2017"
_LOG = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True)
class DatasetInfo:
    """What the model and the evaluator need to know about a dataset.

    Attributes:
      num_classes: C; classes are 0..C-1 (no background class).
      class_names: name of each class id.
      num_examples: images per split, keyed by ``SPLITS``.
    """

    num_classes: int
    class_names: tuple[str, ...]
    num_examples: dict[str, int]


def get_builder(config: DataConfig) -> tfds.core.DatasetBuilder:
    """The TFDS builder behind ``config`` (prepared or not)."""
    if config.dataset == "synthetic":
        return synthetic_builder(config.data_dir, config.synthetic)
    # try_gcs=False: the proxy task reads only what was prepared locally.
    return tfds.builder(COCO_NAME, data_dir=config.data_dir, try_gcs=False)


def not_found_message(config: DataConfig, builder: tfds.core.DatasetBuilder) -> str:
    """How to prepare the dataset of ``config``; the text of ``DatasetNotFoundError``."""
    where = config.data_dir or "TFDS's default data dir (~/tensorflow_datasets)"
    if config.dataset == "synthetic":
        return (f"Synthetic dataset {builder.info.full_name} is not prepared in {where}. "
                "Prepare it once (about 15 s per 2,500 images of 256 px) with\n"
                "  proxy_task.data.prepare_synthetic(data_dir, config.synthetic)\n"
                "or proxy_task.data.ensure_prepared(config).")
    data_dir = config.data_dir or "~/tensorflow_datasets"
    return (f"COCO ({COCO_NAME}) is not prepared in {where}. Prepare it once (~25 GiB "
            "download, ~25 GiB prepared, about an hour):\n"
            f"  tfds build {COCO_NAME} --data_dir {data_dir}\n"
            "Offline: put train2017.zip, val2017.zip, test2017.zip, "
            "annotations_trainval2017.zip and image_info_test2017.zip from "
            "https://cocodataset.org/#download into a folder M, then\n"
            f"  tfds build {COCO_NAME} --data_dir {data_dir} --manual_dir M")


def as_raw_dataset(config: DataConfig, tfds_split: str, *, shuffle_files: bool = False,
                   decoders=None) -> tf.data.Dataset:
    """``builder.as_dataset`` that turns "not prepared" into ``DatasetNotFoundError``."""
    builder = get_builder(config)
    read_config = tfds.ReadConfig(shuffle_seed=config.seed, try_autocache=False)
    try:
        return builder.as_dataset(split=tfds_split, shuffle_files=shuffle_files,
                                  decoders=decoders, read_config=read_config)
    except AssertionError as err:  # TFDS's way of saying "no data here"
        if not builder.is_prepared():
            raise DatasetNotFoundError(not_found_message(config, builder)) from err
        raise


def scan_image_ids(config: DataConfig, tfds_split: str) -> np.ndarray:
    """All ``image/id`` of a TFDS split, in storage order, without decoding images."""
    decoders = tfds.decode.PartialDecoding({"image/id": True})
    ds = as_raw_dataset(config, tfds_split, decoders=decoders)
    ds = ds.map(lambda ex: ex["image/id"]).batch(8192)
    chunks = list(ds.as_numpy_iterator())
    return np.concatenate(chunks).astype(np.int64) if chunks else np.zeros([0], np.int64)


def heldout_ids(config: DataConfig) -> np.ndarray:
    """The held-out COCO train2017 ids of ``config``, ascending int64.

    An explicit ``heldout_ids_file`` wins. Otherwise the sha256-rank rule runs
    over the ids present; on prepared data the result is cached next to the
    dataset, since the first scan reads all of train2017 (~19 GB).
    """
    if config.dataset != "coco":
        raise ValueError("held-out ids exist only for dataset='coco'; the synthetic "
                         "dataset renders its own held-out split.")
    if config.heldout_ids_file:
        return heldout.read_id_list(config.heldout_ids_file)[0]
    cache = _rank_cache_path(config)
    if cache is not None and cache.exists():
        ids, header = heldout.read_id_list(cache)
        if int(header.get("num_ids", -1)) == _num_train_examples(config):
            return ids
    train_ids = scan_image_ids(config, "train")
    ids = heldout.sha256_rank_heldout(train_ids)
    if cache is not None:
        header = {"rule": f"sha256_rank (salt {heldout.SALT!r})", "source": f"{COCO_NAME} train",
                  "num_ids": len(np.unique(train_ids))}
        try:
            heldout.write_id_list(cache, ids, header)
        except OSError as err:  # a read-only data dir still works, uncached
            _LOG.warning("could not cache held-out ids at %s: %s", cache, err)
    return ids


def _num_train_examples(config: DataConfig) -> int | None:
    try:
        return get_builder(config).info.splits["train"].num_examples
    except KeyError:  # not prepared, or mocked without metadata
        return None


def _rank_cache_path(config: DataConfig) -> pathlib.Path | None:
    builder = get_builder(config)
    if _num_train_examples(config) is None:
        return None  # nothing on disk to key the cache to
    return (pathlib.Path(builder.data_dir_root) / "spinenet_nas" / "heldout"
            / f"{builder.info.full_name.replace('/', '_')}_sha256_rank.txt")


def read_split(config: DataConfig, split: str, *, shuffle_files: bool = False) -> tf.data.Dataset:
    """Raw TFDS examples of a proxy-task split; ``image`` stays JPEG bytes.

    Raises:
      ValueError: for an unknown split.
      DatasetNotFoundError: if the dataset is not prepared.
    """
    if split not in SPLITS:
        raise ValueError(f"split={split!r}; expected one of {SPLITS}.")
    decoders = {"image": tfds.decode.SkipDecoding()}
    if config.dataset == "synthetic" or split == "validation":
        tfds_split = "train" if split == "train" else "validation"
        return as_raw_dataset(config, tfds_split, shuffle_files=shuffle_files, decoders=decoders)
    ids = heldout_ids(config)
    table = tf.lookup.StaticHashTable(
        tf.lookup.KeyValueTensorInitializer(tf.constant(ids, tf.int64),
                                            tf.ones([len(ids)], tf.int64)),
        default_value=0)
    keep_heldout = split == "heldout"
    ds = as_raw_dataset(config, "train", shuffle_files=shuffle_files, decoders=decoders)
    return ds.filter(lambda ex: tf.equal(table.lookup(ex["image/id"]) == 1, keep_heldout))


def dataset_info(config: DataConfig) -> DatasetInfo:
    """Classes and split sizes of ``config``'s dataset.

    Raises:
      DatasetNotFoundError: if the dataset is not prepared.
    """
    builder = get_builder(config)
    if config.dataset == "synthetic":
        if not builder.is_prepared():
            raise DatasetNotFoundError(not_found_message(config, builder))
        names = class_names(config)
        splits = builder.info.splits
        sizes = {"train": splits["train"].num_examples,
                 "heldout": splits["validation"].num_examples,
                 "validation": splits["validation"].num_examples}
        return DatasetInfo(len(names), names, sizes)
    num_heldout = len(heldout_ids(config))  # raises DatasetNotFoundError if missing
    num_train = _num_train_examples(config)
    if num_train is None:  # mocked: count what is there
        num_train = len(np.unique(scan_image_ids(config, "train")))
    try:
        num_val = builder.info.splits["validation"].num_examples
    except KeyError:
        num_val = 0
    sizes = {"train": num_train - num_heldout, "heldout": num_heldout, "validation": num_val}
    return DatasetInfo(len(COCO_CLASS_NAMES), class_names(config), sizes)


def ensure_prepared(config: DataConfig) -> None:
    """Renders the synthetic dataset if missing; checks that COCO is there.

    Raises:
      DatasetNotFoundError: for COCO not prepared in ``config.data_dir``.
    """
    if config.dataset == "synthetic":
        prepare_synthetic(config.data_dir, config.synthetic)
        return
    check_prepared(config)


def check_prepared(config: DataConfig) -> None:
    """Raises ``DatasetNotFoundError`` unless a trial could read the dataset; writes nothing.

    The synthetic dataset always passes (a trial renders it on first use); COCO
    must be prepared, and an explicit ``heldout_ids_file`` must exist.
    """
    if config.dataset == "synthetic":
        return
    builder = get_builder(config)
    if not builder.is_prepared():
        raise DatasetNotFoundError(not_found_message(config, builder))
    if config.heldout_ids_file and not pathlib.Path(config.heldout_ids_file).is_file():
        raise DatasetNotFoundError(f"data.heldout_ids_file {config.heldout_ids_file} does not exist; give the "
                                   f"file of held-out ids, or leave the key unset for the paper's rule")
