#!/usr/bin/env bash
# Runs the fault-injection suite (tests/faults.rs) on the GPU box from a release test binary
# built elsewhere (`cargo test --release --test faults --no-run`) and carried with
# target/release/hwcheck. The test binary names the checkout by the path it was built in, so
# that path is linked to this copy first. Needs `cc` on the box (the impostor libraries are
# compiled by the test). Output: $OUT/evidence/faults.txt.
set -u
built_in=${BUILT_IN:-/work/main}
if [ ! -e "$built_in" ]; then
  mkdir -p "$(dirname "$built_in")" && ln -s "$PWD" "$built_in"
fi
dir=${OUT:?set OUT}/evidence
mkdir -p "$dir"
test_bin=$(ls target/release/deps/faults-* | grep -v '\.d$' | head -n 1)
{
  echo "cc: $(command -v cc || echo missing) ($(cc --version 2>/dev/null | head -n 1))"
  echo "test binary: $test_bin"
  "$test_bin" --nocapture --test-threads 4
  echo "exit $?"
} >"$dir/faults.txt" 2>&1
