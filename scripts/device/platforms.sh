#!/usr/bin/env bash
# Issue 13's evidence on the GPU box (an H200 in a Firecracker microVM; ../shared/gpu/README.md):
#   1. the environment line and environment.kind for that machine, with the raw signs beside it
#      (kernel, PID 1's cgroup, the root mount, /.dockerenv, the CPU's hypervisor flag, DMI);
#   2. as the non-root user `tester`: all nodes present (healthy), /dev/nvidia-uvm missing (a
#      private mount namespace with a copy of /dev without it: hwcheck must name the node and
#      `nvidia-modprobe -u -c=0`), and GPU nodes this user may not open (mode 0600 in the copy);
#   3. as root with /dev/nvidia-uvm missing, for contrast (root's CUDA recreates the node).
# Run from the repo root as root with $OUT set and the release binary at $HW (default
# target/release/hwcheck). Outputs go to $OUT/platforms/; exit codes to exit-codes.txt. Nothing
# here changes the machine outside a throw-away mount namespace except `useradd -M tester`.
set -u
dir=${OUT:?set OUT}/platforms
mkdir -p "$dir"
# The checkout may sit where `tester` cannot read: run a world-readable copy of the binary.
hw=/tmp/hwcheck-platforms
install -m 0755 "$(realpath "${HW:-target/release/hwcheck}")" "$hw"

run() { # run NAME CMD...: stdout to $dir/NAME, stderr to $dir/NAME.stderr (kept when non-empty)
  local name=$1; shift
  "$@" >"$dir/$name" 2>"$dir/$name.stderr"
  echo "$name: exit $?" >>"$dir/exit-codes.txt"
  [ -s "$dir/$name.stderr" ] || rm -f "$dir/$name.stderr"
}

# The raw signs hwcheck reads, as the shell sees them.
signs() {
  echo "kernel: $(uname -r)"
  echo "PID 1: $(cat /proc/1/comm 2>&1)"
  echo "/proc/1/cgroup:"; cat /proc/1/cgroup
  echo "root mount:"; awk '$5 == "/"' /proc/self/mountinfo
  echo "/.dockerenv: $(ls -l /.dockerenv 2>&1)"
  echo "/run/.containerenv: $(ls -l /run/.containerenv 2>&1)"
  echo "hypervisor flag on $(grep -c -w hypervisor /proc/cpuinfo) CPUs"
  echo "DMI: $(cat /sys/class/dmi/id/sys_vendor /sys/class/dmi/id/product_name 2>&1 | tr '\n' ' ')"
  echo "systemd-detect-virt: $(systemd-detect-virt 2>&1)"
  echo "device nodes:"; ls -l /dev/nvidia* /dev/nvidia-caps 2>&1
  echo "nvidia-modprobe: $(command -v nvidia-modprobe || echo absent)"
}
run signs.txt signs

# 1. The environment line (first line of the table) and the full report, as root.
run hwcheck-quick.txt "$hw" --quick
run hwcheck-quick.json "$hw" --quick --format json
head -n 1 "$dir/hwcheck-quick.txt" >"$dir/environment-line.txt"
run hwcheck-root.json "$hw" --no-detect --format json

# 2. The non-root user.
id tester >/dev/null 2>&1 || useradd -M tester
as_tester() { # as_tester NAME ARGS...: hwcheck as tester in the current /dev
  local name=$1; shift
  run "$name" su tester -s /bin/sh -c "cd /tmp && $hw $*"
}
as_tester tester-healthy.txt --no-detect
as_tester tester-healthy.json --no-detect --format json

# A private mount namespace whose /dev is a copy; EDIT runs in the copy before hwcheck.
in_copied_dev() { # in_copied_dev NAME EDIT USER ARGS...
  local name=$1 edit=$2 user=$3; shift 3
  local cmd="$hw $*"
  [ "$user" = root ] || cmd="su $user -s /bin/sh -c 'cd /tmp && $hw $*'"
  run "$name" unshare -m sh -c "
    d=\$(mktemp -d) &&
    mount -t tmpfs -o dev,mode=755 tmpfs \"\$d\" &&
    cp -a /dev/. \"\$d\"/ &&
    (cd \"\$d\" && $edit) &&
    mount --bind \"\$d\" /dev &&
    ls -l /dev/nvidia* >&2 &&
    $cmd"
}
no_uvm='rm -f nvidia-uvm nvidia-uvm-tools'
in_copied_dev tester-no-uvm.txt "$no_uvm" tester --no-detect
in_copied_dev tester-no-uvm.json "$no_uvm" tester --no-detect --format json
refused='chmod 0600 nvidiactl nvidia[0-9]* nvidia-uvm nvidia-uvm-tools'
in_copied_dev tester-refused.txt "$refused" tester --no-detect
in_copied_dev tester-refused.json "$refused" tester --no-detect --format json

# 3. Root with /dev/nvidia-uvm missing.
in_copied_dev root-no-uvm.txt "$no_uvm" root --no-detect

# The lines that matter, gathered for the commit message and docs/evidence/.
{
  echo "environment line (root): $(cat "$dir/environment-line.txt")"
  for f in tester-healthy.txt tester-no-uvm.txt tester-refused.txt root-no-uvm.txt; do
    echo "== $f"
    grep -E 'driver.cuda_init|environment.device_nodes|environment.kind' -A3 "$dir/$f" | head -n 24
  done
} >"$dir/summary.txt" 2>&1
cat "$dir/exit-codes.txt"
