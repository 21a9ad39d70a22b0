"""A reward averaged over trainings: the mean per metric, the seed sd, and the seeds each training gets."""

import math

import pytest

from proxy_task.config import TrainConfig, get_preset
from proxy_task.seed_average import SEED_STRIDE, average_metrics, with_seed_offset


def test_metrics_average_over_finite_values_and_the_seed_sd_is_recorded():
    runs = [{"AP": 0.1, "APl": math.nan, "AP@0.5": 0.02}, {"AP": 0.3, "APl": 0.4, "AP@0.5": 0.04}]
    averaged = average_metrics(runs)
    assert averaged["AP"] == pytest.approx(0.2) and averaged["APl"] == pytest.approx(0.4)
    assert averaged["AP@0.5"] == pytest.approx(0.03)
    assert averaged["AP_seed_sd"] == pytest.approx(0.2 / math.sqrt(2))  # sample sd of 0.1 and 0.3
    assert "AP_seed_sd" not in average_metrics(runs[:1]) and math.isnan(average_metrics([{"APl": math.nan}])["APl"])


def test_each_training_of_a_trial_has_seeds_no_rerun_shares():
    config = get_preset("smoke")
    assert with_seed_offset(config, 0) is config
    second = with_seed_offset(config, 1)
    assert (second.train.seed, second.data.seed) == (SEED_STRIDE, SEED_STRIDE) and SEED_STRIDE > 100
    with pytest.raises(ValueError, match="seeds=0"):
        TrainConfig(seeds=0)
