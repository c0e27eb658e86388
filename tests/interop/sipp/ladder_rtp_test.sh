#!/usr/bin/env bash
# `trunklab ladder` on a third-party capture with media: SIPp's uac_pcap scenario (Debian
# sip-tester) calls a SIPp uas and plays PCMA audio and an RFC 4733 DTMF digit ("1") from the
# pcap files sip-tester ships, while tshark captures the loopback. The ladder must draw each
# RTP stream as one line between the two SIP parties (by their SDP) with the packet count
# tshark's own RTP analysis (-z rtp,streams) gives, the codec, and the digit. Run it in a
# network namespace of its own (tests/interop/in_netns.sh): it captures all of lo.
#
#   ladder_rtp_test.sh TRUNKLAB FIRST_PORT
set -euo pipefail
trunklab=$1 port=$2
for tool in sipp tshark; do
  command -v "$tool" >/dev/null || { echo "FAIL: $tool not installed (tools/setup.sh --tests)"; exit 1; }
done
audio=/usr/share/sip-tester
[ -f "$audio/g711a.pcap" ] || { echo "FAIL: $audio/g711a.pcap missing (sip-tester)"; exit 1; }
work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
cd "$work"
ln -s "$audio" pcap  # uac_pcap plays pcap/g711a.pcap and pcap/dtmf_2833_1.pcap

tshark -i lo -w "$work/call.pcap" -f "udp" -q > "$work/tshark.log" 2>&1 &
pids+=($!)
for _ in $(seq 50); do [ -s "$work/call.pcap" ] && break; sleep 0.1; done
[ -s "$work/call.pcap" ] || { cat "$work/tshark.log"; echo "FAIL: tshark did not start capturing"; exit 1; }
sleep 0.5  # the capture file exists before the capture is armed
sipp -sn uas -i 127.0.0.1 -p "$port" -mp $((port + 100)) -nostdin -timeout 30 > "$work/uas.log" 2>&1 &
pids+=($!)
sleep 0.3
timeout 40 sipp -sn uac_pcap "127.0.0.1:$port" -i 127.0.0.1 -p $((port + 1)) -mp $((port + 200)) -m 1 \
  -nostdin -timeout 30 > "$work/uac.log" 2>&1 || { cat "$work/uac.log"; echo "FAIL: sipp uac_pcap did not complete its call"; exit 1; }
sleep 1
kill "${pids[0]}"; wait "${pids[0]}" 2>/dev/null || true

# tshark's figures per stream: "PAYLOAD PACKETS" (g711A 236, RTPType-101 10).
streams=$(tshark -r "$work/call.pcap" -q -z rtp,streams 2>/dev/null |
          awk '/^ +[0-9.]+ +[0-9.]+ +[0-9.]+ +[0-9]+ / { print $8, $9 }')
audio_pkts=$(echo "$streams" | awk '$1 == "g711A" { print $2 }')
dtmf_pkts=$(echo "$streams" | awk '$1 == "RTPType-101" { print $2 }')
[ -n "$audio_pkts" ] && [ -n "$dtmf_pkts" ] || { echo "$streams"; echo "FAIL: tshark found no PCMA and DTMF streams"; exit 1; }

"$trunklab" ladder "$work/call.pcap" --format mermaid > "$work/ladder.mmd" 2> "$work/ladder.err"
cat "$work/ladder.mmd"
failed=0
expect() {  # expect REGEX WHAT
  grep -Eq "$1" "$work/ladder.mmd" || { echo "FAIL: the ladder has no $2 (/$1/)"; failed=1; }
}
# Caller (P1, the INVITE's sender) to callee (P2): the media lines sit between the SIP parties.
# Mermaid text escapes '%' (a "%%" starts a comment) as the entity code #37;.
expect "^    P1-\)P2: RTP PCMA 30 ms, $audio_pkts pkts, 0\.0#37; loss$" "PCMA stream of $audio_pkts packets"
expect "^    P1-\)P2: RTP telephone-event, $dtmf_pkts pkts, digits 1$" "telephone-event stream with digit 1"
[ "$(grep -c 'RTP ' "$work/ladder.mmd")" -eq 2 ] || { echo "FAIL: expected exactly two media lines"; failed=1; }
"$trunklab" ladder "$work/call.pcap" > "$work/ladder.txt" 2>/dev/null
grep -q '|=.*RTP PCMA' "$work/ladder.txt" || { echo "FAIL: the text ladder draws no media bar"; failed=1; }
"$trunklab" ladder "$work/call.pcap" --format svg > "$work/ladder.svg" 2>/dev/null
grep -q 'RTP PCMA' "$work/ladder.svg" || { echo "FAIL: the SVG ladder has no media line"; failed=1; }
[ "$failed" -eq 0 ] && echo "PASS: PCMA $audio_pkts packets and DTMF 1 ($dtmf_pkts packets) as tshark counts them"
exit "$failed"
