#!/usr/bin/env bash
# Fetches Prometheus' promtool (for `promtool check metrics` on hwcheck's textfile output) from
# Debian's `prometheus` package, without root and without installing the package:
#
#   bash scripts/fetch-promtool.sh      # prints the path of the promtool binary
#
# How the download is trusted: apt verifies the signature of the suite's Release file and the
# hash of the Packages index it lists; `apt-cache show` reads the .deb's SHA-256 from that
# verified index. This script pins the package version and that SHA-256 below, checks that
# the index still says the same (so a different build is noticed), downloads with
# `apt-get download`, and checks the .deb against the pinned SHA-256 before unpacking it with
# `dpkg-deb -x` into the cache (~/.cache/hwcheck/promtool/VERSION, or XDG_CACHE_HOME).
#
# Needs Debian 12 (bookworm)'s apt lists (`apt-get update` once, as root) to download; a cached
# binary is used without them.
set -euo pipefail

VERSION="2.42.0+ds-5+b6"
ARCH="amd64"
SHA256="3b0e0255b059a7696bd4a139a4a4eb24d71df067936a61ece5093559cbc7991c"

cache="${XDG_CACHE_HOME:-$HOME/.cache}/hwcheck/promtool/$VERSION"
bin="$cache/usr/bin/promtool"
if [ -x "$bin" ] && "$bin" --version >/dev/null 2>&1; then
    echo "$bin"
    exit 0
fi

say() { echo "fetch-promtool.sh: $*" >&2; }
if [ "$(dpkg --print-architecture 2>/dev/null || true)" != "$ARCH" ]; then
    say "pinned for $ARCH only; this machine is $(dpkg --print-architecture 2>/dev/null || uname -m)"
    exit 1
fi
indexed="$(apt-cache show "prometheus=$VERSION" 2>/dev/null | sed -n 's/^SHA256: //p' | head -n 1)"
if [ -z "$indexed" ]; then
    say "apt knows no prometheus $VERSION; run 'apt-get update' (Debian 12 bookworm lists) first"
    exit 1
fi
if [ "$indexed" != "$SHA256" ]; then
    say "the signed Packages index gives SHA-256 $indexed for prometheus $VERSION, not the pinned $SHA256"
    exit 1
fi

work="$(mktemp -d)"
chmod 0755 "$work" # apt-get download drops to the _apt user, which must be able to write here
trap 'rm -rf "$work"' EXIT
(cd "$work" && apt-get download -q "prometheus=$VERSION" >&2)
deb="$(ls "$work"/prometheus_*.deb)"
got="$(sha256sum "$deb" | cut -d' ' -f1)"
if [ "$got" != "$SHA256" ]; then
    say "downloaded .deb has SHA-256 $got, expected $SHA256"
    exit 1
fi
mkdir -p "$work/x"
dpkg-deb -x "$deb" "$work/x"
mkdir -p "$cache/usr/bin"
install -m 0755 "$work/x/usr/bin/promtool" "$bin.tmp"
mv "$bin.tmp" "$bin"
"$bin" --version >&2
echo "$bin"
