# shellcheck shell=bash
# Sourced by the shell tests that drive `trunklab serve` on 127.0.0.1: bounded waits, and serve
# started and stopped in the background. Every wait has a limit, so no test hangs.

# wait_for SECONDS FILE REGEX: true once a line of FILE matches (extended regex).
wait_for() {
  local deadline=$((SECONDS + $1))
  while [ "$SECONDS" -le "$deadline" ]; do
    grep -Eq "$3" "$2" 2>/dev/null && return 0
    sleep 0.1
  done
  return 1
}

# start_serve TRUNKLAB CONFIG SOCKET LOG [SOCKET2]: serve with CONFIG on SOCKET (udp:IP:PORT) and
# SOCKET2 if given (tcp:IP:PORT), bindings in memory, output in LOG, and the options in the
# array SERVE_OPTIONS if set; SERVE_PID is its pid. False if it is not listening within 5 s.
start_serve() {
  "$1" serve --config "$2" --listen "$3" ${5:+--listen "$5"} --db :memory: ${SERVE_OPTIONS[@]+"${SERVE_OPTIONS[@]}"} > "$4" 2>&1 &
  SERVE_PID=$!
  wait_for 5 "$4" "listening on $3"
}

# serve_test_workdir: a fresh $work directory for a test that starts serve; on exit serve is
# stopped and $work removed (the trap every serve test set up for itself).
serve_test_workdir() {
  work=$(mktemp -d)
  trap 'stop_serve || true; rm -rf "$work"' EXIT
}

# peer_test_workdir: serve_test_workdir for a test that also starts peers of its own (SIPp,
# curl loops): their pids go in the array `pids`, stopped on exit before $work is removed.
peer_test_workdir() {
  work=$(mktemp -d)
  pids=()
  trap 'stop_serve || true; stop_pids ${pids[@]+"${pids[@]}"}; rm -rf "$work"' EXIT
}

# fail_with_logs LINES MESSAGE...: print FAIL and the last LINES lines of every $work/*.log and
# $work/*.out, then exit 1.
fail_with_logs() {
  local lines=$1 f
  shift
  echo "FAIL: $*"
  for f in "$work"/*.log "$work"/*.out; do
    [ -e "$f" ] || continue
    echo "----- $(basename "$f") (last $lines lines)"
    tail -n "$lines" "$f"
  done
  exit 1
}

# stop_serve: SIGTERM, then SIGKILL after 3 s; its exit status (0: a clean shutdown).
stop_serve() {
  [ -n "${SERVE_PID:-}" ] || return 0
  local pid=$SERVE_PID status=0
  SERVE_PID=
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 30); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || status=$?
  return "$status"
}

# serve's log lines start with an ISO 8601 UTC timestamp; a transaction's line then reads
# "METHOD URI from|to PEER [aor|user AOR] -> STATUS [REASON]" (README: serve's log).
# shellcheck disable=SC2034  # used by the scripts that source this file
SERVE_TS='[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z'

# plain_log FILE: serve's log without timestamps, and its transaction lines cut to
# "METHOD URI from|to PEER -> STATUS", for tests that count answers by status.
plain_log() {
  sed -E "s/^$SERVE_TS //; s/^([A-Z]+ [^ ]+ (from|to) [^ ]+)( (aor|user) [^ ]+)? -> ([0-9]{3})( .*)?$/\1 -> \5/" "$1"
}

# stop_pids PID...: TERM each of the test's own children, wait up to 3 s each, then KILL.
stop_pids() {
  local pid
  for pid in "$@"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "$@"; do
    for _ in $(seq 30); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
}
