#!/usr/bin/env bash
# Interop/security: SIPVicious (Debian 12: sipvicious 0.3.3, svmap/svwar/svcrack) against
# `trunklab serve`, everything on 127.0.0.1 with explicit ports; every wait bounded.
#
#   sipvicious_test.sh TRUNKLAB FIRST_PORT
# Ports: FIRST_PORT serve; the tools' source ports: +1 svmap, +2 svwar, +3 svwar --force,
# +4 svcrack (known user), +5 svcrack (unknown user), +6 the final svmap.
# Exits 77 when svmap, svwar or svcrack is not installed.
#
# What it asserts, as a user of serve would see it:
#  1. svmap finds serve at 127.0.0.1:FIRST_PORT (its OPTIONS is answered 200).
#  2. No extension enumeration. svwar -m REGISTER refuses to scan because an unknown user is
#     challenged (401) like a real one, and finds nothing; with --force, the real extension 1001
#     gets the very status line of svwar's random probe user, so it is not listed either.
#     svcrack on an unknown user sees the answers a wrong password gets (401, then 403).
#  3. svcrack cracks 1001's password from a wordlist: SIPVicious' own MD5 digest (qop=auth, its
#     nc counter) interoperates with serve's challenges; every wrong word is refused with 403.
#  4. serve still answers afterwards, exits 0 on SIGTERM, and its summary line agrees with the
#     per-transaction log.
#
# Notes on sipvicious 0.3.3: svwar and svcrack ignore -b and bind 0.0.0.0:PORT (so CTest runs
# this test in a network namespace of its own: ../in_netns.sh); they send only to the target,
# and -x 127.0.0.1 sets the address they put in Via. Without --domain they would register at
# sip:127.0.0.1, which serve answers 404 (not a registrar domain).
set -euo pipefail
trunklab=$1 port=$2
# shellcheck source-path=SCRIPTDIR source=../../lib/serve.sh
. "$(dirname "$0")/../../lib/serve.sh"
for tool in svmap svwar svcrack; do
  command -v "$tool" >/dev/null || { echo "SKIP: $tool not installed (apt-get install sipvicious)"; exit 77; }
done

domain=default.registrar.example.test
user=1001 password=Tr0ub4dor-1001 unknown_user=1002
map_port=$((port + 1)) war_port=$((port + 2)) force_port=$((port + 3))
crack_port=$((port + 4)) crack_unknown_port=$((port + 5)) final_map_port=$((port + 6))

serve_test_workdir  # $work, and serve stopped and $work removed on exit

show_logs() {
  local f
  for f in "$work"/*.out "$work"/*.err "$work/serve.log"; do
    [ -e "$f" ] || continue
    echo "----- ${f##*/}"
    cat "$f"
  done
}
fail() { echo "FAIL: $*"; show_logs; exit 1; }

# count FILE REGEX: how many lines of FILE match (0 when none).
count() { grep -Ec "$2" "$1" || true; }
# wait_count SECONDS FILE REGEX N: true once N lines of FILE match.
wait_count() {
  local deadline=$((SECONDS + $1))
  while [ "$SECONDS" -le "$deadline" ]; do
    [ "$(count "$2" "$3")" -ge "$4" ] && return 0
    sleep 0.1
  done
  return 1
}

# A sipvicious tool, bounded, its session files (~/.sipvicious) in the temp dir; NAME.out gets
# its stdout (the result table), NAME.err its log. True unless it timed out or crashed.
sv() {
  local name=$1 limit=$2 status=0
  shift 2
  HOME="$work" timeout "$limit" "$@" > "$work/$name.out" 2> "$work/$name.err" || status=$?
  [ "$status" -eq 0 ] || fail "$name exited $status: $*"
  ! grep -q "Traceback\|Unhandled exception" "$work/$name.err" || fail "$name crashed"
}
# Lines serve logged for requests from one of the tools' source ports.
from() { plain_log "$work/serve.log" | grep -E "^[A-Z]+ [^ ]+ from 127\.0\.0\.1:$1 -> [0-9]+$" > "$work/serve-$1.log" || true; }

# serve: the built-in example (MD5 challenges: sipvicious knows no SHA-256), plus a numeric extension.
"$trunklab" serve --print-config > "$work/example.json"
python3 - "$work/example.json" "$work/serve.json" "$user" "$password" <<'EOF'
import json, sys
config = json.load(open(sys.argv[1]))
config["extensions"].append({"customer": "default", "name": "desk-" + sys.argv[3],
                             "username": sys.argv[3], "password": sys.argv[4]})
