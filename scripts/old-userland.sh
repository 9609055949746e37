#!/usr/bin/env bash
# Runs hwcheck's portable binary inside an old Debian userland (older glibc than the build host).
#
#   bash scripts/old-userland.sh [BINARY]      # default: the zig build of scripts/build-wheel.sh
#
# Needs root (debootstrap, chroot) and Debian's packages. The userland is made with
# `debootstrap --variant=minbase SUITE ROOT MIRROR` from the first Debian mirror this machine's
# apt sources name (read at run time from /etc/apt/sources.list*, so no host is written here),
# cached in ${XDG_CACHE_HOME:-$HOME/.cache}/hwcheck/old-userland/SUITE. Suites are tried oldest
# first (HWCHECK_OLD_SUITES, default "buster bullseye": buster has left the regular mirrors);
# the first one whose release file the mirror serves is used. In it the binary runs as
# `hwcheck --quick --format json` (with /proc mounted in a private mount namespace when the
# machine allows it) and its report must parse as JSON; exit code 1 (a FAIL: no GPU here) is
# expected, 2 or a crash is an error. When the reference ONNX Runtime is at hand
# (HWCHECK_REFERENCE_ORT or scripts/fetch-reference-ort.sh's cache), it is copied in too and
# `hwcheck --ort ... --no-detect` must open a CPU session with it there (dlopen of a glibc
# library from the old userland). Prints the suite, its glibc and the reports' summaries;
# HWCHECK_OLD_USERLAND_OUT=DIR also keeps the two reports there (quick.json, ort.json).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

die() { echo "old-userland: $*" >&2; exit 1; }

bin="${1:-${CARGO_TARGET_DIR:-target}/x86_64-unknown-linux-gnu/release/hwcheck}"
[ -x "$bin" ] || die "no executable binary at $bin (run scripts/build-wheel.sh first, or pass one)"
[ "$(id -u)" = 0 ] || die "needs root (debootstrap and chroot)"

if ! command -v debootstrap >/dev/null 2>&1; then
    if command -v apt-get >/dev/null 2>&1; then
        apt-get update -qq >/dev/null
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null
    fi
    command -v debootstrap >/dev/null 2>&1 || die "needs debootstrap (Debian package 'debootstrap')"
fi

