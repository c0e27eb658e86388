#!/usr/bin/env bash
# Kamailio as the system under test: the bundled scenarios a registrar + authenticating proxy
# with dispatcher failover can serve run through `trunklab run --target` against a Kamailio 5.6
# (trunk.cfg) on 127.0.0.1. Every wait is bounded; Kamailio is stopped at the end.
#
#   trunk_target_test.sh TRUNKLAB SCENARIO_DIR FIRST_PORT
# Ports: Kamailio FIRST_PORT (and FIRST_PORT+3, +4: one each for the two NAT scenarios, which
# both register office1), the shared providers FIRST_PORT+1 (telnyx) and +2 (twilio), the
# phones of scenario i from FIRST_PORT + 10*(i+1) (up to FIRST_PORT+99). About 2m15s: the
# scale-1 scenarios run side by side. Exit 0 all pass, 1 a failure, 77 Kamailio not installed.
set -euo pipefail
trunklab=$1 scenarios=$2 port=$3
here="$(cd "$(dirname "$0")" && pwd)"
# At --time-scale 0.2, one after the other:
fast=(register-auth register-wrong-password outbound-auth failover-5xx relay-404 inbound-call)
# At --time-scale 1 (they wait on Kamailio's own timers, NAT mappings or loss), side by side:
# the NAT ones beside the fast ones, lossy-network (the shared providers) after them.
slow=(nat-reregister nat-keepalive-options lossy-network)
names=("${fast[@]}" "${slow[@]}")
command -v kamailio >/dev/null || { echo "SKIP: kamailio not installed (tools/setup.sh --tests)"; exit 77; }
command -v jq >/dev/null || { echo "SKIP: jq not installed"; exit 77; }

work=$(mktemp -d)
kams=()
cleanup() {
  for kam in "${kams[@]}"; do
    kill -TERM "$kam" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$kam" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$kam" 2>/dev/null || true
  done
  rm -rf "$work"
}
trap cleanup EXIT
# One binary for the whole run, even if the build tree is rebuilt meanwhile.
cp "$trunklab" "$work/trunklab"
trunklab="$work/trunklab"

# The inbound-only NAT scenarios run beside the others: their provider gets a socket of its own
# (the last port of the scenario's block), listed in dispatcher set 2 (inbound only).
own_provider=" nat-reregister nat-keepalive-options "
run_args() {  # args = the `trunklab run` arguments of scenario $1 (index $2) at time scale $3
  local base=$((port + 10 * ($2 + 1))) kport=$port
  # One registrar per NAT scenario: both register office1, and a lookup would fork to both.
  [ "$1" = nat-reregister ] && kport=$((port + 3))
  [ "$1" = nat-keepalive-options ] && kport=$((port + 4))
  args=("$scenarios/$1.json" --target "udp:127.0.0.1:$kport" --bind-base-port "$base" --time-scale "$3")
  if [[ "$own_provider" == *" $1 "* ]]; then
    args+=(--bind "telnyx=127.0.0.1:$((base + 9))")
  else
    args+=(--bind "telnyx=127.0.0.1:$((port + 1))" --bind "twilio=127.0.0.1:$((port + 2))")
  fi
}

# Dispatcher set 1 from what the scenarios' reference configs say: every provider at the socket
# trunklab binds it to, the route with the lowest priority number first (dispatcher algorithm 8
# takes the highest priority value first).
for i in "${!names[@]}"; do
  run_args "${names[$i]}" "$i" 1
  set=shared; [[ "$own_provider" == *" ${names[$i]} "* ]] && set=own
  timeout 10 "$trunklab" run "${args[@]}" --print-target-config > "$work/${names[$i]}.$set.config.json"
done
jq -rs '[.[] | . as $c | .routes[] | .provider as $n | {p: .priority, name: $n,
           address: ($c.providers[] | select(.name == $n) | .address)}] | unique
         | group_by(.name) | map(if length > 1 then error("provider \(.[0].name): two sockets or priorities") else .[0] end)
         | .[] | "1 sip:\(.address) 0 \(100 - .p) name=\(.name)"' "$work"/*.shared.config.json > "$work/dispatcher.list"
