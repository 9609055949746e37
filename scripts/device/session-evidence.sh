#!/usr/bin/env bash
# One warm sequence of GPU evidence for issues 14, 15 and 18, after the onnxruntime-gpu wheel
# was unpacked in /tmp/ortgpu (shared/gpu/README.md). Run from the repo root with $OUT set; the
# release binary at $HW (default target/release/hwcheck); a built hwcheck wheel in $WHEEL_DIR
# (optional). Everything lands in $OUT/session.tgz (one file: the device returns few files).
set -u
hw=$(realpath "${HW:-target/release/hwcheck}")
ort=${ORT:-/tmp/ortgpu/onnxruntime/capi/libonnxruntime.so.1.31.1}
py=${VENV_PY:-/opt/torch/.venv/bin/python}
dir=$(mktemp -d)/session
mkdir -p "$dir"
run() { # run NAME CMD...: stdout to $dir/NAME, stderr kept when non-empty, exit code logged
  local name=$1; shift
  "$@" >"$dir/$name" 2>"$dir/$name.stderr"
  echo "$name: exit $?" >>"$dir/exit-codes.txt"
  [ -s "$dir/$name.stderr" ] || rm -f "$dir/$name.stderr"
}
gpu_py() { env PYTHONPATH=/tmp/ortgpu "$py" "$@"; }
# issue 14: benchmarks with ratios measured side by side
run bench-full-vs-python.txt bash bench/full_vs_python.sh "$hw" "$ort" "env PYTHONPATH=/tmp/ortgpu $py" 5
run bench-providers-vs-python.txt bash bench/providers_vs_python.sh "$hw" "$ort" "env PYTHONPATH=/tmp/ortgpu $py" 5
run bench-quick-vs-nvidia-smi.txt bash bench/quick_vs_nvidia_smi.sh "$hw" 10
run default.json "$hw" --format json
run default.txt env COLUMNS=100 "$hw"
# issue 14: first-launch levers again (more rounds), and the first run's slowest nodes
run levers-detector.txt gpu_py bench/first_launch.py --models models/person-ssdlite.onnx \
  --variants heuristic exhaustive heuristic-no-max-workspace heuristic-no-tf32 heuristic-no-graph-opt profile \
  --rounds 4 --out "$dir/levers-detector.json"
# issue 15: one root cause each, with verified fixes; the healthy box exits 0 with a TensorRT WARN
run compat-first.txt env COLUMNS=100 LD_LIBRARY_PATH="/usr/local/cuda/compat:${LD_LIBRARY_PATH:-}" "$hw" --ort "$ort" --no-detect
run compat-first.json env LD_LIBRARY_PATH="/usr/local/cuda/compat:${LD_LIBRARY_PATH:-}" "$hw" --ort "$ort" --no-detect --format json
run compat-first.md env LD_LIBRARY_PATH="/usr/local/cuda/compat:${LD_LIBRARY_PATH:-}" "$hw" --ort "$ort" --no-detect --format markdown
run compat-first-fix.sh env LD_LIBRARY_PATH="/usr/local/cuda/compat:${LD_LIBRARY_PATH:-}" "$hw" fix --ort "$ort"
run cuda-visible-empty.txt env COLUMNS=100 CUDA_VISIBLE_DEVICES= "$hw" --ort "$ort" --no-detect
run cuda-visible-empty-fix.sh env CUDA_VISIBLE_DEVICES= "$hw" fix --ort "$ort"
cudalib=/usr/local/cuda/targets/x86_64-linux/lib
mkdir -p /tmp/hidden-cublaslt && mv "$cudalib"/libcublasLt.so* /tmp/hidden-cublaslt/ && ldconfig
run no-cublaslt.txt env COLUMNS=100 "$hw" --ort "$ort" --no-detect
run no-cublaslt.json "$hw" --ort "$ort" --no-detect --format json
run no-cublaslt-fix.sh "$hw" fix --ort "$ort"
mv /tmp/hidden-cublaslt/* "$cudalib"/ && ldconfig
run healthy-ortgpu.txt env COLUMNS=100 "$hw" --ort "$ort"
run healthy-ortgpu.json "$hw" --ort "$ort" --format json
run healthy-ortgpu-80.txt env COLUMNS=80 "$hw" --ort "$ort" --no-detect
run require-cpu-gate.txt "$hw" --ort "$ort" --no-detect --require provider=cpu
# issue 18: the wheel-installed hwcheck gives the same report as the binary
if [ -n "${WHEEL_DIR:-}" ] && ls "$WHEEL_DIR"/*.whl >/dev/null 2>&1; then
  python3 -m venv /tmp/hwvenv && /tmp/hwvenv/bin/pip install --no-index "$WHEEL_DIR"/*.whl >"$dir/wheel-install.txt" 2>&1
  run wheel-report.json /tmp/hwvenv/bin/hwcheck --ort "$ort" --no-detect --format json
  run binary-report.json "$hw" --ort "$ort" --no-detect --format json
  python3 - "$dir/wheel-report.json" "$dir/binary-report.json" >"$dir/wheel-vs-binary.txt" 2>&1 <<'PY'
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
key = lambda r: sorted((c["id"], c.get("instance") or "", c["status"]) for c in r["checks"])
print("same checks and statuses:", key(a) == key(b))
for x in sorted(set(key(a)) ^ set(key(b))):
    print("differs:", x)
PY
fi
# issue 14: kernel images as hwcheck reads them vs cuobjdump, for the libraries the report lists
python3 - "$dir/healthy-ortgpu.json" >"$dir/kernel-libs.txt" <<'PY'
import json, sys
for k in json.load(open(sys.argv[1]))["facts"]["kernels"]:
    print(k["real_path"] or k["path"], "sass=" + ",".join(k["sass"]), "ptx=" + ",".join(k["ptx"]), "entries=%d" % k["entries"])
PY
while read -r lib _; do
  echo "== $lib"; /usr/local/cuda/bin/cuobjdump --list-elf "$lib" 2>&1 | grep -o 'sm_[0-9]*[af]*' | sort | uniq -c
done <"$dir/kernel-libs.txt" >"$dir/cuobjdump-list-elf.txt" 2>&1
nvidia-smi --query-gpu=name,driver_version --format=csv >"$dir/gpu.txt" 2>&1
tar -C "$(dirname "$dir")" -czf "$OUT/session.tgz" session
