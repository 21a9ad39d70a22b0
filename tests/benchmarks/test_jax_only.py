"""The speed benchmark where only JAX, Flax, Optax and NumPy exist, as on the lent GPU machines (issue 34)."""

import json

import pytest

from tests.benchmarks.jax_only import run_without_tensorflow


def test_the_blocker_blocks(tmp_path):
    run = run_without_tensorflow(tmp_path, "-c", "import tensorflow", timeout=60)
    assert run.returncode != 0 and "ModuleNotFoundError: import of tensorflow halted" in run.stderr
    run = run_without_tensorflow(tmp_path, "-c", "import importlib.util; print(importlib.util.find_spec('ray'))",
                                 timeout=60)
    assert run.returncode == 0 and run.stdout.strip() == "None", run.stderr


def test_the_speed_benchmark_imports_without_tensorflow(tmp_path):
    run = run_without_tensorflow(tmp_path, "-c", "import speed, speed_jax; print('imported')", timeout=120)
    assert run.returncode == 0 and run.stdout.strip() == "imported", run.stderr


@pytest.mark.slow
def test_the_speed_benchmark_runs_without_tensorflow(tmp_path):
    out = tmp_path / "speed.json"
    run = run_without_tensorflow(tmp_path, "benchmarks/speed.py", "--settings", "smoke", "--tf", "off",
                                  "--rounds", "1", "--cpu-steps", "1", "--warmup", "0", "--eval-steps", "1",
                                  "--allocator", "system", "--output", str(out), timeout=600)
    assert run.returncode == 0, run.stdout + run.stderr
    report = json.loads(out.read_text())
    (row,) = report["rows"]
    # Without Ray there is no jemalloc here (it comes with Ray's wheel): the system allocator, as on a GPU machine.
    assert report["host_allocator"]["ours"] == "system" and report["tensorflow"] is None
    assert row["tf"] is None and row["ours"]["images_per_second"] > 0 and row["eval_seconds_per_batch"] > 0
