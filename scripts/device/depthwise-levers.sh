#!/usr/bin/env bash
# Issue 14 on the GPU box: the detector with its depthwise convolutions rewritten as
# Pad + strided Slices + Muls + Sum (no cuDNN convolution; tools/split_depthwise.py) against
# the original, in fresh processes; and the warm sequence (probe model, then the detector, in
# one process). Needs /tmp/ortgpu (shared/gpu/README.md), $DW (the rewritten model) and $OUT.
set -u
py=${VENV_PY:-/opt/torch/.venv/bin/python}
dir=${OUT:?set OUT}/depthwise
mkdir -p "$dir"
export PYTHONPATH=/tmp/ortgpu
dw=${DW:?set DW}
"$py" bench/first_launch.py --models models/person-ssdlite.onnx "$dw" \
  --variants heuristic exhaustive profile --rounds 3 \
  --out "$dir/levers.json" >"$dir/levers.txt" 2>&1
for i in 1 2 3; do
  "$py" bench/warm_sequence.py tests/fixtures/models/probe.onnx "$dw" models/person-ssdlite.onnx \
    >>"$dir/warm-sequence.jsonl" 2>>"$dir/warm-sequence.err"
done
nvidia-smi --query-gpu=name,driver_version --format=csv >"$dir/gpu.txt" 2>&1
