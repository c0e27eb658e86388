#!/usr/bin/env bash
# TLS figures of `trunklab serve --listen tls:` on loopback, driven by build/bench/tls/tls_bench:
# full handshakes per second (a new connection each, TLS 1.3 and 1.2) and REGISTER-with-digest
# per second over CONNECTIONS open TLS 1.3 connections, with serve's CPU per handshake and per
# registration (utime+stime from /proc over each run); then the same rows against Kamailio 5.6
# with its tls module (bench/tls/kamailio-registrar-tls.cfg, CPU of all its processes) in the
# same run, when kamailio is installed (Debian kamailio, kamailio-tls-modules). Certificates
# (P-256) made with the openssl CLI into a temp dir; traffic stays on 127.0.0.1. Usage:
#   bench/tls/run.sh [BUILD_DIR] [SECONDS] [CONNECTIONS]      e.g. bench/tls/run.sh build 10 50
set -euo pipefail
build=${1:-build} seconds=${2:-10} connections=${3:-50}
bin="$build/trunklab" driver="$build/bench/tls/tls_bench"
work=$(mktemp -d)
serve_pid= kam_pid=
trap '[ -n "$serve_pid" ] && kill "$serve_pid" 2>/dev/null; [ -n "$kam_pid" ] && kill "$kam_pid" 2>/dev/null; sleep 0.5; rm -rf "$work"' EXIT
ec=(-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes)
openssl req -x509 "${ec[@]}" -days 2 -subj /CN=bench-ca -keyout "$work/ca.key" -out "$work/ca.pem" 2>/dev/null
openssl req -new "${ec[@]}" -subj /CN=127.0.0.1 -keyout "$work/server.key" -out "$work/server.csr" 2>/dev/null
echo 'subjectAltName=IP:127.0.0.1' > "$work/server.ext"
openssl x509 -req -in "$work/server.csr" -CA "$work/ca.pem" -CAkey "$work/ca.key" -CAcreateserial -days 2 \
  -extfile "$work/server.ext" -out "$work/server.pem" 2>/dev/null
"$bin" load --print-config --users "$connections" > "$work/config.json"
ticks=$(getconf CLK_TCK)
cpu_ticks() {  # PID...: their utime+stime summed
  local t=0 p
  for p in "$@"; do t=$((t + $(awk '{print $14 + $15}' "/proc/$p/stat"))); done
  echo "$t"
}

"$bin" serve --quiet --config "$work/config.json" --listen tls:127.0.0.1:0 --cert "$work/server.pem" \
  --key "$work/server.key" --db :memory: > "$work/serve.out" 2>&1 &
serve_pid=$!
for _ in $(seq 50); do grep -q listening "$work/serve.out" 2>/dev/null && break; sleep 0.1; done
port=$(sed -nE 's/.*listening on tls:127\.0\.0\.1:([0-9]+).*/\1/p' "$work/serve.out")

measure() {  # LABEL DRIVER-ARGS...: the driver's line and the server's CPU (of $server_pids) per unit
  local label=$1 before after out count
  shift
  # shellcheck disable=SC2086  # a list of pids
  before=$(cpu_ticks $server_pids)
  out=$("$driver" "$@")
  # shellcheck disable=SC2086
  after=$(cpu_ticks $server_pids)
  count=$(echo "$out" | sed -nE 's/.*(handshakes|registrations) ([0-9]+) .*/\2/p' | tail -1)
  printf "%s: %s " "$label" "$(echo "$out" | tr "\n" " ")"
  awk -v t=$((after - before)) -v hz="$ticks" -v n="$count" \
    'BEGIN { printf "| server CPU %.1f s, %.0f us per unit\n", t / hz, (n > 0 ? 1e6 * t / hz / n : 0) }'
}
rows() {  # NAME PORT
  measure "$1 handshakes TLS 1.3" handshakes "$2" "$work/ca.pem" "$seconds" 0 1.3
  measure "$1 handshakes TLS 1.2" handshakes "$2" "$work/ca.pem" "$seconds" 0 1.2
  measure "$1 REGISTER over TLS 1.3" registers "$2" "$work/ca.pem" "$seconds" "$connections" 1.3
}
server_pids=$serve_pid rows serve "$port"
kill -TERM "$serve_pid"; wait "$serve_pid" || true; serve_pid=
grep -o 'handshakes [0-9]* (failed [0-9]*, timed out [0-9]*)' "$work/serve.out"

kamailio=$(command -v kamailio || echo /usr/sbin/kamailio)
[ -x "$kamailio" ] || { echo "kamailio not installed: not measured"; exit 0; }
here=$(cd "$(dirname "$0")" && pwd)
kam_port=$((port + 1))
printf '[server:default]\nmethod = TLSv1.2+\nverify_certificate = no\nrequire_certificate = no\ncertificate = %s\nprivate_key = %s\n' \
  "$work/server.pem" "$work/server.key" > "$work/kamailio-tls.cfg"
sed "s/KAMAILIO_PORT/$kam_port/; s/KAMAILIO_PASSWORD/load-secret/; s|KAMAILIO_TLS_CFG|$work/kamailio-tls.cfg|" \
  "$here/kamailio-registrar-tls.cfg" > "$work/kamailio.cfg"
"$kamailio" -f "$work/kamailio.cfg" -DD -E -w "$work" > "$work/kamailio.log" 2>&1 &
kam_pid=$!
sleep 2
server_pids="$kam_pid $(pgrep -P "$kam_pid" | tr '\n' ' ')" rows kamailio "$kam_port"
kill -TERM "$kam_pid"; wait "$kam_pid" || true; kam_pid=
