#!/usr/bin/env bash
# Fetches hwcheck's reference ONNX Runtime: the CPU build from the pinned `onnxruntime` wheel,
# through pip (the ordinary client, with its own configured index), checksum-verified and cached.
#
#   scripts/fetch-reference-ort.sh          # prints the absolute library path as its last line
#   scripts/fetch-reference-ort.sh --gpu    # also unpacks the pinned onnxruntime-gpu wheel's
#                                           # libraries (about 255 MB download; optional, for tests)
#
# Cache: ${XDG_CACHE_HOME:-$HOME/.cache}/hwcheck/onnxruntime/<version>/ (quiet when already there).
# hwcheck finds it there by itself with `--reference-runtime`, or through HWCHECK_REFERENCE_ORT.
set -euo pipefail

ORT_VERSION=1.31.1
PYTHON_TAG=311
PLATFORM=manylinux_2_28_x86_64
CPU_WHEEL="onnxruntime-${ORT_VERSION}-cp${PYTHON_TAG}-cp${PYTHON_TAG}-${PLATFORM}.whl"
CPU_SHA256=5752bd508126ae7c49894d3b9d2e83f0c3d487319246d04c444b393308d7ad7f
GPU_WHEEL="onnxruntime_gpu-${ORT_VERSION}-cp${PYTHON_TAG}-cp${PYTHON_TAG}-${PLATFORM}.whl"
GPU_SHA256=e26c475fe361b2015f45b4b824bd13f0bb20204e59b62814e6f0acd5f3d491a6

CACHE_ROOT="${XDG_CACHE_HOME:-$HOME/.cache}/hwcheck"
WHEELS="$CACHE_ROOT/wheels"
DEST="$CACHE_ROOT/onnxruntime/$ORT_VERSION"
GPU_DEST="$CACHE_ROOT/onnxruntime-gpu/$ORT_VERSION"
LIB="$DEST/libonnxruntime.so.$ORT_VERSION"

die() { echo "fetch-reference-ort: $*" >&2; exit 1; }

pick_python() {
    for p in python3 python; do
        if command -v "$p" >/dev/null 2>&1 && "$p" -m pip --version >/dev/null 2>&1; then
            echo "$p"; return 0
        fi
    done
    die "needs python3 with pip (python3 -m pip) to download the pinned onnxruntime wheel"
}

sha256_of() {
    if command -v sha256sum >/dev/null 2>&1; then sha256sum "$1" | cut -d' ' -f1
    else "$PY" -c 'import hashlib,sys; print(hashlib.sha256(open(sys.argv[1],"rb").read()).hexdigest())' "$1"
    fi
}

# download_wheel PACKAGE WHEEL_FILE SHA256 (empty sha: record and print it instead of checking)
download_wheel() {
    local package="$1" wheel="$2" want="$3"
    mkdir -p "$WHEELS"
    if [ ! -f "$WHEELS/$wheel" ]; then
        local tmp
        tmp="$(mktemp -d "$WHEELS/.download.XXXXXX")"
        "$PY" -m pip download --quiet --disable-pip-version-check --no-deps \
            --only-binary=:all: --platform "$PLATFORM" --python-version "$PYTHON_TAG" \
            --implementation cp -d "$tmp" "${package}==${ORT_VERSION}" >&2 \
            || { rm -rf "$tmp"; die "pip could not download ${package}==${ORT_VERSION}"; }
        [ -f "$tmp/$wheel" ] || { rm -rf "$tmp"; die "pip did not produce $wheel"; }
        mv "$tmp/$wheel" "$WHEELS/$wheel"
        rm -rf "$tmp"
    fi
    local got
    got="$(sha256_of "$WHEELS/$wheel")"
    if [ -z "$want" ]; then
        echo "fetch-reference-ort: $wheel has sha256 $got (not pinned)" >&2
    elif [ "$got" != "$want" ]; then
        rm -f "$WHEELS/$wheel"
        die "checksum mismatch for $wheel: expected $want, got $got (deleted; run again)"
    fi
}

# extract WHEEL DEST: unpacks onnxruntime/capi/*.so* flat into DEST, atomically.
extract_libs() {
    local wheel="$1" dest="$2" tmp
    mkdir -p "$(dirname "$dest")"
    tmp="$(mktemp -d "$dest.XXXXXX")"
    "$PY" - "$WHEELS/$wheel" "$tmp" <<'EOF' || { rm -rf "$tmp"; die "could not unpack $wheel"; }
import os, sys, zipfile
wheel, out = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(wheel) as z:
    for name in z.namelist():
        base = os.path.basename(name)
        if name.startswith("onnxruntime/capi/") and base.startswith("libonnxruntime") and ".so" in base:
            with z.open(name) as src, open(os.path.join(out, base), "wb") as dst:
                dst.write(src.read())
EOF
    rm -rf "$dest"
    mv "$tmp" "$dest"
}

PY=""

if [ ! -f "$LIB" ]; then
    PY="$(pick_python)"
    download_wheel onnxruntime "$CPU_WHEEL" "$CPU_SHA256"
    extract_libs "$CPU_WHEEL" "$DEST"
    [ -f "$LIB" ] || die "$CPU_WHEEL has no libonnxruntime.so.$ORT_VERSION"
fi

if [ "${1:-}" = "--gpu" ]; then
    if [ ! -f "$GPU_DEST/libonnxruntime.so.$ORT_VERSION" ]; then
        [ -n "$PY" ] || PY="$(pick_python)"
        download_wheel onnxruntime-gpu "$GPU_WHEEL" "$GPU_SHA256"
        extract_libs "$GPU_WHEEL" "$GPU_DEST"
    fi
    echo "$(cd "$GPU_DEST" && pwd)/libonnxruntime.so.$ORT_VERSION"
fi

echo "$(cd "$DEST" && pwd)/libonnxruntime.so.$ORT_VERSION"
