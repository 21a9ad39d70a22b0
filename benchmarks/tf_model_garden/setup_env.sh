#!/usr/bin/env bash
# Creates .venv-tfmg: TF Model Garden for benchmarks/speed.py, apart from the
# project's own environment (tf-models-official pins its own TensorFlow, Keras 2
# via tf-keras, tensorflow-text, ...). About 3 minutes and 3.3 GB.
#
#   bash benchmarks/tf_model_garden/setup_env.sh [PYTHON]
#
# PYTHON defaults to python3 (3.11 was used; tf-models-official 2.20.0 has
# wheels for 3.9-3.12). The CPU-only measurement needs nothing else: the full
# `tensorflow` wheel that tf-models-official requires runs on CPU when no CUDA
# libraries are installed (it logs a harmless cuInit error).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
python="${1:-python3}"
venv="$root/.venv-tfmg"
"$python" -m venv "$venv"
"$venv/bin/pip" install -q --upgrade pip
"$venv/bin/pip" install -q "tf-models-official==2.20.0"
"$venv/bin/python" - <<'PY'
from importlib.metadata import version
import tensorflow as tf
from official.vision.modeling.backbones import spinenet  # noqa: F401
print(f"tf-models-official {version('tf-models-official')}, TensorFlow {tf.__version__}: ready")
PY
