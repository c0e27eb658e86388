#!/usr/bin/env bash
# REGISTER-with-digest over UDP on loopback: trunklab serve (in-memory bindings) and Kamailio
# (tests/interop/kamailio/registrar.cfg) driven the same way, in the same run, by trunklab load;
# prints the failures and the server CPU per registration (utime+stime of every server process).
# Usage: bench/realtime/kamailio_compare.sh [BUILD_DIR] [RATE] [DURATION]
set -euo pipefail
cd "$(dirname "$0")/../.."
build="${1:-build}"; rate="${2:-4000}"; duration="${3:-10s}"; users=2000
trunklab="$build/trunklab"
dir="$(mktemp -d)"
pids=()
cleanup() { for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done; sleep 1; rm -rf "$dir"; }
trap cleanup EXIT
ticks() { local t=0 p f; for p in "$@"; do read -r -a f < "/proc/$p/stat"; t=$((t + f[13] + f[14])); done; echo "$t"; }
measure() {  # name port pids...
  local name=$1 port=$2; shift 2
  local before after
  before=$(ticks "$@")
  "$trunklab" load --target "udp:127.0.0.1:$port" --rate "$rate" --duration "$duration" --users "$users" \
    --password bench-secret --domain "$domain" > "$dir/$name.txt" || true
  after=$(ticks "$@")
  local done_ok
  done_ok=$(sed -n 's/.*succeeded \([0-9]*\), failed \([0-9]*\).*/\1 \2/p' "$dir/$name.txt")
  read -r ok failed <<< "$done_ok"
  local hz; hz=$(getconf CLK_TCK)
  printf '%-10s rate %5s/s  succeeded %6s  failed %5s  server CPU %6.1f µs/registration\n' "$name" "$rate" "$ok" "$failed" \
    "$(awk -v t=$((after - before)) -v hz="$hz" -v n="$ok" 'BEGIN { print (n > 0 ? t * 1e6 / hz / n : 0) }')"
}

# trunklab serve, its load accounts sharing the password.
"$trunklab" load --print-config --users "$users" --password bench-secret > "$dir/serve.json"
"$trunklab" serve --config "$dir/serve.json" --listen udp:127.0.0.1:35091 --db :memory: --quiet > "$dir/serve.log" 2>&1 &
pids+=($!)
serve_pid=$!
# Kamailio, the same accounts (any user of the domain, one password).
sed "s/KAMAILIO_PORT/35090/; s/KAMAILIO_PASSWORD/bench-secret/" tests/interop/kamailio/registrar.cfg > "$dir/kamailio.cfg"
kamailio -f "$dir/kamailio.cfg" -DD -E -w "$dir" > "$dir/kamailio.log" 2>&1 &
pids+=($!)
kam_pid=$!
sleep 2
domain=default.registrar.example.test measure trunklab 35091 "$serve_pid"
kam_all=$(pgrep -P "$kam_pid" | tr '\n' ' ')
domain=example.test measure kamailio 35090 "$kam_pid" $kam_all
