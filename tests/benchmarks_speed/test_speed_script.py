"""A tiny run of the speed benchmark (ours only), and its message when TF is missing."""

import json
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"
sys.path.insert(0, str(BENCHMARKS))

import speed  # noqa: E402
import speed_tf  # noqa: E402
from speed_inputs import Setting, synthetic_batch  # noqa: E402


def test_smoke_setting_writes_images_per_second_and_flop_fraction(tmp_path, capsys):
    out = tmp_path / "speed.json"
    speed.main(["--settings", "smoke", "--tf", "off", "--rounds", "1", "--cpu-steps", "1", "--warmup", "0",
                "--output", str(out)])
    (row,) = json.loads(out.read_text())["rows"]
    assert row["setting"]["input_size"] == 128 and row["tf"] is None and "ratio" not in row
    assert row["ours"]["images_per_second"] > 0 and 0 < row["ours"]["fraction_of_matmul"] < 1
    assert row["train_flops_per_image"] == 6 * row["forward_madds_per_image"]
    assert "smoke" in capsys.readouterr().out


def test_missing_tf_environment_says_how_to_create_it(tmp_path):
    with pytest.raises(speed_tf.TfUnavailable, match="setup_env.sh"):
        speed_tf.check_environment(tmp_path / "no-venv" / "bin" / "python")


def test_synthetic_batch_has_the_pipeline_shapes():
    batch = synthetic_batch(Setting("x", 64, 2, 5, 3))
    assert batch["image"].shape == (2, 64, 64, 3) and batch["boxes"].shape == (2, 5, 4)
    assert (batch["classes"][:, 5:] == -1).all() and batch["classes"].max() < 3
    assert (batch["boxes"][..., 2:] <= 64).all() and (batch["boxes"][..., :2] >= 0).all()
