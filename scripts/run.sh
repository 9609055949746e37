#!/usr/bin/env bash
# Runs the hwcheck doctor on this machine from a checkout:
#
#   bash scripts/run.sh [hwcheck options…]      e.g. bash scripts/run.sh --format markdown
#
# First fetches hwcheck's pinned reference ONNX Runtime (CPU build, through pip, checksum-verified,
# cached) and adds `--reference-runtime`, so the ONNX Runtime checks have a known-good runtime to
# compare with. `--quick`, `--facts`, `--help` and `--version` skip the fetch; so does a failed
# fetch (with a warning): the doctor then runs without the reference runtime.
# The working directory is kept, so relative paths in options (--facts report.json) work.
#
# The fetch and the build show their progress on standard error; the built binary then runs
# directly (not through `cargo run`, which puts its own directories on LD_LIBRARY_PATH), so the
# report records the caller's environment and nothing of the build.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

fetch=true
add_flag=true
for arg in "$@"; do
    case "$arg" in
        --quick | --facts | --facts=* | -h | --help | -V | --version) fetch=false ;;
        --reference-runtime) add_flag=false ;; # given already
    esac
done

extra=()
if $fetch && [ -f "$repo/scripts/fetch-reference-ort.sh" ]; then
    echo "run.sh: fetching the reference ONNX Runtime (scripts/fetch-reference-ort.sh; cached after the first time)…" >&2
    if ort_path="$(bash "$repo/scripts/fetch-reference-ort.sh" | tail -n 1)" && [ -f "$ort_path" ]; then
        echo "run.sh: reference ONNX Runtime: $ort_path" >&2
        export HWCHECK_REFERENCE_ORT="$ort_path"
        if $add_flag; then
            extra=(--reference-runtime)
        fi
    else
        echo "run.sh: could not fetch the reference ONNX Runtime; running without it" >&2
    fi
fi

echo "run.sh: building hwcheck (cargo build --release)…" >&2
cargo build --manifest-path "$repo/Cargo.toml" --release --bin hwcheck >&2
target_dir="$(cargo metadata --manifest-path "$repo/Cargo.toml" --format-version 1 --no-deps |
    grep -o '"target_directory":"[^"]*"' | head -n 1 | cut -d'"' -f4)"
bin="${target_dir:-$repo/target}/release/hwcheck"
[ -x "$bin" ] || { echo "run.sh: the build produced no $bin" >&2; exit 2; }
exec "$bin" "$@" "${extra[@]}"
