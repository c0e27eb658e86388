#!/usr/bin/env bash
# A run against a target without a written run_until ends once it has settled (every step done,
# nobody waiting, the wire quiet for 1.5 s, the verdict a pass), not at its bound (the last step
# plus 40 s, scaled). outbound-auth at --time-scale 0.2 against `trunklab serve`: its last step
# is at 5 s (1 s scaled), its bound 9 s; settled, it ends near 2.5 s. The check allows 6 s, so
# only a run that waited for its bound fails it. 127.0.0.1 only, bounded.
#   settled_test.sh TRUNKLAB SCENARIO PORT
set -euo pipefail
trunklab=$1 scenario=$2 port=$3
# shellcheck source-path=SCRIPTDIR source=../lib/serve.sh
. "$(dirname "$0")/../lib/serve.sh"
serve_test_workdir  # $work, and serve stopped and $work removed on exit
target="udp:127.0.0.1:$port"
run=("$trunklab" run "$scenario" --target "$target" --bind-base-port $((port + 1)) --time-scale 0.2)
"${run[@]}" --print-target-config > "$work/config.json"
start_serve "$trunklab" "$work/config.json" "$target" "$work/serve.log" || { cat "$work/serve.log"; exit 1; }
timeout 60 "${run[@]}" > "$work/run.log" 2>&1 || { cat "$work/run.log"; echo "FAIL: the run did not pass"; exit 1; }
cat "$work/run.log"
ms=$(sed -nE 's/^PASS .* ([0-9]+)\.[0-9] ms real time.*/\1/p' "$work/run.log")
if [ -n "$ms" ] && [ "$ms" -lt 6000 ]; then
  echo "PASS: settled after $ms ms, before the 9 s bound"
else
  echo "FAIL: expected the run to end once settled (under 6000 ms), got '${ms:-no duration}' ms"
  exit 1
fi
