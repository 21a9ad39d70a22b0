"""The speed benchmark where only JAX, Flax, Optax and NumPy exist, as on the lent GPU machines (issue 34).

A ``sitecustomize`` module on ``PYTHONPATH`` makes TensorFlow, TFDS, Ray and
pycocotools unimportable in the child and in the process it restarts itself
as (on jemalloc), so an import of any of them anywhere on the path fails the
run instead of passing here and failing there.
"""

import json
import os
import subprocess
import sys

import pytest

from tests.paths import REPO

ABSENT = ("tensorflow", "tensorflow_datasets", "ray", "pycocotools", "tf_keras")
BLOCKER = f"""
import importlib.abc, sys

class _Absent(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name.split(".")[0] in {ABSENT!r}:
            raise ModuleNotFoundError(f"No module named {{name!r}} (blocked: not on the GPU machine)", name=name)

sys.meta_path.insert(0, _Absent())
"""


def _run_without_tensorflow(tmp_path, *args: str, timeout: float) -> subprocess.CompletedProcess:
    (tmp_path / "sitecustomize.py").write_text(BLOCKER)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path), str(REPO), str(REPO / "benchmarks")])}
    return subprocess.run([sys.executable, *args], cwd=REPO, env=env, capture_output=True, text=True,
                          timeout=timeout)


def test_the_blocker_blocks(tmp_path):
    run = _run_without_tensorflow(tmp_path, "-c", "import tensorflow", timeout=60)
    assert run.returncode != 0 and "blocked: not on the GPU machine" in run.stderr


def test_the_speed_benchmark_imports_without_tensorflow(tmp_path):
    run = _run_without_tensorflow(tmp_path, "-c", "import speed, speed_jax; print('imported')", timeout=120)
    assert run.returncode == 0 and run.stdout.strip() == "imported", run.stderr


@pytest.mark.slow
def test_the_speed_benchmark_runs_without_tensorflow(tmp_path):
    out = tmp_path / "speed.json"
    run = _run_without_tensorflow(tmp_path, "benchmarks/speed.py", "--settings", "smoke", "--tf", "off",
                                  "--rounds", "1", "--cpu-steps", "1", "--warmup", "0", "--eval-steps", "1",
                                  "--output", str(out), timeout=600)
    assert run.returncode == 0, run.stdout + run.stderr
    report = json.loads(out.read_text())
    (row,) = report["rows"]
    assert report["host_allocator"]["ours"] == "jemalloc" and report["tensorflow"] is None  # restarted, no TF
    assert row["tf"] is None and row["ours"]["images_per_second"] > 0 and row["eval_seconds_per_batch"] > 0
