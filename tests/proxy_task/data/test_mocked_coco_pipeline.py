"""The full COCO path (held-out rule, preprocessing, batching, evaluation) on mocked coco/2017."""

import dataclasses
import pathlib

import numpy as np
import pytest

from proxy_task.data import DataConfig, build_dataset, dataset_info, heldout_ids, sources
from proxy_task.data.heldout import sha256_rank_heldout, write_id_list
from proxy_task.evaluation import CocoEvaluator, ground_truth_from_dataset
from . import fake_coco


@pytest.fixture
def coco_config(tmp_path):
    return DataConfig(dataset="coco", data_dir=str(tmp_path), input_size=64, batch_size=4,
                      shuffle_buffer=16)


def _ids(config, split, **kwargs):
    batches = list(build_dataset(config, split, **kwargs))
    ids = np.concatenate([b["image_id"] for b in batches])
    return ids[ids >= 0], batches


def test_train_and_heldout_partition_train2017_by_the_rule(coco_config):
    with fake_coco.mock_coco():
        expected = sha256_rank_heldout(fake_coco.image_ids("train"))
        np.testing.assert_array_equal(heldout_ids(coco_config), expected)
        held, _ = _ids(coco_config, "heldout")
        train, batches = _ids(coco_config, "train", training=False)
        validation, _ = _ids(coco_config, "validation")
        info = dataset_info(coco_config)
    assert sorted(held) == list(expected) and len(expected) == 3
    assert not set(train) & set(held)
    assert sorted(np.concatenate([train, held])) == list(fake_coco.image_ids("train"))
    assert sorted(validation) == list(fake_coco.image_ids("validation"))
    assert info.num_classes == 80 and info.class_names[0] == "person"
    assert info.num_examples["train"] == 45 and info.num_examples["heldout"] == 3
    assert batches[0]["image"].shape == (4, 64, 64, 3)


def test_training_batches_on_coco(coco_config):
    with fake_coco.mock_coco():
        batches = [b for b, _ in zip(build_dataset(coco_config, "train"), range(14))]
    ids = np.concatenate([b["image_id"] for b in batches])
    assert not set(ids) & set(sha256_rank_heldout(fake_coco.image_ids("train")))
    assert len(set(ids)) == 45  # 56 draws span more than one epoch of the 45 images
    for b in batches:
        assert b["boxes"].shape == (4, 100, 4) and b["classes"].dtype == np.int32
        boxes = b["boxes"][b["valid"]]
        assert np.all(boxes[:, 2:] > boxes[:, :2]) and np.all(boxes <= 64)
        assert np.all(b["classes"][b["valid"]] < 80)
    assert any(b["is_crowd"][b["valid"]].any() for b in batches)  # crowds are kept, flagged


def test_an_id_list_file_overrides_the_rule(coco_config, tmp_path):
    chosen = fake_coco.image_ids("train")[[0, 5, 6, 40]]
    write_id_list(tmp_path / "ids.txt", chosen, {"rule": "test"})
    config = dataclasses.replace(coco_config, heldout_ids_file=str(tmp_path / "ids.txt"))
    with fake_coco.mock_coco():
        held, _ = _ids(config, "heldout")
    assert sorted(held) == sorted(chosen)


def test_ground_truth_detections_score_ap_one_on_coco(coco_config):
    with fake_coco.mock_coco():
        ground_truth = ground_truth_from_dataset(coco_config, "heldout")
        evaluator = CocoEvaluator(ground_truth)
        for batch in build_dataset(coco_config, "heldout"):
            scores = np.where(batch["valid"], 1.0, 0.0)
            evaluator.add(batch["boxes"], scores, batch["classes"], batch, valid=batch["valid"])
    assert sorted(ground_truth.image_ids) == list(sha256_rank_heldout(fake_coco.image_ids("train")))
    metrics = evaluator.evaluate()
    assert metrics["AP"] == pytest.approx(1.0) and metrics["AP50"] == pytest.approx(1.0)


def test_rule_result_is_cached_next_to_prepared_data(coco_config, monkeypatch):
    fake_coco.write_metadata(coco_config.data_dir)
    expected = sha256_rank_heldout(fake_coco.image_ids("train"))
    with fake_coco.mock_coco(coco_config.data_dir):
        np.testing.assert_array_equal(heldout_ids(coco_config), expected)
        cache = list(pathlib.Path(coco_config.data_dir).glob("spinenet_nas/heldout/*.txt"))
        assert [p.name for p in cache] == ["coco_2017_1.1.0_sha256_rank.txt"]

        def no_scan(*args):
            raise AssertionError("the cached ids should have been used")
        monkeypatch.setattr(sources, "scan_image_ids", no_scan)
        np.testing.assert_array_equal(heldout_ids(coco_config), expected)
        assert dataset_info(coco_config).num_examples == {"train": 45, "heldout": 3,
                                                         "validation": 8}
