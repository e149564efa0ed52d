#!/usr/bin/env bash
# Build time of 1,000 annotated methods: one crate per variant, generated
# under <target>/build-time, sharing one target directory. Dependencies are
# built first; what is timed is rebuilding the generated crate alone
# (`cargo build`, dev profile), best of RUNS. With INSTRUCTIONS=1, also
# rustc's own instructions compiling each generated crate from scratch
# (callgrind on that one rustc; repeatable where wall clock is not).
#   bash benches/build-time.sh
#   INSTRUCTIONS=1 VARIANTS="emits instrument" bash benches/build-time.sh
# Honours CARGO_TARGET_DIR (the work goes under it).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
RUNS=${RUNS:-3}
METHODS=${METHODS:-1000}
work="${CARGO_TARGET_DIR:-$root/target}/build-time"
mkdir -p "$work"
export CARGO_TARGET_DIR="$work/target"

generate() {
  local variant=$1 dir="$work/$1"
  mkdir -p "$dir/src"
  cat > "$dir/Cargo.toml" <<TOML
[package]
name = "build-time-$variant"
version = "0.0.0"
edition = "2021"
publish = false

[workspace]

[dependencies]
eventwire = { path = "$root/runtime" }
tracing = { version = "0.1", features = ["attributes"] }
TOML
  {
    echo '#![allow(unused)]'
    echo 'use eventwire::{emits, Event, EventType, HasBus, Phase, SharedBus, Site};'
    echo '#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EventType)]'
    echo 'pub enum EventType { #[event(on = entry)] Started, Done, #[event(on = err)] Failed }'
    echo '#[derive(Default, HasBus)] pub struct Service { pub bus: Option<SharedBus<EventType>> }'
    echo 'fn site() -> Site { Site { function: "s".into(), path: "s".into(), file: file!().into(), line: line!(), column: 0 } }'
    echo 'impl Service {'
    for i in $(seq 1 "$METHODS"); do
      case $variant in
        none)
          echo "pub fn m$i(&self, x: u64) -> Result<u64, String> { if x == $i { Err(\"no\".into()) } else { Ok(x + $i) } }" ;;
        hand)
          echo "pub fn m$i(&self, x: u64) -> Result<u64, String> {
            if let Some(bus) = &self.bus { let _ = bus.publish(Event::new(EventType::Started, Phase::Entry, site())); }
            let r = if x == $i { Err(\"no\".into()) } else { Ok(x + $i) };
            if let Some(bus) = &self.bus { let e = match &r { Ok(_) => Event::new(EventType::Done, Phase::Ok, site()), Err(_) => Event::new(EventType::Failed, Phase::Err, site()) }; let _ = bus.publish(e); }
            r }" ;;
        emits)
          echo "#[emits(Started, Done, Failed)] pub fn m$i(&self, x: u64) -> Result<u64, String> { if x == $i { Err(\"no\".into()) } else { Ok(x + $i) } }" ;;
        instrument)
          echo "#[tracing::instrument(skip_all, err)] pub fn m$i(&self, x: u64) -> Result<u64, String> { if x == $i { Err(\"no\".into()) } else { Ok(x + $i) } }" ;;
      esac
    done
    echo '}'
  } > "$dir/src/lib.rs"
}

read -r -a variants <<< "${VARIANTS:-none hand emits instrument}"
for v in "${variants[@]}"; do
  generate "$v"
  cargo build -q --manifest-path "$work/$v/Cargo.toml"
done
declare -A best
for v in "${variants[@]}"; do
  best[$v]=999999
  for _ in $(seq 1 "$RUNS"); do
    touch "$work/$v/src/lib.rs"
    start=$(date +%s%N)
    cargo build -q --manifest-path "$work/$v/Cargo.toml"
    ms=$(( ($(date +%s%N) - start) / 1000000 ))
    [ "$ms" -lt "${best[$v]}" ] && best[$v]=$ms
  done
done
# rustc's instructions for each crate from scratch: its artifacts removed,
# then the one rustc that compiles it run under callgrind (through a
# wrapper that leaves every other rustc alone).
declare -A instr
if [ "${INSTRUCTIONS:-0}" = 1 ]; then
  wrapper="$work/count-rustc.sh"
  cat > "$wrapper" <<'SH'
#!/usr/bin/env bash
# Runs rustc, under callgrind when it compiles a build-time crate.
case " $* " in
  *" --crate-name build_time_"*)
    exec valgrind -q --tool=callgrind --callgrind-out-file="$EVENTWIRE_CALLGRIND_OUT" "$@" ;;
  *) exec "$@" ;;
esac
SH
  chmod +x "$wrapper"
  for v in "${variants[@]}"; do
    cargo clean -q -p "build-time-$v" --manifest-path "$work/$v/Cargo.toml"
    out="$work/$v.callgrind"
    EVENTWIRE_CALLGRIND_OUT="$out" RUSTC_WRAPPER="$wrapper" \
      cargo build -q --manifest-path "$work/$v/Cargo.toml"
    instr[$v]=$(awk '/^(summary|totals):/ {print $2; exit}' "$out")
  done
  printf '%-12s %16s %16s\n' variant "rustc instr" "vs instrument"
  for v in "${variants[@]}"; do
    awk -v v="$v" -v n="${instr[$v]}" -v base="${instr[instrument]:-0}" \
      'BEGIN { if (base > 0) printf "%-12s %16.0f %15.3fx\n", v, n, n / base; else printf "%-12s %16.0f\n", v, n }'
  done
  echo
fi

printf '%-12s %10s %16s\n' variant "build ms" "vs hand-written"
for v in "${variants[@]}"; do
  awk -v v="$v" -v ms="${best[$v]}" -v hand="${best[hand]:-0}" \
    'BEGIN { if (hand > 0) printf "%-12s %10d %15.2fx\n", v, ms, ms / hand; else printf "%-12s %10d\n", v, ms }'
done
