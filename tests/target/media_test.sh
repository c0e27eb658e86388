#!/usr/bin/env bash
# RTP on the real stage, against `trunklab serve` at --time-scale 0.2 (127.0.0.1 only, bounded):
# - media-both-ways: each party hears the other's RTP on real sockets, at 20 ms of real time
#   (about 300 packets over the 6.2 s the call lasts scaled; a ptime scaled with the call would
#   give about 1500, no media 0), none lost, listed per stream in verdict.json;
# - one-way-audio-nat: the NATed phone's audio leaves through its public mapping and arrives;
#   the provider's, sent to the private c= address, is dropped by the emulation (never sent),
#   and a check asking for it fails naming what the sender sent and why it was dropped.
#   media_test.sh TRUNKLAB SCENARIO_DIR PORT
set -euo pipefail
trunklab=$1 scenarios=$2 port=$3
# shellcheck source-path=SCRIPTDIR source=../lib/serve.sh
. "$(dirname "$0")/../lib/serve.sh"
serve_test_workdir  # $work, and serve stopped and $work removed on exit
failed=0
fail() { echo "FAIL: $*"; failed=1; }

run_against_serve() {  # scenario file $1, out dir $2; the run's exit status in $status
  local target="udp:127.0.0.1:$port"
  local run=("$trunklab" run "$1" --target "$target" --bind-base-port $((port + 1)) --time-scale 0.2)
  "${run[@]}" --print-target-config > "$work/config.json"
  start_serve "$trunklab" "$work/config.json" "$target" "$work/serve.log" || { cat "$work/serve.log"; exit 1; }
  status=0
  timeout 60 "${run[@]}" --out "$2" > "$work/run.log" 2>&1 || status=$?
  stop_serve || true
  cat "$work/run.log"
}

packets() {  # the packets FROM -> TO in verdict.json $1 (0: no such stream)
  jq --arg f "$2" --arg t "$3" '[.media[]? | select(.from == $f and .to == $t) | .packets] | add // 0' "$1"
}

run_against_serve "$scenarios/media-both-ways.json" "$work/both"
[ "$status" -eq 0 ] || fail "media-both-ways did not pass against serve"
verdict="$work/both/media-both-ways/verdict.json"
for pair in "alice telnyx" "telnyx alice"; do
  read -r from to <<< "$pair"
  n=$(packets "$verdict" "$from" "$to")
  lost=$(jq --arg f "$from" --arg t "$to" '[.media[]? | select(.from == $f and .to == $t) | .lost] | add // 0' "$verdict")
  if [ "$n" -ge 250 ] && [ "$n" -le 320 ] && [ "$lost" -eq 0 ]; then
    echo "PASS: $from -> $to: $n RTP packets at 20 ms of real time, none lost"
  else
    fail "$from -> $to: $n packets ($lost lost), expected 250..320 with none lost"
  fi
  # The stream's first and last packet, from the run's start: it lasted about the call's 6.2 s.
  heard_ms=$(jq --arg f "$from" --arg t "$to" \
    '[.media[]? | select(.from == $f and .to == $t) | (.last_us - .first_us) / 1000 | floor] | first // -1' "$verdict")
  if [ "$heard_ms" -ge 5000 ] && [ "$heard_ms" -le 7500 ]; then
    echo "PASS: $from -> $to: heard for $heard_ms ms (first_us .. last_us)"
  else
    fail "$from -> $to: last_us - first_us is $heard_ms ms, expected 5000..7500"
  fi
done

run_against_serve "$scenarios/one-way-audio-nat.json" "$work/nat"
[ "$status" -eq 0 ] || fail "one-way-audio-nat did not pass against serve"
verdict="$work/nat/one-way-audio-nat/verdict.json"
up=$(packets "$verdict" alice telnyx) down=$(packets "$verdict" telnyx alice)
if [ "$up" -ge 250 ] && [ "$down" -eq 0 ]; then
  echo "PASS: one-way audio behind the emulated NAT: alice -> telnyx $up packets, telnyx -> alice none"
else
  fail "one-way-audio-nat: alice -> telnyx $up packets (want >= 250), telnyx -> alice $down (want 0)"
fi

# The same call, asking for the audio that cannot arrive: the failure says why.
sed '/^[[:space:]]*\/\//d' "$scenarios/one-way-audio-nat.json" |
  jq '.expect.media[1] = {"from": "telnyx", "to": "alice", "min_packets": 1450}' > "$work/want-both.json"
run_against_serve "$work/want-both.json" "$work/want"
wanted=("alice received 0 RTP packet(s) from telnyx, expected at least 290 (min_packets 1450 at --time-scale 0.2: RTP keeps the real clock)"
        "the last to 192.168.1.10:40000" "dropped: unroutable: 192.168.1.10 is private behind nat home-nat")
missing=
for text in "${wanted[@]}"; do grep -Fq "$text" "$work/run.log" || missing+=" [$text]"; done
if [ "$status" -ne 0 ] && [ -z "$missing" ]; then
  echo "PASS: the failure names the scaled count, the private destination and the drop"
else
  fail "expected the run to fail (status $status) with:$missing"
fi
exit "$failed"
