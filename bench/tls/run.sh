#!/usr/bin/env bash
# TLS figures of `trunklab serve --listen tls:` on loopback, driven by build/bench/tls/tls_bench:
# full handshakes per second (a new connection each, TLS 1.3 and 1.2) and REGISTER-with-digest
# per second over CONNECTIONS open TLS 1.3 connections, with serve's CPU per handshake and per
# registration (utime+stime from /proc over each run). Certificates (P-256) made with the
# openssl CLI into a temp dir; traffic stays on 127.0.0.1. Usage:
#   bench/tls/run.sh [BUILD_DIR] [SECONDS] [CONNECTIONS]      e.g. bench/tls/run.sh build 10 50
set -euo pipefail
build=${1:-build} seconds=${2:-10} connections=${3:-50}
bin="$build/trunklab" driver="$build/bench/tls/tls_bench"
work=$(mktemp -d)
serve_pid=
trap '[ -n "$serve_pid" ] && kill "$serve_pid" 2>/dev/null; rm -rf "$work"' EXIT
ec=(-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes)
openssl req -x509 "${ec[@]}" -days 2 -subj /CN=bench-ca -keyout "$work/ca.key" -out "$work/ca.pem" 2>/dev/null
openssl req -new "${ec[@]}" -subj /CN=127.0.0.1 -keyout "$work/server.key" -out "$work/server.csr" 2>/dev/null
echo 'subjectAltName=IP:127.0.0.1' > "$work/server.ext"
openssl x509 -req -in "$work/server.csr" -CA "$work/ca.pem" -CAkey "$work/ca.key" -CAcreateserial -days 2 \
  -extfile "$work/server.ext" -out "$work/server.pem" 2>/dev/null
"$bin" load --print-config --users "$connections" > "$work/config.json"
ticks=$(getconf CLK_TCK)
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

"$bin" serve --quiet --config "$work/config.json" --listen tls:127.0.0.1:0 --cert "$work/server.pem" \
  --key "$work/server.key" --db :memory: > "$work/serve.out" 2>&1 &
serve_pid=$!
for _ in $(seq 50); do grep -q listening "$work/serve.out" 2>/dev/null && break; sleep 0.1; done
port=$(sed -nE 's/.*listening on tls:127\.0\.0\.1:([0-9]+).*/\1/p' "$work/serve.out")

measure() {  # LABEL DRIVER-ARGS...: the driver's line and serve's CPU per counted unit
  local label=$1 before after out count
  shift
  before=$(cpu_ticks "$serve_pid")
  out=$("$driver" "$@")
  after=$(cpu_ticks "$serve_pid")
  count=$(echo "$out" | sed -nE 's/.*(handshakes|registrations) ([0-9]+) .*/\2/p' | tail -1)
  printf "%s: %s " "$label" "$(echo "$out" | tr "\n" " ")"
  awk -v t=$((after - before)) -v hz="$ticks" -v n="$count" \
    'BEGIN { printf "| serve CPU %.1f s, %.0f us per unit\n", t / hz, (n > 0 ? 1e6 * t / hz / n : 0) }'
}
measure "handshakes TLS 1.3" handshakes "$port" "$work/ca.pem" "$seconds" 0 1.3
measure "handshakes TLS 1.2" handshakes "$port" "$work/ca.pem" "$seconds" 0 1.2
measure "REGISTER over TLS 1.3" registers "$port" "$work/ca.pem" "$seconds" "$connections" 1.3
kill -TERM "$serve_pid"; wait "$serve_pid" || true; serve_pid=
grep -o 'handshakes [0-9]* (failed [0-9]*, timed out [0-9]*)' "$work/serve.out"
