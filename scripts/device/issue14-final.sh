#!/usr/bin/env bash
# Issue 14, third H200 session: the warm sequence + CUDA detector variant, measured. Needs
# /tmp/ortgpu, /tmp/exp/person-dw.onnx (the Python-made variant, for the "same models" Python
# reference), target/release/hwcheck and $OUT. Writes $OUT/final.tgz.
set -u
hw=$(realpath target/release/hwcheck)
ort=/tmp/ortgpu/onnxruntime/capi/libonnxruntime.so.1.31.1
py=/opt/torch/.venv/bin/python
dir=$(mktemp -d)/final
mkdir -p "$dir"
gpu_py="env PYTHONPATH=/tmp/ortgpu $py"
"$hw" --ort "$ort" --format json >"$dir/warmup.json" 2>/dev/null   # kernel-image cache filled
bash bench/full_vs_python.sh "$hw" "$ort" "$gpu_py" 7 /tmp/exp/person-dw.onnx >"$dir/full-vs-python.txt" 2>&1
bash bench/providers_vs_python.sh "$hw" "$ort" "$gpu_py" 9 >"$dir/providers-vs-python.txt" 2>&1
bash bench/quick_vs_nvidia_smi.sh "$hw" 15 >"$dir/quick-vs-nvidia-smi.txt" 2>&1
for i in 1 2 3; do
  "$hw" --ort "$ort" --format json >"$dir/full-$i.json" 2>/dev/null; echo "full-$i: exit $?" >>"$dir/exit-codes.txt"
  "$hw" --ort "$ort" --no-detect --format json >"$dir/no-detect-$i.json" 2>/dev/null
  "$hw" --quick --format json >"$dir/quick-$i.json" 2>/dev/null
done
"$hw" --ort "$ort" >"$dir/full.txt" 2>&1; echo "full.txt: exit $?" >>"$dir/exit-codes.txt"
"$hw" --format json >"$dir/default-no-ort-flag.json" 2>/dev/null; echo "default (venv ORT + reference): exit $?" >>"$dir/exit-codes.txt"
"$hw" detect --ort "$ort" --providers cuda --format json >"$dir/detect-cuda.json" 2>/dev/null; echo "detect cuda: exit $?" >>"$dir/exit-codes.txt"
python3 scripts/device/nvml-queries.py >"$dir/nvml-queries.txt" 2>&1
python3 - "$dir" >"$dir/summary.txt" <<'PY'
import json, glob, sys, os
d = sys.argv[1]
for f in sorted(glob.glob(os.path.join(d, "*-[0-9].json"))):
    r = json.load(open(f)); facts = r["facts"]
    print(os.path.basename(f), r["verdict"], {k: v for k, v in facts["probe_ms"].items() if v >= 1})
    for run in facts.get("detection", {}).get("runs", []):
        t = run.get("timings") or {}
        print("   ", run["provider"], run.get("variant") is not None, {k: round(v, 1) for k, v in t.items() if isinstance(v, float)}, run.get("error"))
    for i in facts["ort"]["installs"]:
        for p in i["providers"]:
            if p.get("session_ms"): print("    probe", p["provider"], round(p["session_ms"]), round(p["first_run_ms"]), p.get("max_abs_diff"))
PY
tar -C "$(dirname "$dir")" -czf "$OUT/final.tgz" final
cat "$dir"/*.txt | head -150
