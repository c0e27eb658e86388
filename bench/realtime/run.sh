#!/usr/bin/env bash
# REGISTER-with-digest throughput of `trunklab serve` over loopback UDP, measured with
# `trunklab load`, and the server's CPU per registration (utime+stime of the server process
# from /proc, over the load run only). Usage:
#   bench/realtime/run.sh [BUILD_DIR] [RATES...]      e.g. bench/realtime/run.sh build 2000 5000
# Each rate runs 10 s over 1000 accounts, once with the in-memory store and once with SQLite
# (synchronous=FULL: one fsync per accepted REGISTER). Traffic stays on 127.0.0.1.
set -euo pipefail
build=${1:-build}
shift || true
rates=("${@:-2000}")
bin="$build/trunklab"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
users=1000
duration=10s
"$bin" load --print-config --users "$users" >"$work/config.json"
ticks=$(getconf CLK_TCK)

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

run_one() {  # store rate
  local db=$1 rate=$2
  [[ $db == file ]] && db="$work/bindings.db" || db=":memory:"
  "$bin" serve --quiet --config "$work/config.json" --listen udp:127.0.0.1:0 --db "$db" \
    >"$work/serve.out" 2>&1 &
  local pid=$!
  for _ in $(seq 50); do grep -q listening "$work/serve.out" 2>/dev/null && break; sleep 0.1; done
  local port
  port=$(sed -nE 's/.*listening on udp:127\.0\.0\.1:([0-9]+).*/\1/p' "$work/serve.out")
  local before after rc=0
  before=$(cpu_ticks "$pid")
  "$bin" load --target "udp:127.0.0.1:$port" --rate "$rate" --duration "$duration" \
    --users "$users" >"$work/load.out" || rc=$?
  after=$(cpu_ticks "$pid")
  kill -TERM "$pid"; wait "$pid" || true
  local ok
  ok=$(sed -nE 's/.*succeeded ([0-9]+),.*/\1/p' "$work/load.out")
  local cpu_us=$(( (after - before) * 1000000 / ticks ))
  echo "== store=$1 rate=$rate/s exit=$rc  server cpu $((cpu_us / 1000)) ms, $(( ok > 0 ? cpu_us / ok : 0 )) us/registration"
  cat "$work/load.out"
  rm -f "$work/bindings.db"
}

for rate in "${rates[@]}"; do
  run_one memory "$rate"
  run_one file "$rate"
done
