#!/usr/bin/env bash
# Collects issue 2's evidence on the GPU box: run from the repo root with $OUT set and the release
# binary at target/release/hwcheck (built elsewhere and carried). Every command's exit code is
# appended to its output file; nothing here stops on a non-zero exit.
set -u
hw=${HW:-target/release/hwcheck}
out=${OUT:?set OUT}
run() { # run NAME CMD...: stdout+stderr to $out/NAME, exit code appended
  local name=$1; shift
  "$@" >"$out/$name" 2>&1
  echo "[exit $?]" >>"$out/$name"
}
run nvidia-smi.txt nvidia-smi
run ldconfig-cuda.txt sh -c "ldconfig -p | grep -E 'libcuda|cudart|cublas|cudnn|nvinfer|nvidia-ml'"
run hwcheck-quick.txt "$hw" --quick
run hwcheck-quick.json "$hw" --quick --format json
run hwcheck.txt "$hw"
run hwcheck.json "$hw" --format json
run hwcheck-compat-first.txt env LD_LIBRARY_PATH="/usr/local/cuda/compat:${LD_LIBRARY_PATH:-}" "$hw" --no-detect
run hwcheck-cuda-visible-empty.txt env CUDA_VISIBLE_DEVICES= "$hw" --quick
run image-cuda-11.4.1.txt "$hw" image nvidia/cuda:11.4.1-cudnn8-runtime-ubuntu20.04
run image-cuda-13.2.0.txt "$hw" image nvidia/cuda:13.2.0-runtime-ubuntu24.04
run bench-quick-vs-nvidia-smi.txt bash bench/quick_vs_nvidia_smi.sh "$hw" 10
