#!/usr/bin/env bash
# Checks that every scenario's pcap opens in tshark as SIP with the messages of its ladder:
# each frame decodes as SIP, or as RTP/RTCP the SDP set up (tshark follows the SDP), (or is a CRLF keep-alive, RFC 5626, which is not a SIP message, or
# a TCP segment without payload: the handshake and the closing FINs), and (outside NAT
# scenarios, whose pcaps also hold the public-side copies) the methods and status codes come in
# the ladder's order: over TCP too, where tshark reassembles each message from its segments.
# Usage: tools/check-pcaps.sh TRUNKLAB_BINARY
set -euo pipefail
cd "$(dirname "$0")/.."
trunklab="${1:-build/trunklab}"
command -v tshark >/dev/null || { echo "tshark not installed (tools/setup.sh --tests)" >&2; exit 1; }
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
"$trunklab" run scenarios/ --out "$out" -q >/dev/null
failed=0
checked=0
for dir in "$out"/*/; do
  name="$(basename "$dir")"
  frames=$(tshark -r "$dir/capture.pcap" -T fields -e frame.number 2>/dev/null | wc -l)
  sip=$(tshark -r "$dir/capture.pcap" -Y '(sip && !_ws.malformed) || rtp || rtcp || udp.payload == 0d:0a:0d:0a || tcp.payload == 0d:0a:0d:0a || (tcp && tcp.len == 0)' \
        -T fields -e frame.number 2>/dev/null | wc -l)
  if [[ "$frames" -eq 0 || "$frames" != "$sip" ]]; then
    echo "$name: $sip of $frames frames decode as SIP" >&2
    failed=1
  fi
  if ! grep -q '"nat"' "scenarios/$name.json"; then
    # "INVITE" or "407" per frame, in order; the ladder's labels in the same form.
    wire=$(tshark -r "$dir/capture.pcap" -Y sip -T fields -e sip.Method -e sip.Status-Code 2>/dev/null |
           awk -F'\t' '{ print ($1 != "" ? $1 : $2) }')
    ladder=$(grep -v '^$' "$dir/wire.txt" | awk '{ print $5 }')
    if [[ "$wire" != "$ladder" ]]; then
      echo "$name: tshark sees a different sequence than the ladder" >&2
      diff <(echo "$wire") <(echo "$ladder") >&2 || true
      failed=1
    fi
  fi
  checked=$((checked + 1))
done
echo "checked $checked pcaps with tshark"
exit "$failed"
