#!/usr/bin/env bash
# What eventwire costs the tokio example (examples/kv-server): the crate
# as it is, and the same crate with its `#[emits(..)]` attributes and
# `emit!` statements removed (its event enum, derives and bus stay), each a
# standalone package under target/example-cost sharing one target
# directory. Dependencies are built first; what is timed is rebuilding the
# crate alone in the release profile (best of RUNS), and the binary's size.
#   bash benches/example-cost.sh
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
RUNS=${RUNS:-3}
work="$root/target/example-cost"
rm -rf "$work/annotated" "$work/plain"
mkdir -p "$work"
export CARGO_TARGET_DIR="$work/target"

copy() {
  local variant=$1 dir="$work/$1"
  mkdir -p "$dir"
  cp -r examples/kv-server/src "$dir/src"
  sed -e "s|^eventwire = { workspace = true, features|eventwire = { path = \"$root/runtime\", features|" \
      -e "s|^eventwire.workspace = true|eventwire = { path = \"$root/runtime\" }|" \
      -e 's|^version.workspace = true|version = "0.0.0"|' \
      -e 's|^edition.workspace = true|edition = "2021"|' \
      -e 's|^rust-version = .*||' \
      -e 's|^license.workspace = true||' \
      -e 's|^\[lints\]||' -e 's|^workspace = true||' \
      -e "s|^name = \"kv-server\"|name = \"kv-server-$variant\"|" \
      -e 's|^tokio = { workspace = true, features|tokio = { version = "1", features|' \
      -e 's|^tracing = { workspace = true, features|tracing = { version = "0.1", features|' \
      -e 's|^tracing-subscriber.workspace = true|tracing-subscriber = { version = "0.3", default-features = false, features = ["fmt", "std", "registry"] }|' \
      examples/kv-server/Cargo.toml > "$dir/Cargo.toml"
  printf '\n[workspace]\n' >> "$dir/Cargo.toml"
  sed -i -e "s|kv_server::|kv_server_$variant::|g" "$dir/src/main.rs"
  sed -i -e "s|event-type = \"events::EventType\"|event-type = \"events::EventType\"|" "$dir/Cargo.toml"
  if [ "$variant" = plain ]; then
    # The attributes and emit! statements go; what they named stays.
    sed -i -e '/#\[emits(/d' -e '/^\s*emit!(.*);$/d' "$dir/src/server.rs" "$dir/src/store.rs"
    sed -i -e 's|^\s*eventwire::coverage_test!.*||' "$dir/src/lib.rs"
  fi
}

copy annotated
copy plain
for variant in annotated plain; do
  (cd "$work/$variant" && cargo build --release -q 2>/dev/null)
done

printf '%-10s %14s %14s\n' variant "rebuild (ms)" "binary (bytes)"
for variant in annotated plain; do
  best=
  for _ in $(seq 1 "$RUNS"); do
    touch "$work/$variant/src/lib.rs" "$work/$variant/src/main.rs"
    start=$(date +%s%N)
    (cd "$work/$variant" && cargo build --release -q 2>/dev/null)
    ms=$(( ($(date +%s%N) - start) / 1000000 ))
    if [ -z "$best" ] || [ "$ms" -lt "$best" ]; then best=$ms; fi
  done
  size=$(stat -c %s "$CARGO_TARGET_DIR/release/kv-server-$variant")
  printf '%-10s %14s %14s\n' "$variant" "$best" "$size"
done
