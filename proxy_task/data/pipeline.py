"""The tf.data input pipeline: raw split -> shuffled, augmented, batched numpy.

Training (``split='train'`` by default): files and examples are shuffled,
the split repeats forever, every image gets its own flip/jitter/crop draw, and
the last incomplete batch of an epoch never appears (batches flow across
epochs). Evaluation: one pass in storage order, no augmentation, and the last
batch is padded to ``batch_size`` with ``image_id == -1`` images so that every
batch has the same shape (one jit compilation).

With ``config.deterministic`` (the default) two runs with the same config yield
identical batches: augmentation draws are keyed by the example's position in
the stream, never by thread scheduling.
"""

from __future__ import annotations

from typing import Iterator

import numpy as np

from proxy_task.data.config import DataConfig
from proxy_task.data.preprocess import preprocess
from proxy_task.data.sources import read_split
from proxy_task.data.tensorflow_cpu import tf

# Batch padding values; every other key pads with zeros / False.
_PAD_VALUES = {"image_id": -1, "classes": -1}


def _pad_batch(batch: dict[str, tf.Tensor], batch_size: int) -> dict[str, tf.Tensor]:
    missing = batch_size - tf.shape(batch["image_id"])[0]

    def pad(key, value):
        paddings = [[0, missing]] + [[0, 0]] * (value.shape.rank - 1)
        padded = tf.pad(value, paddings, constant_values=_PAD_VALUES.get(key, 0))
        return tf.ensure_shape(padded, [batch_size] + value.shape[1:].as_list())

    return {key: pad(key, value) for key, value in batch.items()}


def build_tf_dataset(config: DataConfig, split: str = "train", *,
                     training: bool | None = None, skip_batches: int = 0) -> tf.data.Dataset:
    """The pipeline as a ``tf.data.Dataset`` of batched dicts of tensors.

    Args:
      config: dataset, sizes, augmentation and seeds.
      split: ``'train'``, ``'heldout'`` or ``'validation'`` (see
        ``proxy_task.data.sources``).
      training: shuffle + augment + repeat + drop remainder; defaults to
        ``split == 'train'``.
      skip_batches: training only: start after this many batches, exactly as if
        they had been read (a training resumed from a checkpoint); the skipped
        examples are never decoded.

    Returns:
      Batches as described in ``proxy_task.data.preprocess``.

    Raises:
      DatasetNotFoundError: if the dataset is not prepared in ``config.data_dir``.
    """
    training = split == "train" if training is None else training
    parallel = dict(num_parallel_calls=tf.data.AUTOTUNE, deterministic=config.deterministic)
    ds = read_split(config, split, shuffle_files=training)
    if training:
        # Shuffle still-encoded examples: a JPEG is ~10x smaller than its pixels.
        ds = ds.shuffle(config.shuffle_buffer, seed=config.seed, reshuffle_each_iteration=True)
        ds = ds.repeat()
    seed = tf.constant(config.seed, tf.int64)
    ds = ds.enumerate()
    if skip_batches:
        if not training:
            raise ValueError("skip_batches: only a training pipeline resumes part-way")
        ds = ds.skip(skip_batches * config.batch_size)  # before decoding; augmentation keys stay by index
    ds = ds.map(
        lambda index, example: preprocess(example, tf.stack([seed, index]), config, training),
        **parallel)
    ds = ds.batch(config.batch_size, drop_remainder=training, **parallel)
    if not training:
        ds = ds.map(lambda batch: _pad_batch(batch, config.batch_size))
    options = tf.data.Options()
    options.deterministic = config.deterministic
    return ds.prefetch(tf.data.AUTOTUNE).with_options(options)


def build_dataset(config: DataConfig, split: str = "train", *,
                  training: bool | None = None, skip_batches: int = 0) -> Iterator[dict[str, np.ndarray]]:
    """The pipeline as an iterator of numpy batches, ready for ``jax.device_put``.

    Arguments and errors as ``build_tf_dataset``. Training iterators never end;
    evaluation iterators end after one pass over the split.
    """
    return build_tf_dataset(config, split, training=training, skip_batches=skip_batches).as_numpy_iterator()
