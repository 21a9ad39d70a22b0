"""The held-out split: which COCO train2017 images the proxy task's reward uses.

SpineNet (Du et al. 2020, §4) trains proxy models on 110,895 train2017 images and
rewards them with AP on the other 7,392. Two rules pick those 7,392; both give
exactly that count on the full train2017 (118,287 images):

* ``sha256_rank`` (the default, needs only the ids): rank every train image id
  by ``sha256(f"spinenet-nas-heldout/{id}")`` and hold out the first
  ``heldout_count(n)`` = round(n * 7392 / 118287) of the n ids present. It is a
  pure function of the set of ids, so it is computed at run time from whatever
  TFDS holds, and on a partial or mocked train split it still holds out about
  6.25% of it.
* ``vertex_shards`` (the published split): the official TF Model Garden
  converter writes image ``p`` of ``instances_train2017.json``'s ``images`` list
  to TFRecord shard ``p % 256`` (``tfrecord_lib.write_tf_record_dataset``), and
  Vertex AI NAS's SpineNet config evaluates on shards 240-255. 16 shards of 462
  images are 7,392. TFDS sorts images by id, so this rule needs the annotation
  file's order: run ``python -m proxy_task.data.make_heldout_ids`` once where
  COCO is, commit the list it writes, and point
  ``DataConfig.heldout_ids_file`` at it.

Id lists are text files: ``#`` comment lines (rule, source, count, a sha256 of
the ids), then one id per line in ascending order.
"""

from __future__ import annotations

import hashlib
import os
import pathlib
from typing import Iterable, Sequence

import numpy as np

from proxy_task.data.errors import DatasetNotFoundError
from storage.atomic_file import write_atomic

COCO_TRAIN2017_SIZE = 118_287
COCO_HELDOUT_SIZE = 7_392
SALT = "spinenet-nas-heldout"
NUM_SHARDS = 256
HELDOUT_SHARDS = range(240, 256)

RESOURCES = pathlib.Path(__file__).parent / "resources"
# Written by make_heldout_ids --rule vertex_shards; absent until someone with
# COCO generates it (see resources/README.md).
VERTEX_IDS_PATH = RESOURCES / "coco2017_train_heldout_vertex_shards.txt"


def heldout_count(num_ids: int) -> int:
    """Held-out size for ``num_ids`` train ids: 7,392 for the full train2017.

    At least one image is held out from any split of two or more images, so a
    small (mocked or synthetic) dataset still has a reward split.
    """
    count = (num_ids * COCO_HELDOUT_SIZE + COCO_TRAIN2017_SIZE // 2) // COCO_TRAIN2017_SIZE
    return max(count, 1) if num_ids >= 2 else 0


def rank_key(image_id: int) -> bytes:
    """The sha256 digest that orders ids under the ``sha256_rank`` rule."""
    return hashlib.sha256(f"{SALT}/{int(image_id)}".encode()).digest()


def sha256_rank_heldout(image_ids: Iterable[int]) -> np.ndarray:
    """Held-out ids under the ``sha256_rank`` rule, ascending int64.

    A repeated id counts once, so the rule depends only on the set of ids.
    """
    ids = np.unique(np.fromiter((int(i) for i in image_ids), np.int64))
    ranked = sorted(ids.tolist(), key=rank_key)
    return np.sort(np.array(ranked[:heldout_count(len(ids))], np.int64))


def vertex_shard_heldout(ordered_ids: Sequence[int]) -> np.ndarray:
    """Held-out ids under the ``vertex_shards`` rule, ascending int64.

    Args:
      ordered_ids: image ids in the order of ``instances_train2017.json``'s
        ``images`` list (not sorted).
    """
    ordered = np.asarray(ordered_ids, np.int64)
    positions = np.arange(len(ordered))
    held = np.isin(positions % NUM_SHARDS, np.asarray(HELDOUT_SHARDS))
    return np.sort(ordered[held])


def ids_digest(ids: np.ndarray) -> str:
    """sha256 of the ascending ids, one per line; identifies a split in logs."""
    text = "\n".join(str(i) for i in np.sort(np.asarray(ids, np.int64)))
    return hashlib.sha256(text.encode()).hexdigest()


def write_id_list(path: str | os.PathLike, ids: np.ndarray, header: dict[str, object]) -> None:
    """Writes an id list atomically, so concurrent trials never read half a file."""
    ids = np.sort(np.asarray(ids, np.int64))
    lines = [f"# {key}: {value}" for key, value in header.items()]
    lines += [f"# count: {len(ids)}", f"# sha256: {ids_digest(ids)}"]
    lines += [str(i) for i in ids]
    write_atomic(path, "\n".join(lines) + "\n")


def read_id_list(path: str | os.PathLike) -> tuple[np.ndarray, dict[str, str]]:
    """Reads an id list; returns (ascending int64 ids, header fields).

    Raises:
      DatasetNotFoundError: if the file does not exist, with how to make it.
      ValueError: if the count or sha256 in the header do not match the ids.
    """
    path = pathlib.Path(path)
    if not path.exists():
        raise DatasetNotFoundError(
            f"Held-out id list {path} does not exist. Write it where COCO is with\n"
            "  python -m proxy_task.data.make_heldout_ids --rule vertex_shards "
            "--annotations /path/to/annotations/instances_train2017.json --out " + str(path) +
            "\nor set DataConfig.heldout_ids_file=None to use the sha256_rank rule.")
    header, ids = {}, []
    for line in path.read_text().splitlines():
        if line.startswith("#"):
            key, _, value = line[1:].partition(":")
            header[key.strip()] = value.strip()
        elif line.strip():
            ids.append(int(line))
    ids = np.sort(np.array(ids, np.int64))
    if "count" in header and int(header["count"]) != len(ids):
        raise ValueError(f"{path}: header says count {header['count']} but holds {len(ids)} ids.")
    if "sha256" in header and header["sha256"] != ids_digest(ids):
        raise ValueError(f"{path}: ids do not match the header's sha256; the file was edited.")
    return ids, header