json.dump(config, open(sys.argv[2], "w"), indent=2)
EOF
start_serve "$trunklab" "$work/serve.json" "udp:127.0.0.1:$port" "$work/serve.log" || fail "serve did not start"

# 1. svmap: one OPTIONS to exactly 127.0.0.1:port. It lists the device with the Server or
#    User-Agent of the answer ("unknown" when there is neither).
device_row="^\| 127\.0\.0\.1:$port +\| (.*[^ ]) +\|$"
sv svmap 20 svmap -b 127.0.0.1 -P "$map_port" -p "$port" -v 127.0.0.1
grep -Eq "$device_row" "$work/svmap.out" || fail "svmap did not list 127.0.0.1:$port"
ua=$(sed -nE "s/$device_row/\1/p" "$work/svmap.out")
grep -q "127.0.0.1:$port	->	127.0.0.1:$port	->	$ua" "$work/svmap.err" || fail "svmap's result line"
wait_for 2 "$work/serve.log" "^$SERVE_TS OPTIONS [^ ]+ from 127\.0\.0\.1:$map_port .*-> 200( |$)" ||
  fail "serve did not log svmap's OPTIONS -> 200"
echo "ok 1: svmap found 127.0.0.1:$port, User Agent: $ua"

# 2a. svwar over 1000-1010 (1001 exists). Its sanity check registers a random numeric user
#     first; serve challenges it like any user, so svwar refuses and lists nothing.
sv svwar 30 svwar -x 127.0.0.1 -P "$war_port" -p "$port" --domain "$domain" -e1000-1010 -m REGISTER 127.0.0.1
grep -qx "ERROR:TakeASip:SIP server replied with an authentication request for an unknown extension. Set --force to force a scan." \
  "$work/svwar.err" || fail "svwar did not report the challenge of its unknown probe user"
grep -qx "WARNING:root:found nothing" "$work/svwar.err" || fail "svwar found something"
[ ! -s "$work/svwar.out" ] || fail "svwar printed a result table"
wait_for 2 "$work/serve.log" "from 127\.0\.0\.1:$war_port .*-> " || fail "serve logged nothing from svwar"
from "$war_port"
{ [ "$(wc -l < "$work/serve-$war_port.log")" -eq 1 ] &&
  grep -qx "REGISTER sip:$domain from 127.0.0.1:$war_port -> 401" "$work/serve-$war_port.log"; } ||
  fail "serve's answers to svwar: $(cat "$work/serve-$war_port.log")"
echo "ok 2a: svwar -e1000-1010: unknown probe user challenged (401), scan refused, found nothing"

# 2b. svwar --force on 1001 alone: the probe's answer is the "bad user" line; 1001's answer is
#     the same line, so svwar does not list it (and, as 0.3.3 does then, stops on it).
sv svwar-force 30 svwar -x 127.0.0.1 -P "$force_port" -p "$port" --domain "$domain" -e"$user" -m REGISTER --force -v 127.0.0.1
grep -qF "Bad user = SIP/2.0 401 " "$work/svwar-force.err" || fail "svwar --force: the probe was not answered 401"
grep -qF "From: \"$user\"<sip:$user@$domain>" "$work/svwar-force.err" ||
  fail "svwar --force: no answer for $user reached svwar"
! grep -q "extension '$user'" "$work/svwar-force.err" || fail "svwar --force tells $user apart (user enumeration)"
grep -qx "WARNING:root:found nothing" "$work/svwar-force.err" || fail "svwar --force found something"
[ ! -s "$work/svwar-force.out" ] || fail "svwar --force printed a result table"
wait_count 2 "$work/serve.log" "from 127\.0\.0\.1:$force_port .*-> " 2 || true
from "$force_port"
{ [ "$(count "$work/serve-$force_port.log" "^REGISTER sip:$domain from .* -> 401$")" -eq 2 ] &&
  [ "$(wc -l < "$work/serve-$force_port.log")" -eq 2 ]; } ||
  fail "serve's answers to svwar --force: $(cat "$work/serve-$force_port.log")"
echo "ok 2b: svwar --force -e$user: $user answered like the random probe user (401), found nothing"

# The wordlist for svcrack: wrong words (other users' passwords among them), the right password
# last, so that every guess is sent exactly once whatever the timing.
wrong=(1001 password 123456 letmein secret qwerty admin 1234 changeme voip sip 0000 alice-secret office1-secret)
printf '%s\n' "${wrong[@]}" "$password" > "$work/words.txt"

