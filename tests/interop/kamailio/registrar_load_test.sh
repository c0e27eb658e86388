#!/usr/bin/env bash
# Interop: trunklab's digest client (trunklab load) registers against a real Kamailio
# registrar on 127.0.0.1, with no failure. Every wait is bounded; Kamailio is stopped at the end.
# Usage: registrar_load_test.sh TRUNKLAB_BINARY
set -euo pipefail
trunklab="$1"
here="$(cd "$(dirname "$0")" && pwd)"
command -v kamailio >/dev/null || { echo "SKIP: kamailio not installed (tools/setup.sh --tests)"; exit 77; }
dir="$(mktemp -d)"
port=22000  # a range of its own: CTest runs tests in parallel (tests/*/CMakeLists.txt list theirs)
sed "s/KAMAILIO_PORT/$port/; s/KAMAILIO_PASSWORD/interop-secret/" "$here/registrar.cfg" > "$dir/kamailio.cfg"
kamailio -f "$dir/kamailio.cfg" -DD -E -w "$dir" > "$dir/kamailio.log" 2>&1 &
kam=$!
cleanup() { kill -TERM "$kam" 2>/dev/null || true; for _ in $(seq 50); do kill -0 "$kam" 2>/dev/null || break; sleep 0.1; done; kill -KILL "$kam" 2>/dev/null || true; rm -rf "$dir"; }
trap cleanup EXIT
for _ in $(seq 50); do grep -q "Listening on" "$dir/kamailio.log" && break; sleep 0.1; done
grep -q "Listening on" "$dir/kamailio.log" || { cat "$dir/kamailio.log"; echo "kamailio did not start"; exit 1; }
sleep 0.5  # the worker processes come up after the listening line
"$trunklab" load --target "udp:127.0.0.1:$port" --rate 100 --duration 2s --users 20 \
  --password interop-secret --domain example.test --timeout 3s
