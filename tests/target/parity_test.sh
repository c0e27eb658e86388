#!/usr/bin/env bash
# Parity: a bundled scenario run in real time over UDP against `trunklab serve` gives the ladder
# it gives in virtual time against the built-in reference (its golden file), times and
# retransmissions aside. One `trunklab serve` per scenario, configured by
# `trunklab run --print-target-config`, on 127.0.0.1 only; every wait is bounded.
#
#   parity_test.sh TRUNKLAB SCENARIO_DIR FIRST_PORT NAME...
# Each scenario uses FIRST_PORT + 10*i and the next few ports (target, then one per party).
set -euo pipefail
trunklab=$1 scenarios=$2 port=$3
shift 3
# shellcheck source-path=SCRIPTDIR source=../lib/serve.sh
. "$(dirname "$0")/../lib/serve.sh"
work=$(mktemp -d)
cleanup() {
  stop_serve || true
  rm -rf "$work"
}
trap cleanup EXIT

# "src -> dst label" per message: the golden file and wire.txt share this layout after the time.
# Grouped by pair of parties, in order within each pair: on real sockets, which of two datagrams
# sent to different parties is read first is up to the kernel, not the system under test.
labels() {
  sed -E 's/^ *[0-9.]+s +//' "$1" | uniq |
    awk '{ a = $1; b = $3; if (b < a) { t = a; a = b; b = t } print a "~" b "\t" $0 }' |
    sort -s -t$'\t' -k1,1 | cut -f2
}

failed=0
for name in "$@"; do
  target="udp:127.0.0.1:$port"
  base=$((port + 1))
  run=("$trunklab" run "$scenarios/$name.json" --target "$target" --bind-base-port "$base" --time-scale 0.2)
  "${run[@]}" --print-target-config > "$work/$name.config.json"
  start_serve "$trunklab" "$work/$name.config.json" "$target" "$work/$name.serve.log" ||
    { cat "$work/$name.serve.log"; echo "FAIL $name: serve did not start"; exit 1; }
  status=0
  timeout 120 "${run[@]}" --out "$work/out" > "$work/$name.run.log" 2>&1 || status=$?
  stop_serve || true
  if [ "$status" -ne 0 ]; then
    echo "FAIL $name: trunklab run --target exited $status"
    cat "$work/$name.run.log" "$work/$name.serve.log"
    failed=1
  elif ! diff <(labels "$scenarios/golden/$name.ladder.txt") <(labels "$work/out/$name/wire.txt") \
      > "$work/$name.diff"; then
    echo "FAIL $name: the real-time ladder differs from the golden one (< virtual, > real)"
    cat "$work/$name.diff"
    failed=1
  else
    echo "PASS $name: $(labels "$work/out/$name/wire.txt" | wc -l) messages, same ladder in real time"
  fi
  port=$((port + 10))
done
exit "$failed"
