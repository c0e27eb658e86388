#!/usr/bin/env bash
# A target that never answers fails the scenario with a message that says so, and the run ends
# on its own (every wait is bounded): no hang, exit status 1.
#   unreachable_test.sh TRUNKLAB SCENARIO PORT
set -uo pipefail
trunklab=$1 scenario=$2 port=$3
out=$(timeout 60 "$trunklab" run "$scenario" --target "udp:127.0.0.1:$port" --bind-base-port $((port + 1)) \
  --time-scale 0.2 2>&1)
status=$?
echo "$out"
if [ "$status" -ne 1 ]; then
  echo "expected exit status 1 (a failed scenario), got $status"
  exit 1
fi
if ! grep -q "no answer from the target udp:127.0.0.1:$port within the run" <<<"$out"; then
  echo "expected the failure to name the silent target"
  exit 1
fi
