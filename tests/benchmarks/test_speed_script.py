"""A tiny run of the speed benchmark beside a stand-in TF worker, and its message when TF is missing."""

import json
import sys

import pytest

import speed
import speed_tf
from speed_inputs import Setting, synthetic_batch


# Speaks the TF script's --serve protocol (tf_model_garden/retinanet_spinenet_speed.py) without TensorFlow:
# CI has no .venv-tfmg. Each step "takes" 0.5 s in float32 and 0.25 s in bfloat16.
STAND_IN_TF = """
import json, sys
args = sys.argv[1:]
dtype = args[args.index("--dtype") + 1]
print(json.dumps({"event": "ready", "dtype": dtype, "params": 7, "trace_seconds": 0.0,
                  "tf_version": "stand-in", "models_version": "stand-in"}), flush=True)
for line in sys.stdin:
    seconds = int(line) * (0.5 if dtype == "float32" else 0.25)
    print(json.dumps({"event": "timed", "seconds": seconds, "cpu_seconds": 2 * seconds}), flush=True)
"""


@pytest.mark.slow
def test_smoke_rows_pair_each_dtype_with_tf_in_that_dtype(tmp_path, monkeypatch, capsys):
    fake_python = tmp_path / "python"
    (tmp_path / "serve.py").write_text(STAND_IN_TF)
    fake_python.write_text(f"#!/bin/sh\nshift\nexec {sys.executable} {tmp_path / 'serve.py'} \"$@\"\n")
    fake_python.chmod(0o755)
    monkeypatch.setattr(speed_tf, "TF_PYTHON", fake_python)
    out = tmp_path / "speed.json"
    speed.main(["--settings", "smoke", "--tf", "on", "--dtypes", "float32", "bfloat16", "--rounds", "2",
                "--cpu-steps", "1", "--warmup", "0", "--output", str(out)])
    rows = {row["dtype"]: row for row in json.loads(out.read_text())["rows"]}
    assert set(rows) == {"float32", "bfloat16"}
    for dtype, seconds in (("float32", 0.5), ("bfloat16", 0.25)):
        row, tf = rows[dtype], rows[dtype]["tf"]
        assert row["setting"]["input_size"] == 128 and row["ours"]["images_per_second"] > 0
        assert 0 < row["ours"]["fraction_of_matmul"] < 1 and row["train_flops_per_image"] == 6 * row[
            "forward_madds_per_image"]
        assert tf["dtype"] == dtype and tf["seconds_per_step"] == [seconds, seconds]
        assert row["ratio"] == pytest.approx(row["ours"]["images_per_second"] * seconds / row["setting"]["batch_size"])
    assert "smoke" in capsys.readouterr().out


def test_missing_tf_environment_says_how_to_create_it(tmp_path):
    with pytest.raises(speed_tf.TfUnavailable, match="setup_env.sh"):
        speed_tf.check_environment(tmp_path / "no-venv" / "bin" / "python")


def test_synthetic_batch_has_the_pipeline_shapes():
    batch = synthetic_batch(Setting("x", 64, 2, 5, 3))
    assert batch["image"].shape == (2, 64, 64, 3) and batch["boxes"].shape == (2, 5, 4)
    assert (batch["classes"][:, 5:] == -1).all() and batch["classes"].max() < 3
    assert (batch["boxes"][..., 2:] <= 64).all() and (batch["boxes"][..., :2] >= 0).all()
