"""Runs a command where TensorFlow, TFDS, Ray and pycocotools cannot be imported, as on the lent GPU machines.

A ``sitecustomize`` module on ``PYTHONPATH`` blocks them in the child and in
any process it starts (gpu_check's workers, a restart of speed.py),
so an import of any of them anywhere fails the run here instead of there.
"""

import os
import subprocess
import sys

from tests.paths import REPO

ABSENT = ("tensorflow", "tensorflow_datasets", "ray", "pycocotools", "tf_keras")
# None in sys.modules: `import` raises ModuleNotFoundError and importlib.util.find_spec answers None, as for a
# package that is not installed (host_allocator looks for Ray's jemalloc that way).
BLOCKER = f"""
import sys

for name in {ABSENT!r}:
    sys.modules[name] = None
"""


def run_without_tensorflow(tmp_path, *args: str, timeout: float, program: str = sys.executable
                           ) -> subprocess.CompletedProcess:
    """``program *args`` in the repository with the blocker in ``tmp_path`` (``$PYTHON``: this interpreter)."""
    (tmp_path / "sitecustomize.py").write_text(BLOCKER)
    env = {**os.environ, "PYTHON": sys.executable,
           "PYTHONPATH": os.pathsep.join([str(tmp_path), str(REPO), str(REPO / "benchmarks")])}
    return subprocess.run([program, *args], cwd=REPO, env=env, capture_output=True, text=True, timeout=timeout)
