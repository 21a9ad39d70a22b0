"""Drives TF Model Garden's timing script in its own environment (the TF side of ``speed.py``).

The script runs with the Python of ``.venv-tfmg`` in ``--serve`` mode: it
builds and warms up once, then times ``N`` steps for each line ``N`` it reads
and answers with one JSON line, so that ``speed.py`` can alternate the two
frameworks step block by step block.
"""

from __future__ import annotations

import json
import select
import subprocess
import tempfile
from pathlib import Path

from speed_inputs import Setting

ROOT = Path(__file__).resolve().parent.parent
TF_PYTHON = ROOT / ".venv-tfmg" / "bin" / "python"
TF_SCRIPT = Path(__file__).resolve().parent / "tf_model_garden" / "retinanet_spinenet_speed.py"
SETUP_HINT = "bash benchmarks/tf_model_garden/setup_env.sh  (creates .venv-tfmg with tf-models-official, ~3 min)"


class TfUnavailable(RuntimeError):
    """TF Model Garden's environment is missing or its script failed."""


def check_environment(python: Path | None = None) -> None:
    python = python or TF_PYTHON
    if not Path(python).exists():
        raise TfUnavailable(f"no TF Model Garden environment at {python}; create it with\n  {SETUP_HINT}")


class TfWorker:
    """One ``--serve`` process of the TF script for one setting and compute dtype."""

    def __init__(self, setting: Setting, warmup: int, dtype: str = "float32", python: Path | None = None,
                 env: dict | None = None):
        python = python or TF_PYTHON
        check_environment(python)
        self.setting, self.dtype = setting, dtype
        self._log = tempfile.NamedTemporaryFile("w+", prefix="tfmg_", suffix=".log")
        args = [
            str(python), str(TF_SCRIPT), "--serve", "--name", setting.name,
            "--input-size", str(setting.input_size), "--batch-size", str(setting.batch_size),
            "--max-boxes", str(setting.max_boxes), "--num-classes", str(setting.num_classes),
            "--warmup", str(warmup), "--dtype", dtype,
        ]
        self._process = subprocess.Popen(
            args, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._log, text=True, bufsize=1, env=env
        )
        self.info: dict | None = None

    def wait_ready(self, timeout: float) -> dict:
        """Blocks until the model is built, traced and warmed up; returns its description."""
        if self.info is None:
            self.info = self._read_line(timeout)
        return self.info

    def run(self, steps: int, timeout: float) -> dict:
        """Times ``steps`` steps: ``{'seconds': wall, 'cpu_seconds': process CPU}``."""
        self._process.stdin.write(f"{steps}\n")
        self._process.stdin.flush()
        return self._read_line(timeout)

    def close(self) -> None:
        if self._process.poll() is None:
            self._process.stdin.close()
            try:
                self._process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self._process.kill()
        self._log.close()

    def _read_line(self, timeout: float) -> dict:
        ready, _, _ = select.select([self._process.stdout], [], [], timeout)
        line = self._process.stdout.readline() if ready else ""
        if not line:
            self._process.kill()
            self._log.seek(0)
            tail = "".join(self._log.readlines()[-15:])
            reason = "timed out" if not ready else f"exited with status {self._process.wait()}"
            raise TfUnavailable(f"TF Model Garden script {reason} at setting {self.setting.name} "
                               f"({self.dtype}):\n{tail}")
        return json.loads(line)
