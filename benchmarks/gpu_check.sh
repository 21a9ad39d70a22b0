#!/usr/bin/env bash
# The GPU check in one command (benchmarks/gpu_check.py says what it measures): bash benchmarks/gpu_check.sh OUT [...]
# It runs from a bare copy of the working tree (no pip install), so the repository goes on PYTHONPATH.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
if [ $# -lt 1 ]; then
  echo "usage: bash benchmarks/gpu_check.sh OUT [--tiny] [--budget-s S]" >&2
  exit 2
fi
export PYTHONPATH="$repo:$repo/benchmarks${PYTHONPATH:+:$PYTHONPATH}"
export TF_CPP_MIN_LOG_LEVEL=2
exec "${PYTHON:-python}" "$repo/benchmarks/gpu_check.py" "$@"
