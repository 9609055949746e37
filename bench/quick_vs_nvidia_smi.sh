#!/usr/bin/env bash
# Issue 2 benchmark: `hwcheck --quick` wall time vs `nvidia-smi -q`, alternating, median of N.
# Usage: bench/quick_vs_nvidia_smi.sh [path/to/hwcheck] [runs]
# Without nvidia-smi (a CPU-only box) it times hwcheck --quick alone.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
hw=${1:-$here/../target/release/hwcheck}
runs=${2:-10}
cmds=("hwcheck --quick=$hw --quick --format json")
if command -v nvidia-smi >/dev/null 2>&1; then
  cmds+=("nvidia-smi -q=nvidia-smi -q")
fi
python3 "$here/compare.py" --runs "$runs" "${cmds[@]}"
