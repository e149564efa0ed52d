#!/usr/bin/env bash
# Instructions per call of each benchmark case, counted by valgrind's
# callgrind: repeatable whatever else the machine is doing.
#   bash benches/instructions.sh            # every case
#   bash benches/instructions.sh emits plain
# Each case runs CALLS times inside `run`; its count is the instructions of
# `run` divided by CALLS, minus the loop's own cost (case `empty`).
set -euo pipefail
cd "$(dirname "$0")/.."
CALLS=${CALLS:-20000}
cargo build --release -q -p eventwire-benches --bin instructions
bin=target/release/instructions
cases=("$@")
if [ ${#cases[@]} -eq 0 ]; then
  cases=(plain hand_inline hand_written_cold emits emits_no_defaults instrument
         sync_hand_written sync_hand_written_linked sync_emits sync_tracing_info
         take background_publish background_publish_dyn crossbeam_try_send background_publish_full crossbeam_try_send_full
         tokio_bus_publish tokio_try_send
         background_publish_param crossbeam_try_send_param background_publish_full_param
         crossbeam_try_send_full_param tokio_bus_publish_param tokio_try_send_param
         fields_0_declined fields_3_declined fields_8_declined fields_0_accepted fields_3_accepted fields_8_accepted
         async_plain async_emits coverage_check
         envelope_eventwire envelope_structured envelope_binary)
fi
out=$(mktemp -d)
count() {
  local case=$1 calls=$2
  valgrind --tool=callgrind --callgrind-out-file="$out/$case.out" --collect-atstart=no \
    --toggle-collect='*instructions*run*' "$bin" "$case" "$calls" >/dev/null 2>&1
  awk '/^totals:/ {print $2}' "$out/$case.out"
}
empty=$(count empty "$CALLS")
printf '%-26s %14s\n' case instructions/call
for case in "${cases[@]}"; do
  calls=$CALLS
  [ "$case" = coverage_check ] && calls=20
  total=$(count "$case" "$calls")
  awk -v t="$total" -v e="$empty" -v c="$calls" -v n="$CALLS" -v name="$case" \
    'BEGIN { printf "%-26s %14.1f\n", name, t / c - e / n }'
done
rm -rf "$out"
