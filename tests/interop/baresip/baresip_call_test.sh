#!/usr/bin/env bash
# Interop: baresip (Debian 12: 1.0.0) registers with digest at `trunklab serve` and places a
# call through the trunk to an emulated provider (`trunklab run provider.json --target`), which
# answers it; baresip hangs up a few seconds later. Everything on 127.0.0.1; every wait bounded.
#
#   baresip_call_test.sh TRUNKLAB FIRST_PORT
# Ports: FIRST_PORT serve, +1 the provider, +2 baresip SIP (UDP and TCP; it takes +3 for TLS),
# +5 baresip ctrl_tcp, +10..+19 baresip RTP. A missing baresip fails the test.
#
# baresip is driven over its ctrl_tcp module (baresip.sh), so it dials only once serve has
# logged its REGISTER -> 200, and hangs up and quits on command. Audio is aubridge
# (source and player bridged in memory): no sound card. -t bounds baresip's own life.
set -euo pipefail
trunklab=$1 port=$2
command -v baresip >/dev/null || { echo "FAIL: baresip not installed (tools/setup.sh --tests)"; exit 1; }
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source-path=SCRIPTDIR source=../../lib/serve.sh
. "$here/../../lib/serve.sh"
# shellcheck source-path=SCRIPTDIR source=baresip.sh
. "$here/baresip.sh"
[ -d /usr/lib/baresip/modules ] || { echo "FAIL: no /usr/lib/baresip/modules"; exit 1; }

serve_port=$port provider_port=$((port + 1)) sip_port=$((port + 2)) ctrl_port=$((port + 5))
rtp_ports="$((port + 10))-$((port + 19))"
password=baresip-interop-secret  # as in provider.json
number=+15551234567

work=$(mktemp -d)
pids=()
cleanup() {
  stop_serve || true
  stop_pids "${pids[@]}"
  rm -rf "$work"
}
trap cleanup EXIT

show_logs() {
  local f
  for f in serve.log provider.log baresip.log; do
    echo "----- $f"
    cat "$work/$f" 2>/dev/null || true
  done
}
fail() { echo "FAIL: $*"; show_logs; exit 1; }


# 1. serve, configured from the provider scenario's "reference" section.
run=("$trunklab" run "$here/provider.json" --target "udp:127.0.0.1:$serve_port"
     --bind "telnyx=127.0.0.1:$provider_port")
timeout 10 "${run[@]}" --print-target-config > "$work/serve.json"
start_serve "$trunklab" "$work/serve.json" "udp:127.0.0.1:$serve_port" "$work/serve.log" ||
  fail "serve did not start"

# 2. the emulated provider; it exits once it has seen the call answered and ended.
timeout 90 "${run[@]}" --out "$work/provider-out" > "$work/provider.log" 2>&1 &
provider_pid=$!
pids+=("$provider_pid")

# 3. baresip, headless.
baresip_config "$work/baresip" "$sip_port" "$ctrl_port" "$rtp_ports" "$serve_port" "$password" \
  aubridge,interop aubridge,interop
start_baresip "$work/baresip" "$work/baresip.log"
baresip_pid=$BARESIP_PID
pids+=("$baresip_pid")
ctrl() { baresip_ctrl "$ctrl_port" "$work/ctrl.log" "$@"; }

wait_registered 15 "$work/serve.log" "$sip_port" || fail "baresip did not register"
wait_for 5 "$work/baresip.log" "baresip is ready" || true
ctrl dial "sip:$number@default.trunk.example.test" || fail "ctrl_tcp dial"
wait_for 15 "$work/serve.log" "^$SERVE_TS INVITE .* from 127\.0\.0\.1:$sip_port .*-> 200" || fail "the call was not answered"
sleep 3
ctrl hangup "" || fail "ctrl_tcp hangup"
wait_for 10 "$work/serve.log" "^$SERVE_TS BYE [^ ]+ from 127\\.0\\.0\\.1:$sip_port .*-> 200" || fail "the BYE was not answered"
stop_baresip "$ctrl_port" "$work/ctrl.log"

provider_status=0
wait "$provider_pid" || provider_status=$?

# 4. the ladder, as serve logged it: each line present, challenges before the successes.
errors=()
plain_log "$work/serve.log" > "$work/serve-plain.log"
line_of() { grep -Enm1 "$1" "$work/serve-plain.log" | cut -d: -f1; }
expect() {  # expect WHAT REGEX [AFTER_REGEX]
  local at before
  at=$(line_of "$2")
  if [ -z "$at" ]; then errors+=("$1"); return; fi
  if [ $# -ge 3 ]; then
    before=$(line_of "$3")
    [ -n "$before" ] && [ "$before" -lt "$at" ] || errors+=("$1 (after $3)")
  fi
}
from="from 127\.0\.0\.1:$sip_port"
register="^REGISTER sip:default\.registrar\.example\.test(;[^ ]*)? $from"
invite="^INVITE sip:\\$number@default\.trunk\.example\.test(;[^ ]*)? $from"
expect "REGISTER -> 401" "$register -> 401"
expect "REGISTER -> 200" "$register -> 200" "$register -> 401"
expect "INVITE from baresip -> 407" "$invite -> 407" "$register -> 200"
expect "INVITE from baresip -> 200" "$invite -> 200" "$invite -> 407"
expect "INVITE to the provider -> 200" "^INVITE sip:\\$number@[^ ]+ to 127\.0\.0\.1:$provider_port -> 200"
expect "BYE from baresip -> 200" "^BYE [^ ]+ $from -> 200" "$invite -> 200"
expect "BYE to the provider -> 200" "^BYE [^ ]+ to 127\.0\.0\.1:$provider_port -> 200"
[ "$provider_status" -eq 0 ] || errors+=("the provider run exited $provider_status")
if [ "${#errors[@]}" -gt 0 ]; then
  printf 'missing: %s\n' "${errors[@]}"
  fail "baresip call through trunklab serve"
fi
grep -E " -> [0-9]{3}( |$)" "$work/serve.log"
echo "PASS: baresip registered, called $number through the trunk, the provider answered, BYE 200"
