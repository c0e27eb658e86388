#!/usr/bin/env bash
# Parity for the scenarios that must run at --time-scale 1 because they wait on the target's
# own timers (its INVITE timeout, registration expiry, OPTIONS probes) or on the emulated
# network's (NAT idle timeouts, fault windows, partitions), and the media scenarios (RTP keeps
# the real clock): each group runs parity_test.sh in the background on ports of its own, so the
# suite waits for the longest group, not the sum.
#
#   parity_parallel_test.sh TRUNKLAB SCENARIO_DIR FIRST_PORT "NAME NAME..." "NAME..." ...
set -euo pipefail
trunklab=$1 scenarios=$2 port=$3
shift 3
here=$(dirname "$0")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
pids=()
i=0
for group in "$@"; do
  # shellcheck disable=SC2086  # a group is a list of names
  # Each group in a network namespace of its own (as root): the serves of two groups would
  # otherwise share the relay's port range, and a port one holds moves the other's SDP.
  TIME_SCALE=1 SERVE_AFTER_PARTIES="options-keepalive" env -u TRUNKLAB_IN_NETNS "$here/../interop/in_netns.sh" \
    "$here/parity_test.sh" "$trunklab" "$scenarios" $((port + 200 * i)) $group > "$work/$i.log" 2>&1 &
  pids+=($!)
  i=$((i + 1))
done
failed=0
for j in "${!pids[@]}"; do
  wait "${pids[$j]}" || failed=1
  grep -E '^(PASS|FAIL)' "$work/$j.log" || true
done
if [ "$failed" -ne 0 ]; then
  for j in "${!pids[@]}"; do
    grep -q '^FAIL' "$work/$j.log" && cat "$work/$j.log"
  done
fi
exit "$failed"
