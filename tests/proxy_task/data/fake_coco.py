"""A small, well-formed stand-in for TFDS ``coco/2017`` under ``tfds.testing.mock_data``.

TFDS's default mock draws ``image/id`` from 0..254 (repeats) and boxes with
``ymin > ymax``; real COCO has neither. This ``as_dataset_fn`` yields decodable
JPEG images of varied size, unique non-contiguous ids, valid boxes and some
crowds, serialized and parsed exactly as TFDS's reader does, honouring the
decoders (``SkipDecoding``, ``PartialDecoding``) the pipeline passes.
"""

import contextlib

import numpy as np
import tensorflow as tf
import tensorflow_datasets as tfds
from tensorflow_datasets.core import example_parser, example_serializer, naming

NUM_TRAIN = 48
NUM_VALIDATION = 8


def image_ids(split: str) -> np.ndarray:
    """Sparse ids, as COCO's are; validation ids never collide with train's."""
    count = NUM_TRAIN if split == "train" else NUM_VALIDATION
    base = 9 if split == "train" else 500_000
    return base + 37 * np.arange(count, dtype=np.int64)


def _example(image_id: int) -> dict:
    rng = np.random.default_rng(image_id)
    height, width = rng.integers(40, 96, size=2)
    num = int(rng.integers(0, 5))  # some images without annotations
    corners = np.sort(rng.uniform(0, 1, size=(num, 2, 2)), axis=1)  # [num, (min, max), (y, x)]
    boxes = np.concatenate([corners[:, 0], corners[:, 1]], axis=1).astype(np.float32)
    return {
        "image": rng.integers(0, 255, size=(height, width, 3), dtype=np.uint8),
        "image/filename": f"{image_id:012d}.jpg",
        "image/id": image_id,
        "objects": {
            "id": image_id * 10 + np.arange(num),
            "area": np.maximum((boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])
                               * height * width, 1).astype(np.int64),
            "bbox": boxes,
            "label": rng.integers(0, 80, size=num),
            "is_crowd": rng.random(num) < 0.15,
        },
    }


def _as_dataset(self, split, decoders=None, read_config=None, shuffle_files=False):
    del read_config, shuffle_files
    features = self.info.features
    serializer = example_serializer.ExampleSerializer(features.get_serialized_info())
    records = [serializer.serialize_example(features.encode_example(_example(int(i))))
               for i in image_ids(str(split))]
    if isinstance(decoders, tfds.decode.PartialDecoding):
        features = decoders.extract_features(features)
        decoders = decoders.decoders
    parser = example_parser.ExampleParser(features.get_serialized_info())
    ds = tf.data.Dataset.from_tensor_slices(records).map(parser.parse_example)
    return ds.map(lambda ex: features.decode_example(ex, decoders=decoders))


def write_metadata(data_dir: str) -> None:
    """Writes ``dataset_info.json`` with split sizes, as a prepared coco/2017 has."""
    builder = tfds.builder("coco/2017", data_dir=data_dir, try_gcs=False)
    builder.info.set_splits(tfds.core.SplitDict([
        tfds.core.SplitInfo(
            name=split, shard_lengths=[len(image_ids(split))], num_bytes=0,
            filename_template=naming.ShardedFileTemplate(
                data_dir=builder.data_path, dataset_name="coco", split=split,
                filetype_suffix="tfrecord"))
        for split in ("train", "validation")]))
    builder.data_path.mkdir(parents=True)
    builder.info.write_to_directory(builder.data_path)


@contextlib.contextmanager
def mock_coco(metadata_dir: str | None = None):
    """Every ``coco/2017`` builder inside serves the fake examples.

    Args:
      metadata_dir: a data dir holding ``write_metadata``'s files, which then
        plays the prepared data dir (split sizes known); ``None``: no metadata.
    """
    policy = tfds.testing.MockPolicy.USE_FILES if metadata_dir else tfds.testing.MockPolicy.USE_CODE
    with tfds.testing.mock_data(as_dataset_fn=_as_dataset, policy=policy, data_dir=metadata_dir):
        yield
