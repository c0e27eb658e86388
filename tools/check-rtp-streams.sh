#!/usr/bin/env bash
# Checks that tshark's RTP statistics (`-z rtp,streams`) agree with the scenario's own figures
# in verdict.json, on every bundled scenario's captures (issue 14):
# - delivered.pcap (`trunklab run --pcap-delivered`: what the network delivered, after NAT, at
#   arrival times) against what the receivers heard (`media`): the same streams (source,
#   destination, SSRC), none more, none fewer; per stream tshark's packets = `delivered`,
#   tshark's lost = `lost`, the payload type = `payload_type` (and tshark's payload name is the
#   codec's), and `packets` (heard) at most `delivered` (a party discards what arrives before the
#   answer reached it or after its BYE); between the first and the last arrival the party heard
#   (`first_us`, `last_us`), tshark's packets = `packets` and tshark's lost = `lost`. Jitter:
#   tshark prints no final RFC 3550 jitter, only its maximum over the stream; the receiver's
#   final jitter must not exceed it (so on a link without jitter both are 0). A hop to the
#   reference's media relay (a destination that is no party's RTP address) is not compared.
# - capture.pcap (sender side, at send times, dropped packets included) against what the senders
#   sent (`media_sent`): per stream, the packets tshark sees leaving the sender's address = the
#   sender's count, with no loss; every RTP stream in the capture is one a party sent.
# one-way-audio-nat in particular: the provider's RTP is in capture.pcap, all of it, and in
# neither delivered.pcap nor the verdict's media.
# More scenario files after the binary run beside the bundled ones (the tests add one whose
# media link loses packets and reorders them).
# Usage: tools/check-rtp-streams.sh TRUNKLAB_BINARY [SCENARIO.json...]
set -euo pipefail
cd "$(dirname "$0")/.."
trunklab="${1:-build/trunklab}"
extra=("${@:2}")
command -v tshark >/dev/null || { echo "tshark not installed (tools/setup.sh --tests)" >&2; exit 1; }
command -v jq >/dev/null || { echo "jq not installed (tools/setup.sh --tests)" >&2; exit 1; }
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
# A scenario that fails its own expectations is another test's failure: compare its figures anyway.
status=0
"$trunklab" run scenarios/ "${extra[@]}" --out "$out" --pcap-delivered -q >"$out/run.log" || status=$?
if ((status > 1)); then cat "$out/run.log" >&2; exit 1; fi
((status == 0)) || echo "note: some scenarios failed their expectations (trunklab run exit 1); comparing anyway" >&2

# tshark's RTP streams of a pcap, one per line: "src dst ssrc packets lost max_jitter_ms payload",
# then the payload types per SSRC and destination: "pt ssrc ip:port pt" (from the same pass;
# per destination because a relay that interworks DTMF sends one SSRC on with other types).
# With a second argument, only the frames that display filter keeps (a two-pass read, so the
# statistics see only those).
streams() {
  local filter=(-Y rtp)
  # Two passes drop the SDP that set the stream up, so RTP is found by its heuristic there (a
  # later call that reuses an earlier call's ports is otherwise not decoded as RTP at all).
  [[ $# -lt 2 ]] || filter=(-2 -o rtp.heuristic_rtp:TRUE -R "rtp && ($2)")
  tshark -r "$1" "${filter[@]}" -T fields -e rtp.ssrc -e ip.dst -e udp.dstport -e rtp.p_type -z rtp,streams 2>/dev/null | awk '
    function hex(s,   n, i) {  # mawk has no strtonum
      n = 0
      for (i = 3; i <= length(s); i++) n = n * 16 + index("0123456789abcdef", tolower(substr(s, i, 1))) - 1
      return n
    }
    /^0x[0-9a-fA-F]+\t[0-9.]+\t[0-9]+\t[0-9]+$/ { split($0, f, "\t"); pt[sprintf("%.0f", hex(f[1])) " " f[2] ":" f[3] " " f[4]] = 1; next }
    /RTP Streams/ { table = 1; next }
    table && /^=+$/ { table = 0; next }
    table && /Src IP addr/ { next }
    table {
      # Start End SrcIP SrcPort DstIP DstPort SSRC Payload... Pkts Lost (x%) MinDelta MeanDelta MaxDelta MinJit MeanJit MaxJit [Problems]
      for (i = 9; i <= NF; i++) if ($i ~ /^\(.*%\)$/) break
      payload = $8
      for (j = 9; j <= i - 3; j++) payload = payload "_" $j
      lost = $(i - 1) < 0 ? 0 : $(i - 1)
      printf "%s:%s %s:%s %.0f %d %d %s %s\n", $3, $4, $5, $6, hex($7), $(i - 2), lost, $(i + 6), payload
    }
    END { for (k in pt) print "pt " k }' | sort
}

# tshark's payload name for a codec (static payload types; a dynamic one is named from the SDP).
tshark_payload() {
  case "$1" in
    PCMU) echo g711U ;; PCMA) echo g711A ;; G729) echo g729 ;; G722) echo g722 ;; GSM) echo GSM ;;
    *) echo "$1" ;;
  esac
}

