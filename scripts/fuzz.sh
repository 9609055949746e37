#!/usr/bin/env bash
# Fuzzes every hwcheck parser of outside input for a bounded time each and prints the exec counts.
# Not part of CI's hot path (scripts/test.sh does not call it).
#
#   bash scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]     (default 20 s, every target)
#
# Needs cargo-fuzz (`cargo install cargo-fuzz`) and a nightly toolchain, or a stable one with
# RUSTC_BOOTSTRAP=1. Seeds come from this repository (compat tables, sample files, a small
# compiled library); new corpus entries land in fuzz/corpus/<target>/ and crashes in
# fuzz/artifacts/<target>/ (both git-ignored). Exit status 1 when any target crashed.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

secs="${1:-20}"
shift || true
if [ "$#" -gt 0 ]; then
    targets=("$@")
else
    mapfile -t targets < <(sed -n 's/^name = "\(.*\)"$/\1/p' fuzz/Cargo.toml | grep -v '^hwcheck-fuzz$')
fi

if rustup toolchain list 2>/dev/null | grep -q '^nightly'; then
    cargo_fuzz=(cargo +nightly fuzz)
else
    export RUSTC_BOOTSTRAP=1
    cargo_fuzz=(cargo fuzz)
fi

seed() { # seed TARGET NAME CONTENT...
    local dir="fuzz/corpus/$1"
    mkdir -p "$dir"
    printf '%s' "$3" >"$dir/$2"
}

seed_all() {
    local i=0
    for name in errors images cuda_driver arch gpus cudnn forward_compat ort; do
        mkdir -p fuzz/corpus/compat_tables
        { printf "\\x$(printf %02x "$i")"; cat "compat_tables/$name.toml"; } >"fuzz/corpus/compat_tables/$name"
        i=$((i + 1))
    done
    seed version_strings a "12.4.1"
    seed version_strings b "16GiB"
    seed version_strings c "onnxruntime_gpu-1.22.0.dist-info"
    seed version_files json '{"cuda": {"name": "CUDA SDK", "version": "13.0.2"}, "libcudnn": {"version": "9.14.0"}}'
    seed version_files txt "CUDA Version 11.4.1"
    seed version_files cudnn $'#define CUDNN_MAJOR 9\n#define CUDNN_MINOR 14\n#define CUDNN_PATCHLEVEL 0\n'
    seed proc_driver_version a "NVRM version: NVIDIA UNIX Open Kernel Module for x86_64  580.159.04  Release Build  (dvs-builder@U22)  Wed Oct  1 10:00:00 UTC 2025
GCC version:  gcc version 12.3.0"
    seed require_cuda a "cuda>=12.4 brand=tesla,driver>=470,driver<471 brand=unknown,driver>=535,driver<536"
    seed image_ref a "nvcr.io/nvidia/pytorch:24.05-py3"
    seed image_ref b "nvidia/cuda:11.4.1-cudnn8-runtime-ubuntu20.04"
    seed image_ref c "pytorch/pytorch:2.4.0-cuda12.4-cudnn9-runtime"
    seed require_expr a "gpu.memory>=16GiB"
    seed require_expr b "driver>=535.104.05"
    seed explain_matcher a "RuntimeError: CUDA error: no kernel image is available for execution on the device"
    seed explain_matcher b "Could not load library libcudnn_cnn_infer.so.8. Error: libcuda.so: cannot open shared object file"
    seed child_result a $'noise\nHWCHECK-RESULT:{"Ok":{"driver_api_version":"13.0","init_code":0,"device_count":1}}\n'
    mkdir -p fuzz/corpus/ld_so_cache fuzz/corpus/elf_reader fuzz/corpus/facts_json fuzz/corpus/picture_decode
    [ -r /etc/ld.so.cache ] && cp /etc/ld.so.cache fuzz/corpus/ld_so_cache/host
    printf 'int f(int *o) { *o = 1; return 0; }\n' | cc -shared -fPIC -x c -o fuzz/corpus/elf_reader/small.so -Wl,-soname,libcudart.so.13 - 2>/dev/null || true
    if [ ! -s fuzz/corpus/facts_json/cpu.json ]; then
        cargo run --quiet -- --quick --format json >fuzz/corpus/facts_json/cpu.json 2>/dev/null || true
    fi
    for f in tests/fixtures/facts/*.json tests/scenarios/*/facts.json; do
        [ -f "$f" ] && cp "$f" "fuzz/corpus/facts_json/$(echo "$f" | tr / _)"
    done
    cp assets/images/*.png fuzz/corpus/picture_decode/ 2>/dev/null || true
}
seed_all

(cd fuzz && "${cargo_fuzz[@]}" build -O)

printf '\n%-22s %12s %8s  %s\n' target execs exec/s result
failed=0
for t in "${targets[@]}"; do
    log="fuzz/artifacts/$t.log"
    mkdir -p fuzz/artifacts
    max_len=4096
    case "$t" in elf_reader | ld_so_cache | facts_json | picture_decode | compat_tables) max_len=262144 ;; esac
    if (cd fuzz && "${cargo_fuzz[@]}" run -O "$t" -- -max_total_time="$secs" -max_len="$max_len" \
        -rss_limit_mb=2048 -timeout=10 -print_final_stats=1) >"$log" 2>&1; then
        result=ok
    else
        result="CRASH (see $log and fuzz/artifacts/$t/)"
        failed=1
    fi
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
    printf '%-22s %12s %8s  %s\n' "$t" "${execs:-?}" "${rate:-?}" "$result"
done
exit "$failed"