# 2c. svcrack on an unknown user: each word gets the 403 a wrong password gets, nothing else.
sv svcrack-unknown 40 svcrack -x 127.0.0.1 -P "$crack_unknown_port" -p "$port" --domain "$domain" -u "$unknown_user" -d "$work/words.txt" 127.0.0.1
grep -qx "WARNING:root:found nothing" "$work/svcrack-unknown.err" || fail "svcrack cracked unknown user $unknown_user"
[ ! -s "$work/svcrack-unknown.out" ] || fail "svcrack (unknown user) printed a result table"
! grep -q "User not found\|unknown response" "$work/svcrack-unknown.err" || fail "svcrack (unknown user) got a telling answer"
wait_count 2 "$work/serve.log" "from 127\.0\.0\.1:$crack_unknown_port .*-> 403( |$)" "$(wc -l < "$work/words.txt")" || true
from "$crack_unknown_port"
f="$work/serve-$crack_unknown_port.log"
{ [ "$(count "$f" " -> 403$")" -eq "$(wc -l < "$work/words.txt")" ] &&
  [ "$(count "$f" " -> (401|403)$")" -eq "$(wc -l < "$f")" ]; } ||
  fail "serve's answers to svcrack (unknown user): $(sort "$f" | uniq -c)"
echo "ok 2c: svcrack -u $unknown_user (unknown): every word -> 403 like a wrong password, found nothing"

# 3. svcrack on 1001: cracked with the last word.
sv svcrack 30 svcrack -x 127.0.0.1 -P "$crack_port" -p "$port" --domain "$domain" -u "$user" -d "$work/words.txt" -v 127.0.0.1
grep -Eq "^\| $user +\| $password +\|$" "$work/svcrack.out" || fail "svcrack did not crack $user"
[ "$(count "$work/svcrack.out" "^\| [^E=+]")" -eq 1 ] || fail "svcrack's table has other rows"
grep -qx "INFO:ASipOfRedWine:The password for $user is $password" "$work/svcrack.err" || fail "svcrack's result line"
wait_for 2 "$work/serve.log" "^$SERVE_TS REGISTER sip:$domain from 127\.0\.0\.1:$crack_port .*-> 200( |$)" || fail "serve did not log the 200"
from "$crack_port"
f="$work/serve-$crack_port.log"
{ [ "$(count "$f" " -> 200$")" -eq 1 ] && [ "$(count "$f" " -> 403$")" -eq "${#wrong[@]}" ] &&
  [ "$(count "$f" " -> (401|403|200)$")" -eq "$(wc -l < "$f")" ]; } ||
  fail "serve's answers to svcrack: $(sort "$f" | uniq -c)"
echo "ok 3: svcrack found $user's password; ${#wrong[@]} wrong words -> 403, the right one -> 200"

# 4. serve is alive and answering, then stops cleanly with a summary matching its log.
kill -0 "$SERVE_PID" 2>/dev/null || fail "serve died"
sv svmap-final 20 svmap -b 127.0.0.1 -P "$final_map_port" -p "$port" 127.0.0.1
grep -Eq "$device_row" "$work/svmap-final.out" || fail "the final svmap did not find serve"
wait_for 2 "$work/serve.log" "^$SERVE_TS OPTIONS [^ ]+ from 127\.0\.0\.1:$final_map_port .*-> 200( |$)" || fail "the final OPTIONS"
serve_status=0
stop_serve || serve_status=$?
[ "$serve_status" -eq 0 ] || fail "serve exited $serve_status on SIGTERM (137: killed after 3 s)"
summary=$(grep -E "^$SERVE_TS trunklab serve: stopped; " "$work/serve.log") || fail "no summary line"
summary=${summary#* }
log=$work/serve-plain.log
plain_log "$work/serve.log" > "$log"
expected="REGISTER $(count "$log" "^REGISTER ") (401 $(count "$log" "^REGISTER .* -> 401$"), 200 $(count "$log" "^REGISTER .* -> 200$"), 403 $(count "$log" "^REGISTER .* -> 403$")), OPTIONS $(count "$log" "^OPTIONS ")"
[[ "$summary" == "trunklab serve: stopped; $expected, "* ]] || fail "summary '$summary', log says '$expected'"
echo "ok 4: serve answered the final svmap, exit 0 on SIGTERM: $summary"
echo "PASS: sipvicious (svmap, svwar, svcrack) against trunklab serve"
