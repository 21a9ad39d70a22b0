"""The synthetic shapes set: a real TFDS dataset with COCO's layout, deterministic by seed."""

import dataclasses
import pathlib

import numpy as np
import pytest
import tensorflow_datasets as tfds

from proxy_task.data import DataConfig, SyntheticConfig, class_names, dataset_info, prepare_synthetic
from proxy_task.data.shapes import SHAPE_NAMES, render_scene
from proxy_task.data.sources import get_builder


def _structure(features) -> dict:
    """Feature names and kinds, without class names (COCO's are set at build time)."""
    out = {}
    for key, feature in features.items():
        if isinstance(feature, tfds.features.Sequence):
            out[key] = _structure(feature.feature)
        else:
            out[key] = (type(feature).__name__, np.dtype(feature.np_dtype).name,
                        getattr(feature, "encoding_format", None))
    return out


def test_prepared_dataset_has_coco_layout_and_sizes(synthetic_config):
    builder = tfds.builder("coco/2017", try_gcs=False)
    ours = get_builder(synthetic_config)
    assert ours.is_prepared()
    assert _structure(ours.info.features) == _structure(builder.info.features)
    info = dataset_info(synthetic_config)
    assert info.class_names == SHAPE_NAMES and info.num_classes == 8
    assert tuple(ours.info.features["objects"]["label"].names) == class_names(synthetic_config)  # TF-free names
    assert info.num_examples == {"train": 24, "heldout": 10, "validation": 10}


def test_settings_never_share_a_folder(synthetic_config, tmp_path):
    names = {SyntheticConfig(**{**dataclasses.asdict(synthetic_config.synthetic), field: value}).name
             for field, value in [("num_train", 25), ("num_heldout", 11), ("image_size", 96),
                                  ("max_objects", 3), ("seed", 2)]}
    assert len(names | {synthetic_config.synthetic.name}) == 6
    small = SyntheticConfig(num_train=3, num_heldout=2, image_size=64, seed=5)
    builder = prepare_synthetic(str(tmp_path), small)
    assert pathlib.Path(builder.data_path).parts[-3:] == ("synthetic_shapes", small.name, "1.0.0")
    again = prepare_synthetic(str(tmp_path), small)  # a no-op the second time
    assert again.info.splits["train"].num_examples == 3


def test_rendering_is_a_function_of_the_seed():
    scene = lambda *seed: render_scene(np.random.default_rng(seed), 128, 6)
    a, b, c = scene(0, 0, 3), scene(0, 0, 3), scene(1, 0, 3)
    np.testing.assert_array_equal(a.image, b.image)
    np.testing.assert_array_equal(a.boxes, b.boxes)
    assert a.image.shape != c.image.shape or not np.array_equal(a.image, c.image)


def test_scenes_cover_classes_sizes_crowds_and_empty_images():
    scenes = [render_scene(np.random.default_rng([7, 0, k]), 256, 8) for k in range(200)]
    labels = np.concatenate([s.labels for s in scenes])
    areas = np.concatenate([s.areas[~s.is_crowd] for s in scenes])
    assert set(labels.tolist()) == set(range(len(SHAPE_NAMES)))
    assert (areas < 32**2).any() and ((areas >= 32**2) & (areas < 96**2)).any()
    assert (areas >= 96**2).any()
    assert any(s.is_crowd.any() for s in scenes)
    assert any(len(s.labels) == 0 for s in scenes)
    for s in scenes:
        height, width = s.image.shape[:2]
        assert max(height, width) == 256 and min(height, width) >= 153
        assert np.all((s.boxes >= 0) & (s.boxes <= 1))
        assert np.all(s.boxes[:, 2:] > s.boxes[:, :2])
        box_px = (s.boxes[:, 2] - s.boxes[:, 0]) * height * (s.boxes[:, 3] - s.boxes[:, 1]) * width
        assert np.all(s.areas <= box_px + 1e-3)  # visible pixels fit in the box


def test_boxes_and_areas_are_exactly_the_visible_pixels():
    for k in range(20):
        scene = render_scene(np.random.default_rng([3, 1, k]), 128, 6)
        height, width = scene.image.shape[:2]
        for j, (box, area) in enumerate(zip(scene.boxes, scene.areas)):
            rows, cols = np.nonzero(scene.instances == j + 1)
            extent = [rows.min() / height, cols.min() / width,
                      (rows.max() + 1) / height, (cols.max() + 1) / width]
            np.testing.assert_allclose(box, extent, atol=1e-6)
            assert len(rows) == area


def test_config_rejects_bad_values():
    with pytest.raises(ValueError, match="num_train"):
        SyntheticConfig(num_train=0)
    with pytest.raises(ValueError, match="scale_jitter"):
        DataConfig(scale_jitter=(1.2, 0.8))
    with pytest.raises(ValueError, match="dataset"):
        DataConfig(dataset="voc")
    with pytest.raises(TypeError):
        DataConfig(input_sise=256)  # typos fail instead of falling back to a default
