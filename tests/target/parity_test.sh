#!/usr/bin/env bash
# Parity: a bundled scenario run in real time over UDP against `trunklab serve` gives the ladder
# it gives in virtual time against the built-in reference (its golden file), message for
# message in order between each pair of parties; times and marked retransmissions aside
# (ladder_pairs.sh). One `trunklab serve` per scenario, configured by
# `trunklab run --print-target-config`, on 127.0.0.1 only; every wait is bounded.
#
#   parity_test.sh TRUNKLAB SCENARIO_DIR FIRST_PORT NAME...
# Each scenario uses FIRST_PORT + 10*i and the next few ports (target, then one per party).
# TIME_SCALE (default 0.2) is passed to --time-scale; the scenarios named in SERVE_AFTER_PARTIES
# get their target started once the parties' sockets are bound. SERVE_TCP=1: serve listens on
# TCP too, on the same port (RFC 3261 §18); TARGET=tcp: the run's --target is tcp:127.0.0.1:PORT
# (parties whose scenario names no transport then use TCP; implies SERVE_TCP). A scenario with
# "api" steps gets serve's management API on FIRST_PORT + 10*i + 9.
set -euo pipefail
trunklab=$1 scenarios=$2 port=$3
shift 3
# shellcheck source-path=SCRIPTDIR source=../lib/serve.sh
. "$(dirname "$0")/../lib/serve.sh"
serve_test_workdir  # $work, and serve stopped and $work removed on exit

# shellcheck source-path=SCRIPTDIR source=ladder_pairs.sh
. "$(dirname "$0")/ladder_pairs.sh"

failed=0
for name in "$@"; do
  target="udp:127.0.0.1:$port"
  tcp_socket=
  if [ "${SERVE_TCP:-}" = 1 ] || [ "${TARGET:-udp}" = tcp ]; then tcp_socket="tcp:127.0.0.1:$port"; fi
  run_target="$target"
  if [ "${TARGET:-udp}" = tcp ]; then run_target="$tcp_socket"; fi
  base=$((port + 1))
  run=("$trunklab" run "$scenarios/$name.json" --target "$run_target" --bind-base-port "$base" --time-scale "${TIME_SCALE:-0.2}")
  SERVE_OPTIONS=()
  if grep -q '"api":' "$scenarios/$name.json"; then
    # The scenario's "api" steps go to serve's management API, on the last port of its block.
    SERVE_OPTIONS=(--api "127.0.0.1:$((port + 9))" --api-token parity)
    run+=(--target-api "http://127.0.0.1:$((port + 9))" --target-api-token parity)
  fi
  "${run[@]}" --print-target-config > "$work/$name.config.json"
  status=0
  if [[ " ${SERVE_AFTER_PARTIES:-} " == *" $name "* ]]; then
    # The target probes its providers the moment it starts: started before the parties' sockets
    # are bound, its first probe is lost and the retransmission 500 ms later is what arrives,
    # which would shorten the first probe interval the scenario measures.
    timeout 150 "${run[@]}" --out "$work/out" > "$work/$name.run.log" 2>&1 &
    run_pid=$!
    sleep 0.5
    start_serve "$trunklab" "$work/$name.config.json" "$target" "$work/$name.serve.log" "$tcp_socket" ||
      { cat "$work/$name.serve.log"; echo "FAIL $name: serve did not start"; exit 1; }
    wait "$run_pid" || status=$?
  else
    start_serve "$trunklab" "$work/$name.config.json" "$target" "$work/$name.serve.log" "$tcp_socket" ||
      { cat "$work/$name.serve.log"; echo "FAIL $name: serve did not start"; exit 1; }
    timeout 150 "${run[@]}" --out "$work/out" > "$work/$name.run.log" 2>&1 || status=$?
  fi
  stop_serve || true
  if [ "$status" -ne 0 ]; then
    echo "FAIL $name: trunklab run --target exited $status"
    cat "$work/$name.run.log" "$work/$name.serve.log"
    failed=1
  elif ! diff <(ladder_by_pair "$scenarios/golden/$name.ladder.txt") <(ladder_by_pair "$work/out/$name/wire.txt") \
      > "$work/$name.diff"; then
    echo "FAIL $name: the real-time ladder differs from the golden one (< virtual, > real)"
    cat "$work/$name.diff"
    failed=1
  else
    echo "PASS $name: $(ladder_pair_lines "$work/out/$name/wire.txt" | wc -l) messages, same ladder in real time"
  fi
  port=$((port + 10))
done
exit "$failed"
