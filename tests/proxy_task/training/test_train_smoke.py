"""A real, tiny proxy training: synthetic TFDS data -> RetinaNet -> held-out COCO AP."""

import dataclasses
import json

import pytest

from proxy_task.config import get_preset
from proxy_task.optimizer import learning_rate_schedule
from proxy_task.config import TrainConfig
from proxy_task.runtime.phase_clock import PHASES
from proxy_task.train import train_and_evaluate
from search_space import SPINENET_49


@pytest.mark.slow
def test_smoke_training_end_to_end(tmp_path):
    config = get_preset("smoke")
    config = dataclasses.replace(config, data=dataclasses.replace(config.data, data_dir=str(tmp_path / "tfds")),
                                 train=dataclasses.replace(config.train, ema_decay=0.9, read_at=(0.5,), seeds=2))
    reports = []
    result = train_and_evaluate(SPINENET_49, config, tmp_path / "work", reports.append)
    assert result.steps == 4 and result.images_per_second > 0
    assert set(result.ap) >= {"AP", "AP50", "AP75", "APs", "APm", "APl"}
    assert 0.0 <= result.reward <= 1.0
    # The reward is the moving average's AP; the final weights' AP and the sampling sd are read beside it.
    assert 0.0 <= result.ap["AP_final"] <= 1.0 and result.ap["AP_sampling_sd"] >= 0.0
    # seeds=2: two trainings, each logged and read half-way (at step 2 of 4); their mean is the reward
    assert [(r["training"], r["step"]) for r in reports if r["event"] == "train"] == [(0, 2), (0, 4), (1, 2), (1, 4)]
    assert [(r["training"], r["name"]) for r in reports if r["event"] == "read"] == [(0, "AP@0.5"), (1, "AP@0.5")]
    assert 0.0 <= result.ap["AP@0.5"] <= 1.0 and result.ap["AP_seed_sd"] >= 0.0
    assert reports[-1]["event"] == "done"
    # Where the time went, phase by phase (benchmarks/trial_time.py reads these).
    assert set(result.phases) == set(PHASES) and all(seconds >= 0 for seconds in result.phases.values())
    assert result.phases["train"] <= result.train_seconds
    saved = json.loads((tmp_path / "work" / "result.json").read_text())
    assert saved["spec"]["name"] == "spinenet-49" and saved["params"] == result.params


def test_learning_rate_warms_up_scales_and_decays():
    config = TrainConfig(base_learning_rate=0.08, base_batch_size=64, warmup_fraction=0.1, decay_at=(0.8,))
    schedule = learning_rate_schedule(config, batch_size=32, total_steps=100)
    assert float(schedule(0)) == 0.0
    assert float(schedule(10)) == pytest.approx(0.04)  # peak scaled by 32/64
    assert float(schedule(79)) == pytest.approx(0.04)
    assert float(schedule(81)) == pytest.approx(0.004)


def test_presets_and_bad_values():
    paper = get_preset("paper")
    assert paper.scaling.filter_size_scale == 0.25 and paper.scaling.resample_alpha == 0.25
    assert paper.scaling.head_num_filters == 64 and paper.data.input_size == 512 and paper.train.epochs == 5
    assert paper.data.dataset == "coco"
    with pytest.raises(ValueError, match="unknown preset 'fast'"):
        get_preset("fast")
    with pytest.raises(ValueError, match="data.input_size"):
        dataclasses.replace(paper, data=dataclasses.replace(paper.data, input_size=256))


def test_read_points_are_sorted_fractions_inside_the_training():
    assert TrainConfig(read_at=(0.5, 0.25, 0.5)).read_at == (0.25, 0.5)
    with pytest.raises(ValueError, match=r"read_at=\[1.0\]"):
        TrainConfig(read_at=(1.0,))
