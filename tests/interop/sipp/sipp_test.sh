#!/usr/bin/env bash
# Interop: SIPp (Debian sip-tester 3.6) drives `trunklab serve` with the scenarios beside this
# script, every SIPp with -lost loss on both its sends and receives (retransmissions make every
# transaction survive it):
#   register.xml       REGISTER, 401, REGISTER with MD5 digest ([authentication]), 200
#   call.xml           INVITE, 407, ACK, INVITE with Proxy-Authorization, 200, ACK, BYE, 200
#   provider_503.xml   the first provider (route priority 1): 100 then 503 to every INVITE
#   provider_200.xml   the second provider (priority 2): 100, 180, 200, then the BYE's 200
# Every call must fail over from the 503 to the second provider and be answered. Passes when
# each SIPp exits 0 (all its calls succeeded, none failed or timed out) and serve's log shows
# every registration and call; prints the figures (attempted, succeeded, retransmissions,
# wall time). Everything on 127.0.0.1; every SIPp bounded by -timeout.
#
#   sipp_test.sh TRUNKLAB FIRST_PORT [REGISTRATIONS CALLS LOSS_PERCENT]
# Ports: FIRST_PORT serve, +1 the 503 provider, +2 the answering provider, +3 the registering
# phone, +4 the calling phone, +10..+25 SIPp media (each SIPp binds 4 RTP/RTCP ports, unused).
set -euo pipefail
trunklab=$1 port=$2 registrations=${3:-50} calls=${4:-20} loss=${5:-5}
# Never a silent skip: without sipp the test fails (tools/setup.sh --tests installs sip-tester).
command -v sipp >/dev/null || { echo "FAIL: sipp not installed (tools/setup.sh --tests: sip-tester)"; exit 1; }
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source-path=SCRIPTDIR source=../../lib/serve.sh
. "$here/../../lib/serve.sh"

serve_port=$port down_port=$((port + 1)) up_port=$((port + 2)) reg_port=$((port + 3)) call_port=$((port + 4))
user=office1 password=office1-secret number=+15551234567  # the built-in example's extension
peer_test_workdir
fail() { fail_with_logs 40 "$@"; }

# 1. serve: the built-in example with two providers at the SIPp UASes, the 503 one first. SIPp
#    answers only an MD5 challenge (the first one it reads): MD5 alone unless the built-in
#    configuration already offers MD5 first.
"$trunklab" serve --print-config > "$work/example.json"
python3 - "$work/example.json" "$work/serve.json" "$down_port" "$up_port" <<'PY'
import json, sys
config = json.load(open(sys.argv[1]))
if config["auth"]["algorithms"][0] != "MD5":
    config["auth"]["algorithms"] = ["MD5"]
config["providers"] = [
    {"name": "down", "address": "127.0.0.1:" + sys.argv[3], "hostname": "down.carrier.example", "invite_timeout": "8s"},
    {"name": "up", "address": "127.0.0.1:" + sys.argv[4], "hostname": "up.carrier.example", "invite_timeout": "8s"},
]
config["routes"] = [
    {"customer": "default", "name": "down", "priority": 1, "provider": "down"},
    {"customer": "default", "name": "up", "priority": 2, "provider": "up"},
]
json.dump(config, open(sys.argv[2], "w"), indent=2)
PY
start_serve "$trunklab" "$work/serve.json" "udp:127.0.0.1:$serve_port" "$work/serve.log" || fail "serve did not start"

# A SIPp run: NAME, its local port, its media port, then its own options. Statistics in
# NAME.csv (the last line at exit), unexpected messages in NAME-errors.log.
sipp_run() {
  local name=$1 local_port=$2 media_port=$3
  shift 3
  sipp -i 127.0.0.1 -mi 127.0.0.1 -p "$local_port" -mp "$media_port" -nostdin -lost "$loss" \
    -timeout 90s -timeout_error -recv_timeout 30s \
    -trace_stat -stf "$work/$name.csv" -fd 1 -trace_err -error_file "$work/$name-errors.log" \
    "$@" > "$work/$name.out" 2>&1
}

# 2. the providers, each ending after it has seen every call.
sipp_run provider-503 "$down_port" $((port + 10)) -sf "$here/provider_503.xml" -m "$calls" &
pids+=("$!")
down_pid=$!
# With 5% loss our 200 to the INVITE may be retransmitted after the BYE came, and the trunk ACKs
# each retransmission: that late ACK arrives during the final timewait, where SIPp would abort
# the call on an unexpected message. A late ACK retransmission is legitimate (RFC 3261
# §13.3.1.4), so this provider does not abort on unexpected messages.
sipp_run provider-200 "$up_port" $((port + 14)) -sf "$here/provider_200.xml" -m "$calls" \
  -default_behaviors all,-abortunexp &
