#!/usr/bin/env bash
# Builds hwcheck's portable x86_64 Linux binary and its Python wheel (manylinux2014, glibc >= 2.17).
#
#   bash scripts/build-wheel.sh            # wheel into target/wheels/, binary checked
#   HWCHECK_TARGET=aarch64-unknown-linux-gnu bash scripts/build-wheel.sh   # the aarch64 one
#                                          # (needs its Rust std: `rustup target add`; not in CI)
#
# The tools come from the Python package index only, pinned with hashes in
# packaging/requirements-build.txt (maturin, cargo-zigbuild, ziglang), installed into a
# project-local venv (HWCHECK_BUILD_VENV, default .venv-build). zig links against glibc 2.17's
# symbol set, so the binary runs on any x86_64 Linux with glibc >= 2.17; scripts/check-glibc.py
# then reads the binary's ELF version needs and fails when any GLIBC_x.y is above 2.17.
# scripts/package-check.sh (run by scripts/test.sh, so by CI) builds with this script, installs
# the wheel into a fresh venv and runs it.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

venv="${HWCHECK_BUILD_VENV:-.venv-build}"
target="${HWCHECK_TARGET:-x86_64-unknown-linux-gnu}"
arch="${target%%-*}"
glibc="2.17"

if [ ! -x "$venv/bin/maturin" ]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --require-hashes -r packaging/requirements-build.txt
fi
venv="$(cd "$venv" && pwd)"
export PATH="$venv/bin:$PATH"
rustup target add "$target" >/dev/null 2>&1 || true

out="${CARGO_TARGET_DIR:-target}/wheels"
rm -f "$out"/hwcheck-*_"$arch".whl
maturin build --release --zig --target "$target" --compatibility manylinux2014 --out "$out"

wheel="$(ls "$out"/hwcheck-*_"$arch".whl)"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
python3 -m zipfile -e "$wheel" "$tmp"
bin="$(ls "$tmp"/hwcheck-*.data/scripts/hwcheck)"
python3 scripts/check-glibc.py --max "$glibc" "$bin"
chmod +x "$bin"   # zipfile extraction drops the mode bits
if [ "$(uname -m)" = "$arch" ]; then
    "$bin" --version
fi
echo "binary: $(stat -c %s "$bin") bytes (the wheel's bin/hwcheck; also at ${CARGO_TARGET_DIR:-target}/$target/release/hwcheck)"
echo "wheel: $wheel ($(stat -c %s "$wheel") bytes)"