# The first Debian archive URI of apt's sources (deb822 "URIs:" or one-line "deb URI suite"),
# leaving out the security archive.
mirror_from_apt_sources() {
    local f
    for f in /etc/apt/sources.list.d/*.sources /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
        [ -f "$f" ] || continue
        case "$f" in
            *.sources) awk '/^URIs:/ { for (i = 2; i <= NF; i++) print $i }' "$f" ;;
            *) awk '$1 == "deb" { for (i = 2; i <= NF; i++) if ($i !~ /^\[/) { print $i; break } }' "$f" ;;
        esac
    done | grep -E '/debian/?$' | grep -v -- '-security' | head -n 1
}
mirror="${HWCHECK_DEBIAN_MIRROR:-$(mirror_from_apt_sources)}"
[ -n "$mirror" ] || die "found no Debian archive in /etc/apt/sources.list* (set HWCHECK_DEBIAN_MIRROR)"

cache="${XDG_CACHE_HOME:-$HOME/.cache}/hwcheck/old-userland"
mkdir -p "$cache"
root=""
for suite in ${HWCHECK_OLD_SUITES:-buster bullseye}; do
    if [ -x "$cache/$suite/usr/bin/getconf" ]; then
        root="$cache/$suite"
        break
    fi
    rm -rf "$cache/$suite.tmp"
    start=$SECONDS
    if debootstrap --variant=minbase "$suite" "$cache/$suite.tmp" "$mirror" >"$cache/$suite.log" 2>&1; then
        mv "$cache/$suite.tmp" "$cache/$suite"
        root="$cache/$suite"
        echo "old-userland: made $suite with debootstrap in $((SECONDS - start)) s"
        break
    fi
    # (the mirror's address left out of the message: logs of this script are kept as evidence)
    echo "old-userland: $suite not reachable from the configured mirror: $(grep -m1 '^E:' "$cache/$suite.log" | sed -E 's#[a-z]+://[^ ]*/dists/#<mirror>/dists/#')"
    rm -rf "$cache/$suite.tmp"
done
[ -n "$root" ] || die "no suite of '${HWCHECK_OLD_SUITES:-buster bullseye}' could be made"
suite="$(basename "$root")"

glibc="$(chroot "$root" getconf GNU_LIBC_VERSION)"
echo "old-userland: Debian $suite ($(cat "$root/etc/debian_version")), $glibc"

cp "$bin" "$root/hwcheck"
chmod +x "$root/hwcheck"
out="$(mktemp)"
trap 'rm -rf "$out" "$root/hwcheck" "$root/opt/hwcheck-ort"' EXIT
run_in_root() {
    # /proc for the driver files hwcheck reads, mounted in a private namespace (gone on exit).
    if unshare --mount true 2>/dev/null; then
        unshare --mount sh -c 'mount -t proc proc "$1/proc" 2>/dev/null; shift; exec chroot "$@"' \
            sh "$root" "$root" /hwcheck "$@"
    else
        chroot "$root" /hwcheck "$@"
    fi
}
run_in_root --version
set +e
run_in_root --quick --format json >"$out"
rc=$?
set -e
echo "old-userland: hwcheck --quick --format json exited $rc ($(wc -c <"$out") bytes of JSON)"
keep() { [ -z "${HWCHECK_OLD_USERLAND_OUT:-}" ] || { mkdir -p "$HWCHECK_OLD_USERLAND_OUT" && cp "$out" "$HWCHECK_OLD_USERLAND_OUT/$1"; }; }
keep quick.json
[ "$rc" = 0 ] || [ "$rc" = 1 ] || die "hwcheck failed in $suite (exit $rc): not a verdict"
python3 - "$out" <<'EOF'
import json, sys
report = json.load(open(sys.argv[1]))
host = report["facts"]["host"]
print(f"old-userland: report parses: verdict {report['verdict']!r}, counts {report['counts']}, "
      f"hwcheck saw distro {host.get('distro')!r}, glibc {host.get('glibc')!r}")
EOF

ort="${HWCHECK_REFERENCE_ORT:-}"
if [ -z "$ort" ] && [ -f scripts/fetch-reference-ort.sh ]; then
    ort="$(bash scripts/fetch-reference-ort.sh 2>/dev/null | tail -n 1 || true)"
fi
if [ -z "$ort" ] || [ ! -f "$ort" ]; then
    echo "old-userland: no reference ONNX Runtime at hand: the session run is left out"
    exit 0
fi
mkdir -p "$root/opt/hwcheck-ort"
cp "$(dirname "$ort")"/libonnxruntime* "$root/opt/hwcheck-ort/"
set +e
run_in_root --ort "/opt/hwcheck-ort/$(basename "$ort")" --no-detect --format json >"$out"
rc=$?
set -e
[ "$rc" = 0 ] || [ "$rc" = 1 ] || die "hwcheck --ort ... failed in $suite (exit $rc): not a verdict"
keep ort.json
python3 - "$out" <<'EOF'
import json, sys
report = json.load(open(sys.argv[1]))
first = report["facts"]["ort"]["installs"][0]
cpu = [p for p in first.get("providers", []) if p.get("provider") in ("cpu", "CPUExecutionProvider")]
assert cpu and cpu[0].get("session_ok"), f"no CPU session with {first['path']}: {first.get('providers')} {first.get('load_error')}"
print(f"old-userland: ONNX Runtime {first.get('version')} loaded from {first['path']}: CPU session "
      f"opened in {cpu[0].get('session_ms')} ms; verdict {report['verdict']!r}, counts {report['counts']}")
EOF