pids+=("$!")
up_pid=$!
sleep 0.5

started=$SECONDS
# 3. registrations, then calls; each SIPp's exit status says whether all its calls succeeded.
register_status=0
sipp_run register "$reg_port" $((port + 18)) 127.0.0.1:"$serve_port" -sf "$here/register.xml" \
  -s "$user" -key domain default.registrar.example.test -au "$user" -ap "$password" \
  -m "$registrations" -r 50 -l 20 || register_status=$?
register_s=$((SECONDS - started))
call_status=0
sipp_run call "$call_port" $((port + 22)) 127.0.0.1:"$serve_port" -sf "$here/call.xml" \
  -s "$user" -key domain main.trunk.example.test -key number "$number" -au "$user" -ap "$password" \
  -m "$calls" -r 5 -l 8 || call_status=$?
down_status=0 up_status=0
wait "$down_pid" || down_status=$?
wait "$up_pid" || up_status=$?
wall_s=$((SECONDS - started))

# A statistics column (by its CSV header name) from the last line SIPp wrote.
stat() {
  [ -s "$work/$1.csv" ] || { echo "?"; return; }
  awk -F';' -v col="$2" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == col) c = i }
                         END { print (c ? $c : "?") }' "$work/$1.csv"
}
figures() {
  printf '%-13s exit %s: calls %s succeeded %s failed %s, retransmissions %s\n' "$1" "$2" \
    "$(stat "$1" 'TotalCallCreated')" "$(stat "$1" 'SuccessfulCall(C)')" "$(stat "$1" 'FailedCall(C)')" \
    "$(stat "$1" 'Retransmissions(C)')"
}
figures register "$register_status"
figures call "$call_status"
figures provider-503 "$down_status"
figures provider-200 "$up_status"
echo "loss ${loss}% on every SIPp; registrations $register_s s, wall time $wall_s s"

errors=()
[ "$register_status" -eq 0 ] || errors+=("the registering SIPp exited $register_status")
[ "$call_status" -eq 0 ] || errors+=("the calling SIPp exited $call_status")
[ "$down_status" -eq 0 ] || errors+=("the 503 provider SIPp exited $down_status")
[ "$up_status" -eq 0 ] || errors+=("the answering provider SIPp exited $up_status")
[ "$(stat register 'SuccessfulCall(C)')" = "$registrations" ] || errors+=("not all $registrations registrations succeeded")
[ "$(stat call 'SuccessfulCall(C)')" = "$calls" ] || errors+=("not all $calls calls succeeded")

# 4. serve's own account, one line per transaction: every registration challenged and
#    accepted, every call challenged, failed over from the 503 and answered.
kill -0 "$SERVE_PID" 2>/dev/null || errors+=("serve died")
serve_status=0
stop_serve || serve_status=$?
[ "$serve_status" -eq 0 ] || errors+=("serve exited $serve_status on SIGTERM")
plain_log "$work/serve.log" > "$work/serve-plain.log"
count() { grep -Ec "$1" "$work/serve-plain.log" || true; }
expect_count() {  # WHAT REGEX N
  local n
  n=$(count "$2")
  [ "$n" -eq "$3" ] || errors+=("$1: $n, expected $3")
}
from_reg="from 127\.0\.0\.1:$reg_port" from_call="from 127\.0\.0\.1:$call_port"
expect_count "REGISTER -> 200" "^REGISTER sip:default\.registrar\.example\.test $from_reg -> 200$" "$registrations"
expect_count "REGISTER -> 401" "^REGISTER sip:default\.registrar\.example\.test $from_reg -> 401$" "$registrations"
expect_count "INVITE -> 407" "^INVITE sip:\\$number@main\.trunk\.example\.test $from_call -> 407$" "$calls"
expect_count "INVITE -> 200" "^INVITE sip:\\$number@main\.trunk\.example\.test $from_call -> 200$" "$calls"
expect_count "INVITE to the 503 provider -> 503" "^INVITE [^ ]+ to 127\.0\.0\.1:$down_port -> 503$" "$calls"
expect_count "INVITE to the answering provider -> 200" "^INVITE [^ ]+ to 127\.0\.0\.1:$up_port -> 200$" "$calls"
expect_count "BYE -> 200" "^BYE [^ ]+ $from_call -> 200$" "$calls"
expect_count "BYE to the answering provider -> 200" "^BYE [^ ]+ to 127\.0\.0\.1:$up_port -> 200$" "$calls"
if [ "${#errors[@]}" -gt 0 ]; then
  printf 'error: %s\n' "${errors[@]}"
  fail "SIPp against trunklab serve"
fi
echo "PASS: SIPp registered $registrations times and made $calls calls through the trunk (407, failover from 503) with ${loss}% loss"
