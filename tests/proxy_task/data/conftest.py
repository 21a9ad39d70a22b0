"""Shared fixtures: one small synthetic dataset prepared per test session."""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # keep TensorFlow's C++ banner out of test logs

import pytest  # noqa: E402

from proxy_task.data import DataConfig, SyntheticConfig, prepare_synthetic  # noqa: E402


@pytest.fixture(scope="session")
def synthetic_config(tmp_path_factory) -> DataConfig:
    """A prepared 24 + 10 image, 128-px synthetic dataset and a pipeline config for it."""
    config = DataConfig(
        dataset="synthetic", data_dir=str(tmp_path_factory.mktemp("tfds")), input_size=128,
        batch_size=4, shuffle_buffer=64,
        synthetic=SyntheticConfig(num_train=24, num_heldout=10, image_size=128, seed=1))
    prepare_synthetic(config.data_dir, config.synthetic)
    return config
