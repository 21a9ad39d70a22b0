"""A dataset that is not prepared fails with DatasetNotFoundError and says how to prepare it."""

import pytest

from proxy_task.data import (DataConfig, DatasetNotFoundError, SyntheticConfig, build_dataset,
                             dataset_info, ensure_prepared)


def test_missing_coco_names_the_build_command(tmp_path):
    config = DataConfig(dataset="coco", data_dir=str(tmp_path))
    for call in (lambda: next(build_dataset(config, "heldout")), lambda: dataset_info(config),
                 lambda: ensure_prepared(config)):
        with pytest.raises(DatasetNotFoundError) as err:
            call()
        message = str(err.value)
        assert f"tfds build coco/2017 --data_dir {tmp_path}" in message
        assert "--manual_dir" in message and "annotations_trainval2017.zip" in message


def test_missing_synthetic_names_the_prepare_call(tmp_path):
    config = DataConfig(data_dir=str(tmp_path), synthetic=SyntheticConfig(num_train=2, num_heldout=1))
    with pytest.raises(DatasetNotFoundError, match="prepare_synthetic"):
        next(build_dataset(config, "train"))
    with pytest.raises(DatasetNotFoundError, match=str(tmp_path)):
        dataset_info(config)
    ensure_prepared(config)  # renders it ...
    assert dataset_info(config).num_examples["train"] == 2  # ... and now it is there


def test_unknown_split_is_rejected(synthetic_config):
    with pytest.raises(ValueError, match="split='test'"):
        build_dataset(synthetic_config, "test")
