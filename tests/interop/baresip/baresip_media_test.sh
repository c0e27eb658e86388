#!/usr/bin/env bash
# Interop: media through `trunklab serve`'s relay with a real phone. baresip (Debian 12: 1.0.0)
# registers at serve and calls through the trunk to an emulated provider (`trunklab run
# provider_media.json --target`) whose calls serve anchors on its relay ("media": "relay").
# baresip's audio comes from a WAV file (aufile: a 400 Hz tone the test writes); once the call
# is up it keys 1, 5, 9, # (ctrl_tcp "sndcode": RFC 4733 telephone-events), then hangs up.
# What must hold:
#   - the provider hears baresip's RTP (PCMU, no loss) and the four digits as telephone-events,
#     from serve's relay port (the SDP it got names the relay, and the stream's source is a relay
#     port, not baresip's);
#   - baresip hears the provider's RTP, sent to it by the relay (tshark on lo: packets from a
#     relay port to baresip's RTP port);
#   - serve's relay counted the call and the packets both ways (its summary at SIGTERM).
# Everything on 127.0.0.1; every wait bounded.
#
#   baresip_media_test.sh TRUNKLAB FIRST_PORT [SCENARIO]
# SCENARIO (default provider_media) names the provider's scenario in this folder:
# provider_media_interwork is a provider without telephone-event behind serve's "dtmf":
# "interwork" relay, which hears baresip's digits as G.711 tones instead.
# Ports: FIRST_PORT serve, +1 the provider's SIP, +2 baresip SIP (+3 TLS), +5 baresip ctrl_tcp,
# +10..+19 baresip RTP, +20..+29 serve's relay (media.ports). The provider's RTP socket is the
# kernel's choice. A missing baresip or tshark fails the test (tools/setup.sh --tests).
# KEEP_WORK=1 keeps the work directory (logs, captures, the provider's verdict) and prints it.
set -euo pipefail
trunklab=$1 port=$2 scenario=${3:-provider_media}
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source-path=SCRIPTDIR source=../../lib/serve.sh
. "$here/../../lib/serve.sh"
# shellcheck source-path=SCRIPTDIR source=baresip.sh
. "$here/baresip.sh"
for tool in baresip tshark jq; do
  command -v "$tool" >/dev/null || { echo "FAIL: $tool not installed (tools/setup.sh --tests)"; exit 1; }
done

serve_port=$port provider_port=$((port + 1)) sip_port=$((port + 2)) ctrl_port=$((port + 5))
rtp_first=$((port + 10)) rtp_last=$((port + 19)) relay_first=$((port + 20)) relay_last=$((port + 29))
password=baresip-interop-secret  # as in the scenario
number=+15551234567 digits="159#"

