#!/usr/bin/env bash
# Issue 14 benchmark: the full default `hwcheck` run with one ORT install (NVML, libraries,
# cuInit, CPU and CUDA sessions, the person detector on each provider) vs bench/python_full.py
# doing the same work with Python onnxruntime. Alternating, median of N fresh processes.
# Usage: bench/full_vs_python.sh HWCHECK ORT_LIB PYTHON [runs] [CUDA_MODEL]
#   CUDA_MODEL: also time the Python script running that detector on CUDA (hwcheck's variant).
#   ORT_LIB: the libonnxruntime.so both use; PYTHON: a python whose `import onnxruntime` is the
#   same build (e.g. PYTHONPATH pointing at the unpacked wheel), with numpy and pillow.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
hw=$1 lib=$2 py=$3 runs=${4:-5} cuda_model=${5:-}
cmds=("hwcheck (full)=$hw --ort $lib --format json" "python onnxruntime=$py $here/python_full.py")
if [ -n "$cuda_model" ]; then
  cmds+=("python, same models=env BENCH_CUDA_MODEL=$cuda_model $py $here/python_full.py")
fi
python3 "$here/compare.py" --runs "$runs" "${cmds[@]}"
