#!/usr/bin/env bash
# Issue 14 on the GPU box: where the CUDA provider's first inference goes. Needs the
# onnxruntime-gpu wheel unpacked in /tmp/ortgpu (shared/gpu/README.md) and $OUT; the release
# binary at $HW (default target/release/hwcheck). Writes $OUT/first-launch/.
set -u
hw=$(realpath "${HW:-target/release/hwcheck}")
ort=${ORT:-/tmp/ortgpu/onnxruntime/capi/libonnxruntime.so.1.31.1}
py=${VENV_PY:-/opt/torch/.venv/bin/python}
dir=${OUT:?set OUT}/first-launch
mkdir -p "$dir"
export PYTHONPATH=/tmp/ortgpu
# 1. every lever on the detector; fixed vs per-shape cost on 1 and 20 distinct conv blocks
"$py" bench/first_launch.py --models models/person-ssdlite.onnx --rounds 2 \
  --out "$dir/levers-detector.json" >"$dir/levers-detector.txt" 2>&1
"$py" bench/first_launch.py --models bench/models/conv1.onnx bench/models/conv20.onnx \
  --variants exhaustive heuristic default profile --rounds 2 \
  --out "$dir/levers-conv.json" >"$dir/levers-conv.txt" 2>&1
# 2. the same cuDNN through torch: the first convolution of a process, then the 20-shape chain
"$py" - >"$dir/torch-first-conv.txt" 2>&1 <<'PY'
import time
t0 = time.perf_counter()
import torch
torch.backends.cudnn.benchmark = False
x = torch.randn(1, 32, 75, 75, device="cuda"); torch.cuda.synchronize()
t1 = time.perf_counter()
w = torch.randn(32, 1, 3, 3, device="cuda")
torch.nn.functional.conv2d(x, w, padding=1, groups=32); torch.cuda.synchronize()
t2 = time.perf_counter()
c, y = 32, x
for i in range(20):
    y = torch.nn.functional.conv2d(y, torch.randn(c, 1, 3, 3, device="cuda"), padding=1, groups=c)
    y = torch.nn.functional.conv2d(y, torch.randn(c + 8, c, 1, 1, device="cuda")); c += 8
torch.cuda.synchronize()
t3 = time.perf_counter()
print(f"cudnn {torch.backends.cudnn.version()} import+context {1e3*(t1-t0):.0f} ms, "
      f"first depthwise conv {1e3*(t2-t1):.0f} ms, next 40 convs (20 shapes) {1e3*(t3-t2):.0f} ms")
PY
# 3. hwcheck's own detector run and the whole default run, fresh processes
TIMEFORMAT=%R
for i in 1 2 3; do
  { time "$hw" detect --ort "$ort" --providers cuda --runs 3 --format json \
    >"$dir/detect-cuda-$i.json" 2>/dev/null; } 2>>"$dir/detect-cuda-wall-s.txt"
  { time "$hw" --ort "$ort" --format json >"$dir/default-$i.json" 2>/dev/null; } \
    2>>"$dir/default-wall-s.txt"
done
nvidia-smi --query-gpu=name,driver_version --format=csv >"$dir/gpu.txt" 2>&1
