#!/usr/bin/env bash
# The coverage check never lies, whatever the build mode: the fixture in
# build-modes/ (sites in never-called, generic, async and private functions
# and in a second crate) is tested in debug, release, release with fat LTO,
# release with one codegen unit, and under nextest; each must see exactly
# the expected sites.
#   bash tests/reliability/build-modes.sh
set -euo pipefail
cd "$(dirname "$0")/build-modes"
export CARGO_TARGET_DIR="$(cd ../../.. && pwd)/target/build-modes"
run() {
  local mode=$1; shift
  if "$@" >"$CARGO_TARGET_DIR.log" 2>&1; then
    echo "ok      $mode"
  else
    echo "FAILED  $mode"; tail -40 "$CARGO_TARGET_DIR.log"; exit 1
  fi
}
mkdir -p "$CARGO_TARGET_DIR"
run debug cargo test -q
run release cargo test -q --release
run "release, lto = fat" env CARGO_PROFILE_RELEASE_LTO=fat cargo test -q --release
run "release, codegen-units = 1" env CARGO_PROFILE_RELEASE_CODEGEN_UNITS=1 cargo test -q --release
run nextest cargo nextest run
echo "every mode saw exactly the expected sites"
