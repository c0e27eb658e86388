#!/usr/bin/env bash
# The management API's throughput, and the cost of configuration changes under call load:
#   1. GET /v1.0/routes requests/s (1 and 4 connections) and PUT changes/s (each one a whole
#      configuration checked, stored in SQLite with synchronous=FULL and applied), serve idle;
#   2. the same while SIPp places CPS calls/s through serve (trunk "local", trusted 127.0.0.1) to
#      a SIPp UAS playing the provider;
#   3. the route's provider switched between two SIPp UASes every 100 ms for FLIP_S seconds under
#      that load: every call must succeed (SIPp's failed-call count 0, both providers took calls).
# build/bench/api/bench_api is the client (keep-alive, cpp-httplib). In a network namespace of
# its own when it can be made (SIPp binds its control socket on 0.0.0.0).
# Usage: bench/api/run.sh [BUILD_DIR] [CPS] [FLIP_S]
set -euo pipefail
cd "$(dirname "$0")/../.."
if [ -z "${TRUNKLAB_IN_NETNS:-}" ]; then exec tests/interop/in_netns.sh "$0" "$@"; fi
build="${1:-build}"; cps="${2:-50}"; flip_s="${3:-20}"
sip_port=35400; api_port=35401; a_port=35402; b_port=35403; uac_port=35404
token=bench-token-0123456789
dir="$(mktemp -d)"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$dir"
}
trap cleanup EXIT

"$build/trunklab" serve --print-config > "$dir/example.json"
python3 - "$dir/example.json" "$dir/serve.json" "$a_port" "$b_port" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
c["providers"] = [{"name": "a", "address": "127.0.0.1:" + sys.argv[3]},
                  {"name": "b", "address": "127.0.0.1:" + sys.argv[4]}]
c["routes"] = [{"name": "bench", "provider": "a", "priority": 1}]
json.dump(c, open(sys.argv[2], "w"))
PY
"$build/trunklab" serve --config "$dir/serve.json" --listen "udp:127.0.0.1:$sip_port" --db "$dir/serve.db" \
  --api "$api_port" --api-token "$token" --quiet > "$dir/serve.log" 2>&1 &
pids+=($!)
for _ in $(seq 50); do grep -q "management API on" "$dir/serve.log" && break; sleep 0.1; done
client() { "$build/bench/api/bench_api" --port "$api_port" --token "$token" "$@"; }
api_figures() {  # LABEL
  echo "$1:"
  echo "  $(client --mode get --requests 5000 --connections 1)"
  echo "  $(client --mode get --requests 5000 --connections 4)"
  echo "  $(client --mode change --requests 200)"
}
sipp_uas() {  # PORT NAME
  sipp -sn uas -i 127.0.0.1 -p "$1" -nostdin -trace_stat -stf "$dir/$2.csv" -fd 1 > "$dir/$2.out" 2>&1 &
  pids+=($!)
}
sipp_uac() {  # CALLS NAME
  sipp -sn uac -s +15551234567 -i 127.0.0.1 -p "$uac_port" -r "$cps" -m "$1" -l 1000 -nostdin \
    -timeout $(( $1 / cps + 60 ))s -timeout_error -trace_stat -stf "$dir/$2.csv" -fd 1 \
    127.0.0.1:"$sip_port" > "$dir/$2.out" 2>&1
}
stat() {  # NAME COLUMN: from the last line of SIPp's statistics
  awk -F';' -v col="$2" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == col) c = i } END { print (c ? $c : "?") }' "$dir/$1.csv"
}
sipp_uas "$a_port" provider-a
sipp_uas "$b_port" provider-b
sleep 0.5

api_figures "serve idle"

sipp_uac $((cps * 40)) load & uac=$!
sleep 3
api_figures "under $cps calls/s"
wait "$uac" || echo "  (the SIPp caller exited $?)"
echo "  calls: $(stat load 'SuccessfulCall(C)') succeeded, $(stat load 'FailedCall(C)') failed"

calls=$((cps * (flip_s + 2)))
sipp_uac "$calls" flip & uac=$!
sleep 1
echo "route switched between providers a and b every 100 ms for $flip_s s under $cps calls/s:"
echo "  $(client --mode flip --interval-ms 100 --duration-s "$flip_s" --providers a b)"
status=0; wait "$uac" || status=$?
sleep 6  # SIPp's UAS counts a call once its 4 s timewait after the BYE is over; stats every 1 s
ok=$(stat flip 'SuccessfulCall(C)') failed=$(stat flip 'FailedCall(C)')
echo "  calls: $ok of $calls succeeded, $failed failed (SIPp exit $status); provider a answered $(stat provider-a 'SuccessfulCall(C)'), b $(stat provider-b 'SuccessfulCall(C)') in all"
[ "$status" -eq 0 ] && [ "$failed" = 0 ] && [ "$ok" = "$calls" ] || { echo "FAIL: calls failed while routes changed"; exit 1; }
