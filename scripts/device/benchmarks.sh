#!/usr/bin/env bash
# The issue 14 benchmarks on the GPU box, side by side with their references, after the
# onnxruntime-gpu wheel was unpacked in /tmp/ortgpu (shared/gpu/README.md). Run from the repo
# root with $OUT set; the release binary at $HW (default target/release/hwcheck). Writes
# $OUT/benchmarks.tgz (one file) and prints the tables.
set -u
hw=$(realpath "${HW:-target/release/hwcheck}")
ort=${ORT:-/tmp/ortgpu/onnxruntime/capi/libonnxruntime.so.1.31.1}
py=${VENV_PY:-/opt/torch/.venv/bin/python}
dir=$(mktemp -d)/benchmarks
mkdir -p "$dir"
gpu_py="env PYTHONPATH=/tmp/ortgpu $py"
bash bench/providers_vs_python.sh "$hw" "$ort" "$gpu_py" 7 >"$dir/providers-vs-python.txt" 2>&1
bash bench/full_vs_python.sh "$hw" "$ort" "$gpu_py" 5 >"$dir/full-vs-python.txt" 2>&1
bash bench/quick_vs_nvidia_smi.sh "$hw" 10 >"$dir/quick-vs-nvidia-smi.txt" 2>&1
"$hw" --ort "$ort" --format json >"$dir/healthy-ortgpu.json"
echo "healthy-ortgpu: exit $?" >"$dir/exit-codes.txt"
tar -C "$(dirname "$dir")" -czf "$OUT/benchmarks.tgz" benchmarks
cat "$dir"/*.txt
