#!/usr/bin/env bash
# Kamailio as the system under test: the bundled scenarios a registrar + authenticating proxy
# with dispatcher failover can serve run through `trunklab run --target` against a Kamailio 5.6
# (trunk.cfg) on 127.0.0.1. Every wait is bounded; Kamailio is stopped at the end.
#
#   trunk_target_test.sh TRUNKLAB SCENARIO_DIR FIRST_PORT
# Ports: Kamailio FIRST_PORT, the providers FIRST_PORT+1 (telnyx) and +2 (twilio) in every
# scenario, the phones of scenario i from FIRST_PORT + 10*(i+1). Exit 0 all pass, 1 a failure,
# 77 Kamailio not installed.
set -euo pipefail
trunklab=$1 scenarios=$2 port=$3
here="$(cd "$(dirname "$0")" && pwd)"
names=(register-auth register-wrong-password outbound-auth failover-5xx relay-404)
command -v kamailio >/dev/null || { echo "SKIP: kamailio not installed (tools/setup.sh --tests)"; exit 77; }
command -v jq >/dev/null || { echo "SKIP: jq not installed"; exit 77; }

work=$(mktemp -d)
kam=
cleanup() {
  if [ -n "$kam" ]; then
    kill -TERM "$kam" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$kam" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$kam" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
# One binary for the whole run, even if the build tree is rebuilt meanwhile.
cp "$trunklab" "$work/trunklab"
trunklab="$work/trunklab"

target="udp:127.0.0.1:$port"
binds=(--bind "telnyx=127.0.0.1:$((port + 1))" --bind "twilio=127.0.0.1:$((port + 2))")
run_args() {  # args = the `trunklab run` arguments of scenario $1 (index $2)
  args=("$scenarios/$1.json" --target "$target" --bind-base-port "$((port + 10 * ($2 + 1)))"
    "${binds[@]}" --time-scale 0.2)
}

# Dispatcher set 1 from what the scenarios' reference configs say: every provider at the socket
# trunklab binds it to, the route with the lowest priority number first (dispatcher algorithm 8
# takes the highest priority value first).
for i in "${!names[@]}"; do
  run_args "${names[$i]}" "$i"
  timeout 10 "$trunklab" run "${args[@]}" --print-target-config > "$work/${names[$i]}.config.json"
done
jq -rs '[.[] | . as $c | .routes[] | .provider as $n | {p: .priority, name: $n,
           address: ($c.providers[] | select(.name == $n) | .address)}] | unique
         | group_by(.name) | map(if length > 1 then error("provider \(.[0].name): two sockets or priorities") else .[0] end)
         | .[] | "1 sip:\(.address) 0 \(100 - .p) name=\(.name)"' "$work"/*.config.json > "$work/dispatcher.list"
echo "dispatcher set 1:"; sed 's/^/  /' "$work/dispatcher.list"

sed "s/KAMAILIO_PORT/$port/; s|KAMAILIO_DISPATCHER_LIST|$work/dispatcher.list|" "$here/trunk.cfg" > "$work/kamailio.cfg"
kamailio -f "$work/kamailio.cfg" -DD -E -w "$work" > "$work/kamailio.log" 2>&1 &
kam=$!
for _ in $(seq 50); do grep -q "Listening on" "$work/kamailio.log" && break; kill -0 "$kam" 2>/dev/null || break; sleep 0.1; done
grep -q "Listening on" "$work/kamailio.log" || { cat "$work/kamailio.log"; echo "kamailio did not start"; exit 1; }
sleep 0.5  # the worker processes come up after the listening line

failed=0
for i in "${!names[@]}"; do
  name=${names[$i]}
  status=0
  run_args "$name" "$i"
  timeout 60 "$trunklab" run "${args[@]}" --out "$work/out" > "$work/$name.run.log" 2>&1 || status=$?
  if [ "$status" -ne 0 ]; then
    failed=1
    grep -qE '^(FAIL|ERROR) ' "$work/$name.run.log" || echo "FAIL $name: trunklab run exited $status"
    sed '/^[0-9]* scenario(s):/,$d' "$work/$name.run.log"
    echo "    wire:"; sed 's/^/    /' "$work/out/$name/wire.txt" 2>/dev/null || true
  else
    grep -E '^(PASS| +note:)' "$work/$name.run.log"
  fi
done
kill -0 "$kam" 2>/dev/null || { echo "kamailio exited during the run:"; tail -20 "$work/kamailio.log"; failed=1; }
if grep -qE "ERROR|CRITICAL" "$work/kamailio.log"; then
  echo "kamailio logged errors:"; grep -E "ERROR|CRITICAL" "$work/kamailio.log" | head -20
fi
exit "$failed"
