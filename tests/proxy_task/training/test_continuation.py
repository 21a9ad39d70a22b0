"""A training stopped at a budget and continued from its checkpoint equals the one that never stopped."""

import dataclasses

import numpy as np
import pytest

from proxy_task.checkpoint import CheckpointMismatchError
from proxy_task.config import get_preset
from proxy_task.train import train_and_evaluate
from search_space import SPINENET_49
from search_space.builtins import get_builtin


def _arrays(path):
    with np.load(path) as saved:
        return [saved[name] for name in sorted(saved.files, key=lambda n: int(n.split("_")[1]))]


@pytest.fixture(scope="module")
def config(tmp_path_factory):
    preset = get_preset("smoke")  # 16 images, batch 4: 4 steps an epoch; 2 epochs cross an epoch's reshuffle
    return dataclasses.replace(
        preset, data=dataclasses.replace(preset.data, data_dir=str(tmp_path_factory.mktemp("tfds"))),
        train=dataclasses.replace(preset.train, epochs=2.0, ema_decay=0.9))


@pytest.mark.slow
def test_stopped_and_continued_equals_uninterrupted_bit_for_bit(tmp_path, config):
    straight = train_and_evaluate(SPINENET_49, config, tmp_path / "straight", keep_checkpoint=True)
    first = train_and_evaluate(SPINENET_49, config, tmp_path / "rungs", until=0.25, keep_checkpoint=True)
    assert (first.start_step, first.steps) == (0, 2)
    second = train_and_evaluate(SPINENET_49, config, tmp_path / "rungs", until=0.75, keep_checkpoint=True)
    assert (second.start_step, second.steps) == (2, 6)  # 2 steps into the second epoch
    last = train_and_evaluate(SPINENET_49, config, tmp_path / "rungs", keep_checkpoint=True)
    assert (last.start_step, last.steps, straight.steps) == (6, 8, 8)
    straight_state = _arrays(tmp_path / "straight" / "checkpoint-0.npz")
    for a, b in zip(straight_state, _arrays(tmp_path / "rungs" / "checkpoint-0.npz"), strict=True):
        np.testing.assert_array_equal(a, b)  # parameters, momentum, BN statistics, weight average, key, step
    assert last.ap == straight.ap and last.final_loss == straight.final_loss
    # A checkpoint already at the budget (a crash after it was saved): nothing trains, the same AP comes back.
    again = train_and_evaluate(SPINENET_49, config, tmp_path / "rungs")
    assert (again.start_step, again.steps, again.ap) == (8, 8, straight.ap)

    with pytest.raises(CheckpointMismatchError, match="past this budget's 4"):
        train_and_evaluate(SPINENET_49, config, tmp_path / "rungs", until=0.5)
    with pytest.raises(CheckpointMismatchError, match="another architecture or config"):
        train_and_evaluate(get_builtin("r50-fpn"), config, tmp_path / "rungs")
    with pytest.raises(ValueError, match="until=0"):
        train_and_evaluate(SPINENET_49, config, tmp_path / "rungs", until=0)
