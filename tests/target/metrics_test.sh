#!/usr/bin/env bash
# The metrics of `trunklab serve`: failover-5xx's call placed through serve in real time
# (telnyx 503, twilio answers), then sipsak registers office-1 once with its password and once
# with a wrong one and pings with OPTIONS. The metrics serve writes at SIGTERM (--metrics-out)
# count exactly that: the call under twilio with both providers' answers and ASR, one post-dial
# delay and one setup time, one registration, one 403 failure, one live binding, no channel
# left in use. 127.0.0.1 only, bounded.
#   metrics_test.sh TRUNKLAB SCENARIO_DIR PORT
set -euo pipefail
trunklab=$1 scenarios=$2 port=$3
# shellcheck source-path=SCRIPTDIR source=../lib/serve.sh
. "$(dirname "$0")/../lib/serve.sh"
serve_test_workdir  # $work, and serve stopped and $work removed on exit
target="udp:127.0.0.1:$port"
run=("$trunklab" run "$scenarios/failover-5xx.json" --target "$target" --bind-base-port $((port + 1)) --time-scale 0.2)
"${run[@]}" --print-target-config > "$work/config.json"
SERVE_OPTIONS=(--metrics-out "$work/metrics.prom" --api "127.0.0.1:$((port + 30))" --api-token metrics-token)
start_serve "$trunklab" "$work/config.json" "$target" "$work/serve.log" || { cat "$work/serve.log"; exit 1; }
timeout 60 "${run[@]}" > "$work/run.log" 2>&1 || { cat "$work/run.log"; echo "FAIL: the run did not pass"; exit 1; }
sipsak_register() {
  timeout 20 sipsak -p "127.0.0.1:$port" -U -i -C "sip:office1@127.0.0.1:$((port + 15))" -u office1 -a "$1" -x 120 \
    -s sip:office1@default.registrar.example.test -H 127.0.0.1 > "$work/sipsak.log" 2>&1
}
sipsak_register s3cret || { cat "$work/sipsak.log"; echo "FAIL: sipsak did not register"; exit 1; }
if sipsak_register wrong-password; then echo "FAIL: a wrong password registered"; exit 1; fi
timeout 20 sipsak -s "sip:ping@127.0.0.1:$port" -H 127.0.0.1 > "$work/sipsak.log" 2>&1 ||
  { cat "$work/sipsak.log"; echo "FAIL: sipsak's OPTIONS got no answer"; exit 1; }
# What a Prometheus scrape gets while serve runs: GET /metrics with the API's token.
curl -sS --max-time 5 -H "Authorization: Bearer metrics-token" -o "$work/scraped.prom" -w '%{http_code} %{content_type}\n' \
  "http://127.0.0.1:$((port + 30))/metrics" > "$work/scrape.status" || { echo "FAIL: GET /metrics"; exit 1; }
grep -q '^200 text/plain' "$work/scrape.status" || { cat "$work/scrape.status"; echo "FAIL: GET /metrics status"; exit 1; }
stop_serve || { cat "$work/serve.log"; echo "FAIL: serve did not stop cleanly"; exit 1; }
for metrics in "$work/scraped.prom" "$work/metrics.prom"; do
python3 - "$metrics" <<'PY'
import sys
samples, types = {}, {}
for line in open(sys.argv[1]):
    line = line.rstrip("\n")
    if line.startswith("# TYPE "):
        name, kind = line[7:].split(" ")
        types[name] = kind
    elif line and not line.startswith("#"):
        key, value = line.rsplit(" ", 1)
        assert key not in samples, f"sample twice: {key}"
        samples[key] = float(value)
want = {
    'trunklab_calls_total{direction="outbound",provider="twilio",status="200"}': 1,
    'trunklab_provider_legs_total{provider="telnyx",status="503"}': 1,
    'trunklab_provider_legs_total{provider="twilio",status="200"}': 1,
    'trunklab_provider_asr{direction="outbound",provider="telnyx"}': 0,
    'trunklab_provider_asr{direction="outbound",provider="twilio"}': 1,
    'trunklab_post_dial_delay_seconds_count{direction="outbound",provider="twilio"}': 1,
    'trunklab_setup_time_seconds_count{direction="outbound",provider="twilio"}': 1,
    'trunklab_setup_time_seconds_bucket{direction="outbound",provider="twilio",le="+Inf"}': 1,
    'trunklab_call_records_total': 1,
    'trunklab_registrations_total': 1,
    'trunklab_registration_failures_total{status="403",reason="forbidden"}': 1,
    'trunklab_bindings': 1,
    'trunklab_channels_in_use{trunk="default"}': 0,
    'trunklab_calls_in_progress': 0,
    'trunklab_trunk_events_total{event="failovers"}': 1,
    'trunklab_element_events_total{event="options"}': 1,
}
for key, value in want.items():
    assert samples.get(key) == value, f"{key}: {samples.get(key)}, expected {value}"
assert types["trunklab_setup_time_seconds"] == "histogram" and types["trunklab_calls_total"] == "counter", types
# Real time: setup about 2 s of the scenario's (x0.2), the post-dial delay below it.
setup = samples['trunklab_setup_time_seconds_sum{direction="outbound",provider="twilio"}']
pdd = samples['trunklab_post_dial_delay_seconds_sum{direction="outbound",provider="twilio"}']
assert 0 < pdd < setup < 5, (pdd, setup)
print(f"PASS: serve's metrics count the call (pdd {pdd:.3f} s, setup {setup:.3f} s), the registration and its failure")
PY
done
