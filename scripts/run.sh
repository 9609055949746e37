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
    if ort_path="$(bash "$repo/scripts/fetch-reference-ort.sh" | tail -n 1)" && [ -f "$ort_path" ]; then
        export HWCHECK_REFERENCE_ORT="$ort_path"
        if $add_flag; then
            extra=(--reference-runtime)
        fi
    else
        echo "run.sh: could not fetch the reference ONNX Runtime; running without it" >&2
    fi
fi

exec cargo run --manifest-path "$repo/Cargo.toml" --release --quiet -- "$@" "${extra[@]}"
