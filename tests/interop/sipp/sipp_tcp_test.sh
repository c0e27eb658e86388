#!/usr/bin/env bash
# Interop over TCP: `trunklab serve` listening on UDP and TCP at once (the same port), SIPp
# (Debian sip-tester 3.6) registering with digest over TCP (-t t1: every REGISTER on one
# connection, register.xml with Via SIP/2.0/TCP) and another SIPp over UDP against the same
# run. Passes when both SIPps exit 0 with every registration successful, serve's log shows
# each one challenged and accepted, its summary counts the TCP connection, and the --pcap of
# both sockets decodes in tshark as SIP over TCP and over UDP and is drawn by `trunklab ladder`.
#
#   sipp_tcp_test.sh TRUNKLAB FIRST_PORT [REGISTRATIONS]
# Ports: FIRST_PORT serve (UDP and TCP), +1 the TCP SIPp, +2 the UDP SIPp, +10..+17 SIPp media.
set -euo pipefail
trunklab=$1 port=$2 registrations=${3:-20}
# Never a silent skip: without sipp or tshark the test fails (tools/setup.sh --tests).
command -v sipp >/dev/null || { echo "FAIL: sipp not installed (tools/setup.sh --tests: sip-tester)"; exit 1; }
command -v tshark >/dev/null || { echo "FAIL: tshark not installed (tools/setup.sh --tests)"; exit 1; }
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source-path=SCRIPTDIR source=../../lib/serve.sh
. "$here/../../lib/serve.sh"

tcp_phone_port=$((port + 1)) udp_phone_port=$((port + 2))
user=office1 password=office1-secret  # the built-in example's extension
peer_test_workdir
fail() { fail_with_logs 40 "$@"; }

# 1. serve on both sockets, the built-in configuration (MD5 first, which SIPp answers).
"$trunklab" serve --listen "udp:127.0.0.1:$port" --listen "tcp:127.0.0.1:$port" --db :memory: \
  --pcap "$work/serve.pcap" > "$work/serve.log" 2>&1 &
SERVE_PID=$!
wait_for 5 "$work/serve.log" "listening on udp:127\.0\.0\.1:$port and tcp:127\.0\.0\.1:$port " ||
  fail "serve did not start on both sockets"

sipp_run() {  # NAME LOCAL_PORT MEDIA_PORT SIPP_OPTION...
  local name=$1 local_port=$2 media_port=$3
  shift 3
  sipp -i 127.0.0.1 -mi 127.0.0.1 -p "$local_port" -mp "$media_port" -nostdin \
    -timeout 60s -timeout_error -recv_timeout 20s \
    -trace_stat -stf "$work/$name.csv" -fd 1 -trace_err -error_file "$work/$name-errors.log" \
    -sf "$here/register.xml" -s "$user" -key domain default.registrar.example.test -au "$user" -ap "$password" \
    "$@" 127.0.0.1:"$port" > "$work/$name.out" 2>&1
}

# 2. both SIPps at once.
started=$SECONDS
sipp_run register-tcp "$tcp_phone_port" $((port + 10)) -t t1 -m "$registrations" -r 20 -l 10 &
tcp_pid=$!
pids+=("$tcp_pid")
sipp_run register-udp "$udp_phone_port" $((port + 14)) -t u1 -m 5 -r 10 -l 5 &
udp_pid=$!
pids+=("$udp_pid")
tcp_status=0 udp_status=0
wait "$tcp_pid" || tcp_status=$?
wait "$udp_pid" || udp_status=$?
wall_s=$((SECONDS - started))

stat() {  # NAME COLUMN: a statistics column from the last line SIPp wrote
  [ -s "$work/$1.csv" ] || { echo "?"; return; }
  awk -F';' -v col="$2" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == col) c = i }
                         END { print (c ? $c : "?") }' "$work/$1.csv"
}
echo "register-tcp exit $tcp_status: succeeded $(stat register-tcp 'SuccessfulCall(C)') failed $(stat register-tcp 'FailedCall(C)')"
echo "register-udp exit $udp_status: succeeded $(stat register-udp 'SuccessfulCall(C)') failed $(stat register-udp 'FailedCall(C)')"
echo "wall time $wall_s s"

errors=()
[ "$tcp_status" -eq 0 ] || errors+=("the TCP SIPp exited $tcp_status")
[ "$udp_status" -eq 0 ] || errors+=("the UDP SIPp exited $udp_status")
[ "$(stat register-tcp 'SuccessfulCall(C)')" = "$registrations" ] || errors+=("not all $registrations TCP registrations succeeded")
[ "$(stat register-udp 'SuccessfulCall(C)')" = "5" ] || errors+=("not all 5 UDP registrations succeeded")

# 3. serve's account: each registration challenged and accepted; one TCP connection accepted.
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
# SIPp's TCP connection comes from its -p port (it binds it before connecting).
expect_count "REGISTER over TCP -> 200" "^REGISTER [^ ]+ from 127\.0\.0\.1:$tcp_phone_port -> 200$" "$registrations"
expect_count "REGISTER over TCP -> 401" "^REGISTER [^ ]+ from 127\.0\.0\.1:$tcp_phone_port -> 401$" "$registrations"
expect_count "REGISTER over UDP -> 200" "^REGISTER [^ ]+ from 127\.0\.0\.1:$udp_phone_port -> 200$" 5
grep -Eq "tcp:127\.0\.0\.1:$port messages in $((2 * registrations)) out $((2 * registrations)) .*connections accepted 1 " \
  "$work/serve.log" || errors+=("serve's summary does not count $((2 * registrations)) TCP messages on 1 connection")

# 4. the capture of both sockets: tshark decodes SIP over TCP and UDP; the ladder draws it.
tshark -r "$work/serve.pcap" -Y "sip && !_ws.malformed" -T fields -e frame.protocols -e sip.Method \
  -e sip.Status-Code 2> "$work/tshark-errors.log" | sort | uniq -c > "$work/tshark.out" || errors+=("tshark failed")
tcp_registers=$(awk '$2 ~ /:tcp:sip$/ && $3 == "REGISTER" { print $1 }' "$work/tshark.out")
udp_registers=$(awk '$2 ~ /:udp:sip$/ && $3 == "REGISTER" { print $1 }' "$work/tshark.out")
[ "${tcp_registers:-0}" -eq $((2 * registrations)) ] || errors+=("tshark decoded ${tcp_registers:-0} REGISTERs over TCP, expected $((2 * registrations))")
[ "${udp_registers:-0}" -ge 10 ] || errors+=("tshark decoded ${udp_registers:-0} REGISTERs over UDP, expected 10 or more")
"$trunklab" ladder "$work/serve.pcap" > "$work/ladder.out" 2>&1 || errors+=("trunklab ladder failed")
ladder_200=$(grep -c "200 OK" "$work/ladder.out" || true)
[ "$ladder_200" -ge $((registrations + 5)) ] || errors+=("the ladder draws $ladder_200 200 OKs, expected $((registrations + 5))")
echo "tshark: $(tr -s ' ' < "$work/tshark.out" | tr '\n' ';')"

if [ "${#errors[@]}" -gt 0 ]; then
  printf 'error: %s\n' "${errors[@]}"
  fail "SIPp over TCP against trunklab serve"
fi
echo "PASS: SIPp registered $registrations times over TCP and 5 times over UDP against one serve; tshark and the ladder read the capture"
