#!/usr/bin/env bash
# Interop: baresip (Debian 12: 1.0.0) registers with digest at `trunklab serve` and places a
# call through the trunk to an emulated provider (`trunklab run provider.json --target`), which
# answers it; baresip hangs up a few seconds later. Everything on 127.0.0.1; every wait bounded.
#
#   baresip_call_test.sh TRUNKLAB FIRST_PORT
# Ports: FIRST_PORT serve, +1 the provider, +2 baresip SIP (UDP and TCP; it takes +3 for TLS),
# +5 baresip ctrl_tcp, +10..+19 baresip RTP. Exits 77 when baresip is not installed.
#
# baresip is driven over its ctrl_tcp module (netstring JSON commands), so it dials only once
# serve has logged its REGISTER -> 200, and hangs up and quits on command. Audio is aubridge
# (source and player bridged in memory): no sound card. -t bounds baresip's own life.
set -euo pipefail
export LC_ALL=C  # netstring lengths are bytes
trunklab=$1 port=$2
command -v baresip >/dev/null || { echo "SKIP: baresip not installed (tools/setup.sh --tests)"; exit 77; }
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source-path=SCRIPTDIR source=../../lib/serve.sh
. "$here/../../lib/serve.sh"
[ -d /usr/lib/baresip/modules ] || { echo "SKIP: no /usr/lib/baresip/modules"; exit 77; }

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
mkdir "$work/baresip"
cat > "$work/baresip/config" <<EOF
poll_method		epoll
sip_listen		127.0.0.1:$sip_port
call_local_timeout	30
call_max_calls		1
audio_player		aubridge,interop
audio_source		aubridge,interop
audio_alert		aubridge,interop
rtp_ports		$rtp_ports
rtp_timeout		0
net_interface		127.0.0.1
dns_server		127.0.0.1:$((port + 9))
module_path		/usr/lib/baresip/modules
module			g711.so
module			aubridge.so
module			ctrl_tcp.so
module_tmp		account.so
module_app		menu.so
ctrl_tcp_listen		127.0.0.1:$ctrl_port
EOF
cat > "$work/baresip/accounts" <<EOF
<sip:office1@default.registrar.example.test;transport=udp>;auth_pass=$password;outbound="sip:127.0.0.1:$serve_port;transport=udp";regint=600;answermode=manual;medianat=;mediaenc=
EOF
: > "$work/baresip/contacts"
baresip -f "$work/baresip" -t 60 < /dev/null > "$work/baresip.log" 2>&1 &
baresip_pid=$!
pids+=("$baresip_pid")

# A ctrl_tcp command, as a netstring holding {"command":..,"params":..,"token":..}; true when
# baresip's response (the netstring with "response":true, events aside) says "ok":true.
ctrl() {
  local json="{\"command\":\"$1\",\"params\":\"$2\",\"token\":\"$1\"}" len body
  exec 3<>"/dev/tcp/127.0.0.1/$ctrl_port" || return 1
  printf '%d:%s,' "${#json}" "$json" >&3
  while IFS= read -r -t 5 -d ':' len <&3 && [[ "$len" =~ ^[0-9]+$ ]] &&
        IFS= read -r -t 5 -N "$len" body <&3 && IFS= read -r -t 5 -N 1 _ <&3; do
    echo "$body" >> "$work/ctrl.log"
    if [[ "$body" == *'"response":true'* ]]; then
      exec 3>&-
      [[ "$body" == *'"ok":true'* ]]
      return
    fi
  done
  exec 3>&-
  return 1
}

registered="REGISTER sip:default\.registrar\.example\.test(;[^ ]*)? from 127\.0\.0\.1:$sip_port .*-> 200"
wait_for 15 "$work/serve.log" "$registered" || fail "baresip did not register"
wait_for 5 "$work/baresip.log" "baresip is ready" || true
ctrl dial "sip:$number@default.trunk.example.test" || fail "ctrl_tcp dial"
wait_for 15 "$work/serve.log" "^$SERVE_TS INVITE .* from 127\.0\.0\.1:$sip_port .*-> 200" || fail "the call was not answered"
sleep 3
ctrl hangup "" || fail "ctrl_tcp hangup"
wait_for 10 "$work/serve.log" "^$SERVE_TS BYE [^ ]+ from 127\\.0\\.0\\.1:$sip_port .*-> 200" || fail "the BYE was not answered"
ctrl quit "" || true
for _ in $(seq 50); do kill -0 "$baresip_pid" 2>/dev/null || break; sleep 0.1; done

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
