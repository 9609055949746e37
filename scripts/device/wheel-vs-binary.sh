#!/usr/bin/env bash
# Issue 18 on the GPU box: the wheel-installed (portable, glibc 2.17) hwcheck and the
# `cargo build --release` binary give the same report. The wheel must already be in
# $WHEEL_DIR (default /tmp/hwwheel); the release binary at $HW. Writes $OUT/wheel-vs-binary.tgz.
set -u
hw=$(realpath "${HW:-target/release/hwcheck}")
dir=$(mktemp -d)/wheel-vs-binary
mkdir -p "$dir"
python3 -m venv /tmp/hwvenv && /tmp/hwvenv/bin/pip install --no-index "${WHEEL_DIR:-/tmp/hwwheel}"/*.whl >"$dir/install.txt" 2>&1
for args in "--no-detect" ""; do
  name=$([ -n "$args" ] && echo no-detect || echo full)
  /tmp/hwvenv/bin/hwcheck $args --format json >"$dir/wheel-$name.json"; echo "wheel $name: exit $?" >>"$dir/exit-codes.txt"
  "$hw" $args --format json >"$dir/binary-$name.json"; echo "binary $name: exit $?" >>"$dir/exit-codes.txt"
  python3 - "$dir/wheel-$name.json" "$dir/binary-$name.json" <<'PY' | tee -a "$dir/compare.txt"
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
key = lambda r: sorted((c["id"], c.get("instance") or "", c["status"]) for c in r["checks"])
diff = sorted(set(key(a)) ^ set(key(b)))
print(f"{sys.argv[1].rsplit('/', 1)[1]}: {len(key(a))} checks, verdict {a['verdict']} vs {b['verdict']}; same (id, instance, status): {not diff}")
for x in diff:
    print("  differs:", x)
PY
done
objdump -T /tmp/hwvenv/bin/hwcheck 2>/dev/null | grep -o 'GLIBC_[0-9.]*' | sort -uV | tail -1 >>"$dir/compare.txt"
tar -C "$(dirname "$dir")" -czf "$OUT/wheel-vs-binary.tgz" wheel-vs-binary
