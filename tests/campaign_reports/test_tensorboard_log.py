"""ScalarLog writes TensorBoard scalar events that read back with their values."""

from __future__ import annotations

import pytest

from results.tensorboard_log import SCALARS_PLUGIN, ScalarLog

tf = pytest.importorskip("tensorflow")


def read_scalars(logdir) -> list[tuple[int, str, float, str]]:
    rows = []
    for path in sorted(logdir.glob("events.out.tfevents.*")):
        for raw in tf.data.TFRecordDataset(str(path)):
            event = tf.compat.v1.Event.FromString(raw.numpy())
            for value in event.summary.value:
                scalar = float(tf.make_ndarray(value.tensor))
                rows.append((event.step, value.tag, scalar, value.metadata.plugin_data.plugin_name))
    return rows


def test_scalars_read_back(tmp_path):
    with ScalarLog(tmp_path / "tb") as log:
        log.write(0, {"reward": 0.125, "best_reward": 0.125})
        log.write(1, {"reward": None, "best_reward": 0.125})  # a failed trial: no reward
        log.write(2, {"reward": 0.25, "best_reward": 0.25})
    rows = read_scalars(tmp_path / "tb")
    assert [(step, tag, value) for step, tag, value, _ in rows] == [
        (0, "reward", 0.125), (0, "best_reward", 0.125),
        (1, "best_reward", 0.125),
        (2, "reward", 0.25), (2, "best_reward", 0.25),
    ]
    assert {plugin for *_, plugin in rows} == {SCALARS_PLUGIN}


def test_write_is_visible_before_close_and_refuses_non_numbers(tmp_path):
    log = ScalarLog(tmp_path)
    log.write(3, {"device_hours": 1.5})
    assert read_scalars(tmp_path) == [(3, "device_hours", 1.5, SCALARS_PLUGIN)]
    with pytest.raises(ValueError, match="scalar 'status'.*'ok'"):
        log.write(4, {"status": "ok"})
    log.close()
