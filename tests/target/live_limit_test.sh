#!/usr/bin/env bash
# A cap of limits holds in real time too: a run against `trunklab serve` that sends more messages
# than --max-messages stops and FAILs naming the cap, never a PASS. 127.0.0.1 only, bounded.
#   live_limit_test.sh TRUNKLAB SCENARIO PORT
set -euo pipefail
trunklab=$1 scenario=$2 port=$3
# shellcheck source-path=SCRIPTDIR source=../lib/serve.sh
. "$(dirname "$0")/../lib/serve.sh"
serve_test_workdir  # $work, and serve stopped and $work removed on exit
target="udp:127.0.0.1:$port"
run=("$trunklab" run "$scenario" --target "$target" --bind-base-port $((port + 1)) --time-scale 0.2)
"${run[@]}" --print-target-config > "$work/config.json"
start_serve "$trunklab" "$work/config.json" "$target" "$work/serve.log" || { cat "$work/serve.log"; exit 1; }
status=0
timeout 60 "${run[@]}" --max-messages 2 > "$work/run.log" 2>&1 || status=$?
cat "$work/run.log"
if [ "$status" -eq 1 ] && grep -q "limit reached: limits.messages: more than 2 messages on the wire" "$work/run.log"; then
  echo "PASS: the cap ended the real-time run as a FAIL naming it"
else
  echo "FAIL: expected exit 1 and the limits.messages failure, got exit $status"
  exit 1
fi
