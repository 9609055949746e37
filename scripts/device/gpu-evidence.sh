#!/usr/bin/env bash
# Collects the GPU evidence of issues 2–5 on the GPU box, after the onnxruntime-gpu wheel was
# brought there in chunks (shared/gpu/README.md) and unpacked into /tmp/ortgpu. Run from the repo
# root with $OUT set and the release binary at $HW (default target/release/hwcheck). Outputs go
# to $OUT/evidence/ and are packed into $OUT/evidence.tgz; exit codes go to exit-codes.txt.
set -u
hw=$(realpath "${HW:-target/release/hwcheck}")
ort=${ORT:-/tmp/ortgpu/onnxruntime/capi/libonnxruntime.so.1.31.1}
venv_py=${VENV_PY:-/opt/torch/.venv/bin/python}
dir=${OUT:?set OUT}/evidence
mkdir -p "$dir"
run() { # run NAME CMD...: stdout to $dir/NAME, stderr to $dir/NAME.stderr (kept when non-empty)
  local name=$1; shift
  "$@" >"$dir/$name" 2>"$dir/$name.stderr"
  echo "$name: exit $?" >>"$dir/exit-codes.txt"
  [ -s "$dir/$name.stderr" ] || rm -f "$dir/$name.stderr"
}
run nvidia-smi.txt nvidia-smi
run ldconfig-cuda.txt sh -c "ldconfig -p | grep -E 'libcuda|cudart|cublas|cudnn|nvinfer|nvidia-ml'"
# issue 2: the core on the healthy box, and two broken arrangements
run hwcheck-quick.txt "$hw" --quick
run hwcheck-quick.json "$hw" --quick --format json
run hwcheck-compat-first.txt env LD_LIBRARY_PATH="/usr/local/cuda/compat:${LD_LIBRARY_PATH:-}" "$hw" --no-detect
run hwcheck-cuda-visible-empty.txt env CUDA_VISIBLE_DEVICES= "$hw" --no-detect
# issues 3 and 4: every provider of the GPU build (and the venv's CPU build), detection on each
run hwcheck-ortgpu.txt "$hw" --ort "$ort"
run hwcheck-ortgpu.json "$hw" --ort "$ort" --format json
run hwcheck-ortgpu.md "$hw" --ort "$ort" --format markdown
run hwcheck-default.txt "$hw"
# issue 3: the CUDA provider with the system cuBLASLt out of the loader's view. ldconfig's cache
# lists /usr/local/cuda/targets/x86_64-linux/lib, so an LD_LIBRARY_PATH arrangement cannot hide
# it: the files are moved aside for this one run (this box is discarded after the session) and
# put back. The pip copy in /opt/torch/.venv stays on disk but off the loader's path.
cudalib=/usr/local/cuda/targets/x86_64-linux/lib
mkdir -p /tmp/hidden-cublaslt && mv "$cudalib"/libcublasLt.so* /tmp/hidden-cublaslt/
run hwcheck-ortgpu-no-cublaslt.txt "$hw" --ort "$ort" --no-detect
run hwcheck-ortgpu-no-cublaslt.json "$hw" --ort "$ort" --no-detect --format json
mv /tmp/hidden-cublaslt/* "$cudalib"/
# issue 4: user-model path with annotation
run detect-ortgpu.txt "$hw" detect --ort "$ort" --annotate "$dir/annotated"
# issue 5: front ends
run require-provider-cuda.txt "$hw" --ort "$ort" --no-detect --require 'provider=cuda'
run require-gate.txt "$hw" --ort "$ort" --providers cuda --require 'provider=cuda' --require 'driver>=535' --require 'cuda>=12.2' --require 'gpu.memory>=16GiB' --require 'detection=pass'
run image-cuda-11.4.1.txt "$hw" image nvidia/cuda:11.4.1-cudnn8-runtime-ubuntu20.04
run image-cuda-13.2.0.txt "$hw" image nvidia/cuda:13.2.0-runtime-ubuntu24.04
run junit.xml "$hw" --ort "$ort" --no-detect --format junit
# benchmarks (one run each, ratios inside)
run bench-quick-vs-nvidia-smi.txt bash bench/quick_vs_nvidia_smi.sh "$hw" 10
run bench-providers-vs-python.txt bash bench/providers_vs_python.sh "$hw" "$ort" "env PYTHONPATH=/tmp/ortgpu $venv_py" 7
run bench-detect-cuda.txt env PYTHONPATH=/tmp/ortgpu "$venv_py" bench/detect_vs_python.py --hwcheck "$hw" --ort "$ort" --provider cuda
run bench-detect-cpu.txt env PYTHONPATH=/tmp/ortgpu "$venv_py" bench/detect_vs_python.py --hwcheck "$hw" --ort "$ort" --provider cpu
tar -C "$OUT" -czf "$OUT/evidence.tgz" evidence && rm -rf "$dir"
