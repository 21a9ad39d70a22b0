"""ScalarLog writes TensorBoard scalar events, without TensorFlow, that TensorBoard reads back with their values."""

from __future__ import annotations

import subprocess
import sys

import pytest

from results.tensorboard_log import ScalarLog

event_accumulator = pytest.importorskip("tensorboard.backend.event_processing.event_accumulator")


def read_scalars(logdir) -> list[tuple[int, str, float]]:
    """(step, tag, value) of every scalar, as TensorBoard's scalar dashboard loads them."""
    accumulator = event_accumulator.EventAccumulator(str(logdir))
    accumulator.Reload()
    rows = [(event.step, tag, event.value) for tag in accumulator.Tags()["scalars"]
            for event in accumulator.Scalars(tag)]
    return sorted(rows)


def test_scalars_read_back(tmp_path):
    with ScalarLog(tmp_path / "tb") as log:
        log.write(0, {"reward": 0.125, "best_reward": 0.125})
        log.write(1, {"reward": None, "best_reward": 0.125})  # a failed trial: no reward
        log.write(2, {"reward": 0.25, "best_reward": 0.25})
    assert read_scalars(tmp_path / "tb") == [
        (0, "best_reward", 0.125), (0, "reward", 0.125),
        (1, "best_reward", 0.125),
        (2, "best_reward", 0.25), (2, "reward", 0.25),
    ]


def test_write_is_visible_before_close_and_refuses_non_numbers(tmp_path):
    log = ScalarLog(tmp_path)
    log.write(3, {"device_hours": 1.5})
    assert read_scalars(tmp_path) == [(3, "device_hours", 1.5)]
    with pytest.raises(ValueError, match="scalar 'status'.*'ok'"):
        log.write(4, {"status": "ok"})
    log.close()


def test_writing_scalars_loads_no_tensorflow(tmp_path):
    script = ("import sys\nfrom results.tensorboard_log import ScalarLog\n"
              f"with ScalarLog({str(tmp_path)!r}) as log:\n    log.write(0, {{'reward': 0.5}})\n"
              "print(sorted(m for m in sys.modules if m.split('.')[0] == 'tensorflow'))\n")
    loaded = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert loaded.stdout.strip() == "[]"