work=$(mktemp -d)
pids=()
cleanup() {
  stop_serve || true
  stop_pids "${pids[@]}"
  if [ -n "${KEEP_WORK:-}" ]; then echo "kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

show_logs() {
  local f
  for f in serve.log provider.log baresip.log ctrl.log; do
    echo "----- $f"
    cat "$work/$f" 2>/dev/null || true
  done
}
fail() { echo "FAIL: $*"; show_logs; exit 1; }

# write_wav FILE SECONDS: 8 kHz mono signed 16-bit PCM (what aufile needs for G.711), a 400 Hz
# tone: one 20-sample period computed by awk, repeated.
write_wav() {
  local file=$1 samples=$(($2 * 8000)) period="" v i
  le16() { printf '\\x%02x\\x%02x' $(($1 & 255)) $((($1 >> 8) & 255)); }
  le32() { le16 $(($1 & 65535)); le16 $((($1 >> 16) & 65535)); }
  while read -r v; do
    period+=$(le16 $((v & 65535)))
  done < <(awk 'BEGIN { for (k = 0; k < 20; k++) printf "%d\n", 8000 * sin(6.283185307 * k / 20) }')
  {
    printf 'RIFF'; printf '%b' "$(le32 $((36 + samples * 2)))"; printf 'WAVEfmt '
    printf '%b' "$(le32 16)$(le16 1)$(le16 1)$(le32 8000)$(le32 16000)$(le16 2)$(le16 16)"
    printf 'data'; printf '%b' "$(le32 $((samples * 2)))"
    for ((i = 0; i < samples / 20; i++)); do printf '%b' "$period"; done
  } > "$file"
}

# 1. serve, configured from the provider scenario's "reference" section, its relay on our ports.
run=("$trunklab" run "$here/$scenario.json" --target "udp:127.0.0.1:$serve_port"
     --bind "telnyx=127.0.0.1:$provider_port" --time-scale 1)
timeout 10 "${run[@]}" --print-target-config |
  jq --argjson a "$relay_first" --argjson b "$relay_last" '.media.ports = [$a, $b] | .media.timeout = "20s"' \
  > "$work/serve.json"
start_serve "$trunklab" "$work/serve.json" "udp:127.0.0.1:$serve_port" "$work/serve.log" ||
  fail "serve did not start"

# 2. what lo carries to and from baresip's RTP ports (the relay's side facing baresip), and
# serve's SIP (the SDP baresip is answered with).
tshark -i lo -n -q -w "$work/lo.pcap" -f "udp portrange $rtp_first-$rtp_last or udp port $serve_port" \
  > "$work/tshark.log" 2>&1 &
tshark_pid=$!
pids+=("$tshark_pid")
wait_for 10 "$work/tshark.log" "Capturing on" || fail "tshark did not start capturing"

# 3. the emulated provider; it exits once it has seen the call answered and ended.
timeout 60 "${run[@]}" --out "$work/provider-out" > "$work/provider.log" 2>&1 &
provider_pid=$!
pids+=("$provider_pid")

# 4. baresip, headless: audio from the WAV file, played into an aubridge device nobody reads.
write_wav "$work/tone.wav" 30  # longer than the call: aufile ends the call at the end of file
baresip_config "$work/baresip" "$sip_port" "$ctrl_port" "$rtp_first-$rtp_last" "$serve_port" "$password" \
  "aufile,$work/tone.wav" aubridge,sink
start_baresip "$work/baresip" "$work/baresip.log"
pids+=("$BARESIP_PID")
ctrl() { baresip_ctrl "$ctrl_port" "$work/ctrl.log" "$@"; }

wait_registered 15 "$work/serve.log" "$sip_port" || fail "baresip did not register"
wait_for 5 "$work/baresip.log" "baresip is ready" || true
ctrl dial "sip:$number@default.trunk.example.test" || fail "ctrl_tcp dial"
wait_for 15 "$work/serve.log" "^$SERVE_TS INVITE .* from 127\.0\.0\.1:$sip_port .*-> 200" || fail "the call was not answered"
sleep 2
for ((i = 0; i < ${#digits}; i++)); do
  ctrl sndcode "${digits:i:1}" || fail "ctrl_tcp sndcode ${digits:i:1}"
  sleep 0.5
done
sleep 4
ctrl hangup "" || fail "ctrl_tcp hangup"
wait_for 10 "$work/serve.log" "^$SERVE_TS BYE [^ ]+ from 127\\.0\\.0\\.1:$sip_port .*-> 200" || fail "the BYE was not answered"
stop_baresip "$ctrl_port" "$work/ctrl.log"

provider_status=0
wait "$provider_pid" || provider_status=$?
stop_pids "$tshark_pid"
stop_serve || fail "serve did not stop cleanly"

# 5. the verdicts.
errors=()
[ "$provider_status" -eq 0 ] || errors+=("the provider run exited $provider_status (its expect.media above)")
verdict="$work/provider-out/$scenario/verdict.json"
[ -f "$verdict" ] || fail "no $verdict"
in_relay() { local p=${1##*:}; [ "$p" -ge "$relay_first" ] && [ "$p" -le "$relay_last" ]; }
heard=$(jq -r '[.media[]? | select(.to == "telnyx")] | map("\(.src) \(.packets) \(.codec)") | .[]' "$verdict")
[ -n "$heard" ] || errors+=("the provider heard no RTP")
while read -r src packets codec; do
  [ -n "$src" ] || continue
  in_relay "$src" || errors+=("the provider heard $packets packets from $src, not from serve's relay ports $relay_first..$relay_last")
  echo "provider heard $packets RTP packets ($codec) from $src"
done <<< "$heard"

# The SDP each side got names a relay port: the provider's offer, baresip's answer.
in_relay_all() {  # WHAT PORTS...: every port in the relay's range, and at least one
  local what=$1 p; shift
  [ $# -gt 0 ] || { errors+=("$what: no SDP m= port"); return; }
  for p in "$@"; do in_relay "$p" || errors+=("$what names m= port $p, not a relay port"); done
}
# shellcheck disable=SC2046  # one port per word
in_relay_all "the INVITE to the provider" $(tshark -r "$work/provider-out/$scenario/capture.pcap" -n \
  -Y 'sip.Method == "INVITE" && sdp' -T fields -e sdp.media.port 2>/dev/null)
# shellcheck disable=SC2046
in_relay_all "the 200 to baresip" $(tshark -r "$work/lo.pcap" -n \
  -Y "udp.srcport == $serve_port && sip.Status-Code == 200 && sdp" -T fields -e sdp.media.port 2>/dev/null)

# baresip's side, from the capture: the provider's RTP as the relay sent it to baresip.
rtp_count() {  # FROM_FIRST FROM_LAST TO_FIRST TO_LAST: RTP packets on lo between the two port ranges
  tshark -r "$work/lo.pcap" -n -d "udp.port==$rtp_first-$rtp_last,rtp" \
    -Y "rtp && udp.srcport >= $1 && udp.srcport <= $2 && udp.dstport >= $3 && udp.dstport <= $4" 2>/dev/null | wc -l
}
to_baresip=$(rtp_count "$relay_first" "$relay_last" "$rtp_first" "$rtp_last")
from_baresip=$(rtp_count "$rtp_first" "$rtp_last" "$relay_first" "$relay_last")
echo "lo: relay -> baresip $to_baresip RTP packets, baresip -> relay $from_baresip"
[ "$to_baresip" -ge 250 ] || errors+=("baresip was sent $to_baresip RTP packets by the relay, expected at least 250")
[ "$from_baresip" -ge 250 ] || errors+=("baresip sent $from_baresip RTP packets to the relay, expected at least 250")

# serve's own count (its summary at SIGTERM): one call on the relay, RTP relayed both ways.
summary=$(grep -E "trunklab serve: media relay:" "$work/serve.log" || true)
echo "${summary:-serve printed no media relay summary}"
[[ "$summary" =~ :\ 1\ calls\ relayed,\ 0\ served\ direct ]] || errors+=("serve did not relay exactly one call")
if [[ "$summary" =~ caller-\>called\ ([0-9]+),\ called-\>caller\ ([0-9]+) ]]; then
  [ "${BASH_REMATCH[1]}" -ge 250 ] || errors+=("serve relayed ${BASH_REMATCH[1]} RTP packets from baresip, expected at least 250")
  [ "${BASH_REMATCH[2]}" -ge 250 ] || errors+=("serve relayed ${BASH_REMATCH[2]} RTP packets to baresip, expected at least 250")
else
  errors+=("no RTP counts in serve's media relay summary")
fi

if [ "${#errors[@]}" -gt 0 ]; then
  printf 'error: %s\n' "${errors[@]}"
  fail "baresip media through serve's relay"
fi
echo "PASS: baresip called through serve's media relay: RTP both ways via the relay, digits $digits as RFC 4733 events"
