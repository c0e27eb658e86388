#!/bin/sh
# The RFC 4733 digits of scenarios/dtmf-rfc2833.json as tshark decodes them from the capture:
# every digit is RTPEvent packets with one timestamp, the marker on the first, the end bit on
# the last three (§2.5.1.4), and the digits in order are the ones the step keyed.
# Usage: dtmf_pcap_test.sh TRUNKLAB SOURCE_DIR
set -eu
trunklab=$1
src=$2
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
"$trunklab" run -q "$src/scenarios/dtmf-rfc2833.json" --out "$out" >/dev/null
pcap=$out/dtmf-rfc2833/capture.pcap
fail() { echo "FAIL: $*"; exit 1; }

events=$(tshark -r "$pcap" -Y rtpevent -T fields -e rtp.timestamp 2>/dev/null | wc -l)
[ "$events" -eq 35 ] || fail "expected 35 RTPEvent packets (5 digits x 7), tshark decoded $events"
ends=$(tshark -r "$pcap" -Y 'rtpevent.end_of_event == 1' -T fields -e rtp.timestamp 2>/dev/null | sort | uniq -c | awk '{print $1}' | sort -u)
[ "$ends" = "3" ] || fail "expected the end packet three times per digit, got counts: $ends"
markers=$(tshark -r "$pcap" -Y 'rtpevent && rtp.marker == 1' -T fields -e rtpevent.event_id 2>/dev/null | tr -d '\n ')
[ "$markers" = "123411" ] || fail "expected the marker on each digit's first packet (events 1 2 3 4 11), got $markers"
digits=$(tshark -r "$pcap" -Y 'rtpevent.end_of_event == 1' -T fields -e rtp.timestamp -e rtpevent.event_id 2>/dev/null |
  uniq | awk '{printf "%s ", $2}')
[ "$digits" = "1 2 3 4 11 " ] || fail "expected events 1 2 3 4 11 (1234#), got $digits"
durations=$(tshark -r "$pcap" -Y 'rtpevent.end_of_event == 1' -T fields -e rtpevent.duration 2>/dev/null | sort -u)
[ "$durations" = "800" ] || fail "expected the final duration 800 (100 ms at 8 kHz), got $durations"
echo "PASS: 35 RTPEvent packets, 5 digits 1234#, 3 end packets each, marker on the first"
