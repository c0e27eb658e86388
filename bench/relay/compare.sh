#!/usr/bin/env bash
# RTP relay throughput on one core: trunklab serve's relay ("media": "relay") and rtpengine's
# userspace relay (--table=-1, one worker thread), measured the same way in the same run by
# build/bench/relay/bench_relay. Each relay is pinned to core 0 (taskset, every thread of it);
# the pump runs on core 1. Each repetition starts fresh relays, sets up CALLS sessions in each
# and steps the rate up until >= 0.1% is lost; the last line is the median over REPEATS.
# Usage: bench/relay/compare.sh [BUILD_DIR] [CALLS] [REPEATS] [STEP_SECONDS]
# RELAY_BENCH_NICE=-10 runs the relays and the pump at that niceness (root only), so that a
# neighbour's build on a shared machine takes less of their cores; both relays alike.
# Traffic stays on 127.0.0.1; ports 35300-35302 (control) and 40000-45999 (media).
set -euo pipefail
cd "$(dirname "$0")/../.."
build="${1:-build}"; calls="${2:-500}"; repeats="${3:-3}"; step_s="${4:-3}"
relay_core=0; pump_core=1
niceness="${RELAY_BENCH_NICE:-0}"
sip_port=35300; provider_port=35301; ng_port=35302
dir="$(mktemp -d)"
pid=""
cleanup() { [[ -n $pid ]] && kill -TERM "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; rm -rf "$dir"; }
trap cleanup EXIT

cat > "$dir/serve.json" <<EOF
{
  "providers": [{ "name": "carrier", "address": "127.0.0.1:$provider_port", "media": "relay" }],
  "routes": [{ "provider": "carrier", "priority": 1 }],
  "trunks": [{ "name": "bench", "trusted_addresses": ["127.0.0.1"], "media": "relay" }],
  "media": { "ports": [40000, 42999], "timeout": "1h" }
}
EOF

wait_for() {  # file pattern
  for _ in $(seq 100); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.1; done
  echo "compare.sh: no '$2' in $1:" >&2; cat "$1" >&2; return 1
}

start_serve() {
  nice -n "$niceness" taskset -c "$relay_core" "$build/trunklab" serve --config "$dir/serve.json" --listen "udp:127.0.0.1:$sip_port" \
    --db :memory: --quiet > "$dir/relay.log" 2>&1 &
  pid=$!
  wait_for "$dir/relay.log" listening
}

start_rtpengine() {
  nice -n "$niceness" taskset -c "$relay_core" rtpengine --config-file=none --table=-1 --interface=127.0.0.1 \
    --listen-ng="127.0.0.1:$ng_port" --foreground --log-stderr -L 4 --num-threads=1 \
    --port-min=43000 --port-max=45999 --timeout=3600 > "$dir/relay.log" 2>&1 &
  pid=$!
  sleep 1
  kill -0 "$pid" || { cat "$dir/relay.log" >&2; return 1; }
}

measure() {  # relay
  local args=(--relay "$1" --pid "$pid" --calls "$calls" --step-seconds "$step_s")
  [[ $1 == serve ]] && args+=(--sip-port "$sip_port" --provider-port "$provider_port") || args+=(--ng-port "$ng_port")
  nice -n "$niceness" taskset -c "$pump_core" "$build/bench/relay/bench_relay" "${args[@]}" | tee -a "$dir/results.txt"
  kill -TERM "$pid"; wait "$pid" 2>/dev/null || true; pid=""
}

echo "$(date -u '+%F %T UTC'), $(nproc) cores, niceness $niceness, load before: $(cut -d' ' -f1-3 /proc/loadavg)"
for rep in $(seq "$repeats"); do
  echo "== repetition $rep"
  start_serve; measure serve
  start_rtpengine; measure rtpengine
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"

# Median over the repetitions of each RESULT field.
echo
printf '%-10s %8s %26s %30s\n' relay calls "max pkt/s at <0.1% loss" "relay CPU µs/packet (at it)"
for relay in serve rtpengine; do
  grep "^RESULT relay=$relay " "$dir/results.txt" | sed -E 's/.*max_pps=([0-9]+).* cpu_us_per_packet=([0-9.]+) .*/\1 \2/' |
    sort -n | awk -v r="$relay" -v c="$calls" '{ pps[NR] = $1; cpu[NR] = $2 }
      END { if (NR == 0) { printf "%-10s %8s %26s\n", r, c, "no result"; exit }
            m = int((NR + 1) / 2); printf "%-10s %8s %26s %30s\n", r, c, pps[m], cpu[m] }'
done
