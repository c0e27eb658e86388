#!/usr/bin/env bash
# Call detail records from `trunklab serve --cdr`: failover-5xx against serve in real time, then
# the record of its one call: the caller, the number, both providers tried with their answers
# (telnyx 503, twilio 200, the winner), ISO 8601 times in order, the talk time, and who hung up
# (the caller, by BYE). The same call in virtual time (`trunklab run --out`) gives the same
# record but for the times. 127.0.0.1 only, bounded.
#   cdr_test.sh TRUNKLAB SCENARIO_DIR PORT
set -euo pipefail
trunklab=$1 scenarios=$2 port=$3
# shellcheck source-path=SCRIPTDIR source=../lib/serve.sh
. "$(dirname "$0")/../lib/serve.sh"
serve_test_workdir  # $work, and serve stopped and $work removed on exit
target="udp:127.0.0.1:$port"
run=("$trunklab" run "$scenarios/failover-5xx.json" --target "$target" --bind-base-port $((port + 1)) --time-scale 0.2)
"${run[@]}" --print-target-config > "$work/config.json"
SERVE_OPTIONS=(--cdr "$work/cdr.jsonl")
start_serve "$trunklab" "$work/config.json" "$target" "$work/serve.log" || { cat "$work/serve.log"; exit 1; }
timeout 60 "${run[@]}" > "$work/run.log" 2>&1 || { cat "$work/run.log"; echo "FAIL: the run did not pass"; exit 1; }
stop_serve || { cat "$work/serve.log"; echo "FAIL: serve did not stop cleanly"; exit 1; }
grep -q "cdr $work/cdr.jsonl: 1 records, 0 over the size limit, 0 write errors" "$work/serve.log" ||
  { cat "$work/serve.log"; echo "FAIL: serve's summary does not count one record"; exit 1; }
"$trunklab" run -q "$scenarios/failover-5xx.json" --out "$work/virtual" > /dev/null
python3 - "$work/cdr.jsonl" "$work/virtual/failover-5xx/cdr.jsonl" <<'PY'
import json, sys
from datetime import datetime
def records(path):
    with open(path) as f:
        return [json.loads(line) for line in f]
real, virtual = records(sys.argv[1]), records(sys.argv[2])
assert len(real) == 1 and len(virtual) == 1, (real, virtual)
r = real[0]
want = {"direction": "outbound", "caller": "office-1", "callee": "+15551234567", "final_status": 200,
        "hangup_side": "caller", "hangup_cause": "BYE"}
for key, value in want.items():
    assert r[key] == value, f"{key}: {r[key]!r}, expected {value!r}"
legs = [(leg["target"], leg["status"], leg["won"]) for leg in r["legs"]]
assert legs == [("telnyx", 503, False), ("twilio", 200, True)], legs
times = [datetime.strptime(r[k], "%Y-%m-%dT%H:%M:%S.%fZ") for k in ("start", "ringing", "answer", "end")]
assert times == sorted(times), times
assert r["duration_ms"] > 0 and r["setup_ms"] > 0, r
# The virtual run's record says the same, its times in virtual seconds.
for key in ("direction", "caller", "callee", "final_status", "final_reason", "hangup_side", "hangup_cause", "legs"):
    assert virtual[0][key] == r[key], f"{key}: virtual {virtual[0][key]!r}, real {r[key]!r}"
assert isinstance(virtual[0]["start"], float), virtual[0]["start"]
print("PASS: one call detail record, the same in real and virtual time:", json.dumps(r)[:160], "...")
PY
