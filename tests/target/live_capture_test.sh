#!/usr/bin/env bash
# `--capture-iface lo`: the run's pcap comes from libpcap on the loopback interface (root) and
# gives the same verdict and ladder as the sockets' own record; without the privilege the run
# fails with a message that says why.
#   live_capture_test.sh TRUNKLAB SCENARIO_DIR PORT
set -euo pipefail
trunklab=$1 scenarios=$2 port=$3
if [ "$(id -u)" -ne 0 ]; then
  echo "live capture needs root; skipped"
  exit 77
fi
# shellcheck source-path=SCRIPTDIR source=../lib/serve.sh
. "$(dirname "$0")/../lib/serve.sh"
serve_test_workdir  # $work, and serve stopped and $work removed on exit
chmod 755 "$work"
run=("$trunklab" run "$scenarios/relay-404.json" --target "udp:127.0.0.1:$port" --bind-base-port $((port + 1))
  --time-scale 0.2)
"${run[@]}" --print-target-config > "$work/config.json"
start_serve "$trunklab" "$work/config.json" "udp:127.0.0.1:$port" "$work/serve.log"

timeout 60 "${run[@]}" --capture-iface lo --out "$work/pcap" | tee "$work/pcap.log"
grep -q "captured live with libpcap on lo: 11 SIP datagrams" "$work/pcap.log"
timeout 60 "${run[@]}" --out "$work/sockets" > /dev/null
# Same ladder either way (times aside).
strip() { sed -E 's/^ *[0-9.]+s +//' "$1"; }
diff <(strip "$work/pcap/relay-404/wire.txt") <(strip "$work/sockets/relay-404/wire.txt")
"$trunklab" ladder "$work/pcap/relay-404/capture.pcap" | grep -q "404 Not Found"

# Without the privilege: a clear failure, not a silent socket-only capture.
if command -v setpriv > /dev/null; then
  status=0
  out=$(timeout 60 setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all \
    "${run[@]}" --capture-iface lo 2>&1) || status=$?
  echo "$out"
  [ "$status" -eq 1 ]
  grep -q "capture on lo: .*permission\|capture on lo: .*Operation not permitted" <<<"$out"
fi
echo "live capture: ok"
