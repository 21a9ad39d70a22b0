"""Runs a command where TensorFlow, TFDS, Ray and pycocotools cannot be imported, as on the lent GPU machines.

A ``sitecustomize`` module on ``PYTHONPATH`` blocks them in the child and in
any process it starts (speed.py's restart on jemalloc, gpu_check's workers),
so an import of any of them anywhere fails the run here instead of there.
"""

import os
import subprocess
import sys

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


def run_without_tensorflow(tmp_path, *args: str, timeout: float, program: str = sys.executable
                           ) -> subprocess.CompletedProcess:
    """``program *args`` in the repository with the blocker in ``tmp_path`` (``$PYTHON``: this interpreter)."""
    (tmp_path / "sitecustomize.py").write_text(BLOCKER)
    env = {**os.environ, "PYTHON": sys.executable,
           "PYTHONPATH": os.pathsep.join([str(tmp_path), str(REPO), str(REPO / "benchmarks")])}
    return subprocess.run([program, *args], cwd=REPO, env=env, capture_output=True, text=True, timeout=timeout)