epoch=1767225600  # wiretap::kPcapEpochUnixSeconds: pcap time = this + virtual time
failed=0
checked=0
fail() { echo "$name: $*" >&2; failed=1; }
for dir in "$out"/*/; do
  name="$(basename "$dir")"
  verdict="$dir/verdict.json"
  [[ "$(jq '(.media | length) + (.media_sent | length)' "$verdict")" -gt 0 ]] || continue
  checked=$((checked + 1))

  # The receivers' view.
  delivered="$(streams "$dir/delivered.pcap")"
  heard="$(jq -r '.media[] | "\(.src) \(.dst) \(.ssrc) \(.delivered) \(.lost) \(.jitter_ms) \(.packets) \(.payload_type) \(.first_us) \(.last_us) \(.codec) \(.digits_rfc4733 // "")"' "$verdict" | sort)"
  # The parties' RTP addresses: a stream delivered elsewhere reached the reference's media relay
  # (anchor/), which is no party: its hop is not in `media`.
  parties="$(jq -r '.media_sent[].src, .media[].dst' "$verdict" | sort -u | xargs)"
  tshark_keys="$(grep -v '^pt ' <<<"$delivered" | awk -v p=" $parties " 'index(p, " " $2 " ") { print $1, $2, $3 }' || true)"
  verdict_keys="$(awk '{ print $1, $2, $3 }' <<<"$heard")"
  if [[ "$tshark_keys" != "$verdict_keys" ]]; then
    fail "delivered.pcap's RTP streams (src dst ssrc) differ from the streams the parties heard (< tshark, > verdict)"
    diff <(echo "$tshark_keys") <(echo "$verdict_keys") >&2 || true
  fi
  while read -r src dst ssrc want_pkts want_lost jitter packets pt first_us last_us codec digits; do
    [[ -n "$src" ]] || continue
    row="$(awk -v k="$src $dst $ssrc" '$1 " " $2 " " $3 == k' <<<"$delivered")"
    [[ -n "$row" ]] || continue  # reported above
    read -r _ _ _ pkts _ _ payload <<<"$row"
    [[ "$pkts" == "$want_pkts" ]] || fail "stream $ssrc $src -> $dst: tshark counts $pkts packets delivered, the verdict $want_pkts"
    # What the party heard: the stream's packets from its first to its last heard arrival (the
    # pcap's clock is the epoch plus virtual time).
    window="$(awk -v s="$ssrc" -v d="$dst" -v a="$first_us" -v b="$last_us" -v e="$epoch" 'BEGIN {
      split(d, to, ":")
      printf "rtp.ssrc == %.0f && ip.dst == %s && udp.dstport == %s && frame.time_epoch >= %d.%06d && frame.time_epoch <= %d.%06d",
             s, to[1], to[2], e + int(a / 1000000), a % 1000000, e + int(b / 1000000), b % 1000000 }')"
    in_window="$(streams "$dir/delivered.pcap" "$window" | grep -v '^pt ' || true)"
    if [[ "$(wc -l <<<"$in_window")" != 1 || "$(awk '{ print $1, $2, $3 }' <<<"$in_window")" != "$src $dst $ssrc" ]]; then
      fail "stream $ssrc $src -> $dst: between its first and last heard arrival tshark finds: ${in_window:-nothing}"
      continue
    fi
    read -r _ _ _ heard_pkts lost max_jitter _ <<<"$in_window"
    [[ "$heard_pkts" == "$packets" ]] || fail "stream $ssrc $src -> $dst: tshark counts $heard_pkts packets in the receiver's window, the receiver heard $packets"
    [[ "$lost" == "$want_lost" ]] || fail "stream $ssrc $src -> $dst: tshark counts $lost lost, the receiver $want_lost"
    awk -v j="$jitter" -v m="$max_jitter" 'BEGIN { exit !(j <= m + 0.001) }' ||
      fail "stream $ssrc $src -> $dst: the receiver's jitter $jitter ms is above tshark's maximum $max_jitter ms"
    if ((pt >= 0)); then
      types="$(awk -v s="$ssrc" -v d="$dst" '$1 == "pt" && $2 == s && $3 == d { print $4 }' <<<"$delivered" | sort -n | xargs)"
      if [[ -z "$digits" && "$types" != "$pt" ]] || ! grep -qw "$pt" <<<"$types"; then
        fail "stream $ssrc $src -> $dst: payload types in delivered.pcap: $types, the receiver's: $pt"
      fi
      [[ "${payload%%_*}" == "$(tshark_payload "$codec")"* ]] || fail "stream $ssrc $src -> $dst: tshark's payload $payload, the receiver's codec $codec"
    fi
  done <<<"$heard"

  # The senders' view.
  captured="$(streams "$dir/capture.pcap" | grep -v '^pt ' || true)"
  while read -r from src ssrc want; do
    [[ -n "$from" ]] || continue
    got="$(awk -v s="$src" -v c="$ssrc" '$1 == s && $3 == c { n += $4 } END { print n + 0 }' <<<"$captured")"
    [[ "$got" == "$want" ]] || fail "$from's stream $ssrc from $src: tshark counts $got packets in capture.pcap, the sender sent $want"
    lossy="$(awk -v s="$src" -v c="$ssrc" '$1 == s && $3 == c && $5 != 0' <<<"$captured")"
    [[ -z "$lossy" ]] || fail "$from's stream $ssrc: tshark sees loss on the sender's side: $lossy"
  done < <(jq -r '.media_sent[] | "\(.from) \(.src) \(.ssrc) \(.packets)"' "$verdict")
  sent_ssrcs="$(jq -r '.media_sent[].ssrc' "$verdict" | sort -u)"
  for ssrc in $(awk '{ print $3 }' <<<"$captured" | sort -u); do
    grep -qx "$ssrc" <<<"$sent_ssrcs" || fail "capture.pcap has an RTP stream with SSRC $ssrc that no party sent"
  done

  if [[ "$name" == one-way-audio-nat ]]; then
    provider="$(jq -r '.media_sent[] | select(.from == "telnyx") | "\(.ssrc) \(.packets)"' "$verdict")"
    read -r pssrc ppackets <<<"$provider"
    [[ "${ppackets:-0}" -ge 1450 ]] || fail "the provider sent ${ppackets:-no} RTP packets, expected about 1500"
    if awk -v c="${pssrc:-x}" '$3 == c' <<<"$delivered" | grep -q .; then fail "the provider's RTP is in delivered.pcap"; fi
    [[ "$(jq '[.media[] | select(.from == "telnyx")] | length' "$verdict")" == 0 ]] || fail "the verdict has media heard from the provider"
  fi
done
((checked > 0)) || { echo "no capture with RTP" >&2; exit 1; }
echo "compared tshark's RTP streams with the verdicts of $checked scenarios"
exit "$failed"
