#!/usr/bin/env bash
# Issue 3 benchmark: the whole `hwcheck` provider probe (NVML + libraries + CPU and CUDA sessions
# on the probe model; detection skipped) vs bench/python_providers.py doing the same with Python
# onnxruntime (import, CPU session, CUDA session, one run each). Alternating, median of N.
# Usage: bench/providers_vs_python.sh HWCHECK ORT_LIB PYTHON [runs]
#   ORT_LIB: the libonnxruntime.so both use; PYTHON: a python whose `import onnxruntime` is the
#   same build (e.g. PYTHONPATH pointing at the unpacked wheel).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
hw=$1 lib=$2 py=$3 runs=${4:-5}
python3 "$here/compare.py" --runs "$runs" \
  "hwcheck (providers)=$hw --ort $lib --no-detect --format json" \
  "python onnxruntime=$py $here/python_providers.py"