jq -rs '[.[] | .providers[] | .address] | unique | .[] | "2 sip:\(.)"' "$work"/*.own.config.json >> "$work/dispatcher.list"
echo "dispatcher sets:"; sed 's/^/  /' "$work/dispatcher.list"

# The inbound numbers: each number to the username of the extension it dials.
jq -rs '[.[] | . as $c | (.numbers // [])[] | .dial_extension as $e
           | {number, user: ($c.extensions[] | select(.name == $e) | .username)}] | unique
         | group_by(.number) | map(if length > 1 then error("number \(.[0].number): two extensions") else .[0] end)
         | .[] | "  $sht(numbers=>\(.number)) = \"\(.user)\";"' "$work"/*.config.json > "$work/numbers.cfg"
echo "numbers:"; sed 's/^/  /' "$work/numbers.cfg"

start_kamailio() {  # a Kamailio on port $1 pinging NATed bindings every $2 s (0: never)
  sed "s/KAMAILIO_PORT/$1/; s/KAMAILIO_NATPING_S/$2/; s|KAMAILIO_DISPATCHER_LIST|$work/dispatcher.list|" "$here/trunk.cfg" \
    | sed "/^KAMAILIO_NUMBERS$/{r $work/numbers.cfg
d}" > "$work/kamailio.$1.cfg"
  kamailio -f "$work/kamailio.$1.cfg" -DD -E -w "$work" > "$work/kamailio.$1.log" 2>&1 &
  kams+=($!)
  for _ in $(seq 50); do grep -q "Listening on" "$work/kamailio.$1.log" && break; sleep 0.1; done
  grep -q "Listening on" "$work/kamailio.$1.log" || { cat "$work/kamailio.$1.log"; echo "kamailio did not start"; exit 1; }
}
# The registrar's OPTIONS interval as nat-keepalive-options's config says (the others: none).
natping_s=$(jq -r '.registrar.keepalive_options_interval // "0s" | rtrimstr("s")' "$work/nat-keepalive-options.own.config.json")
kports=("$port" "$((port + 3))" "$((port + 4))")
start_kamailio "$port" 0
start_kamailio "$((port + 3))" 0
start_kamailio "$((port + 4))" "$natping_s"
sleep 0.5  # the worker processes come up after the listening line

run_one() {  # scenario $1 (index $2) at time scale $3; its exit status in $work/$1.status
  local status=0
  run_args "$1" "$2" "$3"
  timeout 150 "$trunklab" run "${args[@]}" --out "$work/out" > "$work/$1.run.log" 2>&1 || status=$?
  echo "$status" > "$work/$1.status"
}
pids=()
for i in 0 1; do
  run_one "${slow[$i]}" "$((${#fast[@]} + i))" 1 &
  pids+=($!)
done
for i in "${!fast[@]}"; do run_one "${fast[$i]}" "$i" 0.2; done
run_one "${slow[2]}" "$((${#fast[@]} + 2))" 1
for pid in "${pids[@]}"; do wait "$pid" || true; done

failed=0
for name in "${names[@]}"; do
  status=$(cat "$work/$name.status" 2>/dev/null || echo 1)
  if [ "$status" -ne 0 ]; then
    failed=1
    grep -qE '^(FAIL|ERROR) ' "$work/$name.run.log" || echo "FAIL $name: trunklab run exited $status"
    sed '/^[0-9]* scenario(s):/,$d' "$work/$name.run.log"
    echo "    wire:"; sed 's/^/    /' "$work/out/$name/wire.txt" 2>/dev/null || true
  else
    grep -E '^(PASS| +note:)' "$work/$name.run.log"
  fi
done
for i in "${!kams[@]}"; do
  log="$work/kamailio.${kports[$i]}.log"
  kill -0 "${kams[$i]}" 2>/dev/null || { echo "kamailio exited during the run:"; tail -20 "$log"; failed=1; }
  if grep -qE "ERROR|CRITICAL" "$log"; then
    echo "kamailio logged errors:"; grep -E "ERROR|CRITICAL" "$log" | head -20
  fi
done
exit "$failed"
