#!/usr/bin/env bash
# Kamailio as the system under test: the bundled scenarios a registrar + authenticating proxy
# with dispatcher failover can serve run through `trunklab run --target` against Kamailio 5.6
# (trunk.cfg) on 127.0.0.1, over UDP and TCP. Every wait is bounded; Kamailio is stopped at the
# end.
#
#   trunk_target_test.sh TRUNKLAB SCENARIO_DIR FIRST_PORT [rtpengine]
# With "rtpengine", Kamailio anchors the media on an rtpengine of the test's own (trunk.cfg with
# -A WITH_RTPENGINE, userspace forwarding, RTP ports 35000..35999, ng control at FIRST_PORT +
# 99) and the media scenarios run: each must pass, and every stream heard must have come from
# an rtpengine port, every party's RTP sent to one (verdict.json), the SDP each side received
# naming rtpengine's ports (checks added to the scenario).
# The scenarios run in groups, side by side; a group's scenarios run one after the other against
# a Kamailio of the group's own (its own providers in its dispatcher list, its own bindings).
# Ports: group g from FIRST_PORT + 100*g: Kamailio there (UDP and TCP), the providers telnyx,
# twilio, bandwidth at +1, +2, +3, the other parties of the group's scenario j from
# +10 + 5*j. Exit 0 all pass, 1 a failure, 77 Kamailio not installed.
set -euo pipefail
trunklab=$1 scenarios=$2 port=$3 mode=${4:-plain}
here="$(cd "$(dirname "$0")" && pwd)"
# Each group: its time scale, the registrar's OPTIONS ping ("ping": as the group's config says,
# else none), then its scenarios. Scale 1 where the scenario waits on Kamailio's own timers, NAT
# mappings or loss. The NAT scenarios each have a Kamailio of their own: both register office1,
# and a lookup would fork to both. A provider's invite_timeout is its dispatcher destination's:
# scenarios that give one provider different ones are in different groups.
groups=(
  "0.2 - register-auth register-wrong-password outbound-auth failover-5xx relay-404 inbound-call register-tcp call-tcp busy-486 early-media failover-all-fail media-both-ways one-way-audio-nat"
  "1 - nat-reregister"
  "1 ping nat-keepalive-options"
  "1 - lossy-network"
  "0.2 - provider-tcp"
  "1 - failover-timeout"
  "1 - ghost-call-late-provisional"
)
# With rtpengine: the media scenarios; one-way-audio-nat is not among them (rtpengine repairs
# the one-way audio it asserts: media-relay-latching is that call with the fix). All at scale 1,
# in five groups side by side (about 50 s): at 0.2 a call lasts a fifth, and on a loaded machine
# the harness's late wake-ups cost more of its packets than min_packets leaves (286 of 300 at 0.2
# with two CPU hogs); media-timeout waits on rtpengine's --timeout, which is not scaled.
rtpengine_groups=(
  "1 - media-both-ways early-media-ringback"
  "1 - media-relay-latching dtmf-rfc2833"
  "1 - hold-resume-relay"
  "1 - media-relay-failover"
  "1 - media-timeout"
)
rtp_min=35000 rtp_max=35999
rtpengine_flags="replace-origin replace-session-connection"
# Checks of the reference's own Contact (a B2BUA puts its own, ;transport=tcp toward a TCP
# peer) on a message Kamailio relays: a proxy passes the other UA's Contact on unchanged (RFC
# 3261 §16.6), so these are left out of the scenario Kamailio runs (each must exist).
proxy_skips=(
  "register-tcp .expect.messages[4].header_contains.Contact"  # trunk -> alice INVITE
  "call-tcp .expect.messages[2].header_contains.Contact"      # trunk -> alice 200
  "call-tcp .expect.messages[6].header_contains.Contact"      # trunk -> telnyx INVITE
  "provider-tcp .expect.messages[2].header_contains.Contact"  # trunk -> telnyx INVITE
  "provider-tcp .expect.messages[7].header_contains.Contact"  # trunk -> alice 200
)
# With rtpengine the SDP each side receives names rtpengine's ports (35000..35999) in place of
# the reference relay's 30000, 30002, 30004 the scenarios expect; the relay's counters are the
# reference's own (notes, as ever against a target).
# hold-resume-relay's ladder is exact, and the reference answers a re-INVITE with no 100: tm
# sends its "100 trying -- your call is important to us" for every INVITE it relays (as for
# reinvite, README), so there every line of the ladder must come in order ("subset"), the
# 100's reason phrase not compared.
rtpengine_edits=(
  'hold-resume-relay if .expect.ladder_mode == "exact" then .expect.ladder_mode = "subset" | .expect.ladder |= map(sub(" 100 Trying$"; " 100")) else error("hold-resume-relay: no exact ladder to relax") end'
)
# Every scenario of the rtpengine run: the SDP of the INVITE the provider gets and of the 200
# the phone gets name an rtpengine port (the first of each; media-timeout included).
rtpengine_ports='.expect.messages |= (. // [] | map(if .body_contains then .body_contains |=
  (if type == "array" then map(sub("^m=audio 3000[024] .*"; "m=audio 35")) else sub("^m=audio 3000[024] .*"; "m=audio 35") end)
  else . end))'
rtpengine_sdp_checks='.expect.messages = ((.expect.messages // []) + [
  {match: "trunk -> telnyx INVITE", body_contains: ["m=audio 35"]},
  {match: "trunk -> alice 200", body_contains: ["m=audio 35"]}])'
if [ "$mode" = rtpengine ]; then
  groups=("${rtpengine_groups[@]}")
  command -v rtpengine >/dev/null || { echo "FAIL: rtpengine not installed (tools/setup.sh --tests installs rtpengine-daemon)"; exit 1; }
fi
command -v kamailio >/dev/null || { echo "SKIP: kamailio not installed (tools/setup.sh --tests)"; exit 77; }
command -v jq >/dev/null || { echo "SKIP: jq not installed"; exit 77; }

work=$(mktemp -d)
kams=() rtpes=()
cleanup() {
  for kam in "${kams[@]}" "${rtpes[@]}"; do
    kill -TERM "$kam" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$kam" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$kam" 2>/dev/null || true
  done
  rm -rf "$work"
}
trap cleanup EXIT
# One binary for the whole run, even if the build tree is rebuilt meanwhile.
cp "$trunklab" "$work/trunklab"
trunklab="$work/trunklab"

# The scenario files Kamailio runs: the bundled ones, less the checks above (comments removed:
# jq reads plain JSON; scenario files have whole-line comments only).
mkdir "$work/scenarios"
for group in "${groups[@]}"; do
  for name in ${group#* * }; do
    filter=.
    for skip in "${proxy_skips[@]}"; do
      [ "${skip%% *}" = "$name" ] || continue
      path=${skip#* }
      filter+=" | if ($path) == null then error(\"$name: no $path to leave out\") else del($path) end"
    done
    if [ "$mode" = rtpengine ]; then
      for edit in "${rtpengine_edits[@]}"; do
        [ "${edit%% *}" = "$name" ] && filter+=" | ${edit#* }"
      done
      filter+=" | $rtpengine_ports | $rtpengine_sdp_checks"
    fi
    sed '/^[[:space:]]*\/\//d' "$scenarios/$name.json" | jq "$filter" > "$work/scenarios/$name.json"
  done
done

run_args() {  # args = the `trunklab run` arguments of scenario $1, number $2 of group $3
  local kport=$((port + 100 * $3)) scale
  scale=$(echo "${groups[$3]}" | cut -d' ' -f1)
  args=("$work/scenarios/$1.json" --target "udp:127.0.0.1:$kport" --bind-base-port "$((kport + 10 + 5 * $2))"
        --time-scale "$scale" --bind "telnyx=127.0.0.1:$((kport + 1))" --bind "twilio=127.0.0.1:$((kport + 2))"
        --bind "bandwidth=127.0.0.1:$((kport + 3))")
}

# A group's dispatcher list from what its scenarios' reference configs say: set 1 the providers
# of the routes at the sockets trunklab binds them to, over the transport the config names, the
# route with the lowest priority number first (dispatcher algorithm 8 takes the highest priority
# value first), with the provider's invite_timeout as the attribute invite_timeout_ms (plus one
# of Kamailio's 62.5 ms timer ticks: a tm timer starts on the current tick, so it fires up to a
# tick early, and 3 s came as 2.951 s on a busy machine); set 2 the
# providers that only call in (ds_is_from_list() knows both sets).
# Inbound numbers: each number to the username of the extension it dials.
group_files() {  # the dispatcher list and numbers of group $1 from its $work/g$1.*.config.json
  local configs=("$work"/g"$1".*.config.json)
  jq -rs 'def uri: "sip:\(.address)\(if .transport == "tcp" then ";transport=tcp" else "" end)";
          def ms: if . == null then null elif endswith("ms") then rtrimstr("ms") | tonumber
                  elif endswith("s") then rtrimstr("s") | tonumber * 1000 else error("duration \(.)") end;
          [.[] | . as $c | .routes[] | .provider as $n | ($c.providers[] | select(.name == $n)) as $p
           | {p: .priority, name: $n, uri: ($p | uri), timeout_ms: ($p.invite_timeout | ms)}] | unique
          | group_by(.name) | map(if length > 1 then error("provider \(.[0].name): two sockets, transports, priorities or timeouts") else .[0] end)
          | .[] | "1 \(.uri) 0 \(100 - .p) name=\(.name)\(if .timeout_ms then ";invite_timeout_ms=\(.timeout_ms + 62 | floor)" else "" end)"' \
    "${configs[@]}" > "$work/dispatcher.$1.list"
  jq -rs '([.[] | .routes[] | .provider] | unique) as $routed
          | [.[] | .providers[] | select(.name as $n | $routed | index($n) | not)
             | "sip:\(.address)\(if .transport == "tcp" then ";transport=tcp" else "" end)"] | unique
          | .[] | "2 \(.)"' "${configs[@]}" >> "$work/dispatcher.$1.list"
  jq -rs '[.[] | . as $c | (.numbers // [])[] | .dial_extension as $e
             | {number, user: ($c.extensions[] | select(.name == $e) | .username)}] | unique
          | group_by(.number) | map(if length > 1 then error("number \(.[0].number): two extensions") else .[0] end)
          | .[] | "  $sht(numbers=>\(.number)) = \"\(.user)\";"' "${configs[@]}" > "$work/numbers.$1.cfg"
  echo "group $1: dispatcher sets:"; sed 's/^/  /' "$work/dispatcher.$1.list"
  echo "  numbers:"; sed 's/^/  /' "$work/numbers.$1.cfg"
}

start_kamailio() {  # group $1's Kamailio, pinging NATed bindings every $2 s (0: never)
  local kport=$((port + 100 * $1)) defines=()
  [ "$mode" = rtpengine ] && defines=(-A WITH_RTPENGINE -A "RTPENGINE_FLAGS=\"$rtpengine_flags\"")
  sed "s/KAMAILIO_PORT/$kport/; s/KAMAILIO_NATPING_S/$2/; s|KAMAILIO_DISPATCHER_LIST|$work/dispatcher.$1.list|; s/RTPENGINE_NG_PORT/$((kport + 99))/" "$here/trunk.cfg" \
    | sed "/^KAMAILIO_NUMBERS$/{r $work/numbers.$1.cfg
d}" > "$work/kamailio.$1.cfg"
  kamailio -f "$work/kamailio.$1.cfg" "${defines[@]}" -DD -E -w "$work" > "$work/kamailio.$1.log" 2>&1 &
  kams+=($!)
  for _ in $(seq 50); do grep -q "Listening on" "$work/kamailio.$1.log" && break; sleep 0.1; done
  grep -q "Listening on" "$work/kamailio.$1.log" || { cat "$work/kamailio.$1.log"; echo "kamailio did not start"; exit 1; }
}

# With rtpengine, each group's Kamailio has an rtpengine of its own: userspace forwarding only
# (--table=-1: no kernel module), no config file, in the foreground logging to stderr, its ng
# control at the group's port + 99, RTP ports from the group's 200 of 35000..35999. A call
# silent for --timeout s is ended by that Kamailio, asked over XMLRPC (--b2b-url, format 2:
# dlg.terminate_dlg): rtpengine counts the silence from the answer in whole seconds on a timer
# that ticks on the second, so 11 ends it 10 to 11 s after the answer, as media-timeout asks.
start_rtpengine() {  # group $1's rtpengine
  local kport=$((port + 100 * $1))
  rtpengine --config-file=none --table=-1 --interface=127.0.0.1 --listen-ng="127.0.0.1:$((kport + 99))" \
    --port-min="$((rtp_min + 200 * $1))" --port-max="$((rtp_min + 200 * $1 + 199))" --timeout=11 \
    --b2b-url="http://127.0.0.1:$kport/RPC2" --xmlrpc-format=2 \
    --foreground --log-stderr --log-level=6 > "$work/rtpengine.$1.log" 2>&1 &
  rtpes+=($!)
  for _ in $(seq 100); do grep -q "Startup complete" "$work/rtpengine.$1.log" && break; sleep 0.1; done
  grep -q "Startup complete" "$work/rtpengine.$1.log" || { cat "$work/rtpengine.$1.log"; echo "rtpengine did not start"; exit 1; }
}


for g in "${!groups[@]}"; do
  read -r _ ping names <<< "${groups[$g]}"
  j=0
  for name in $names; do
    run_args "$name" "$j" "$g"
    timeout 10 "$trunklab" run "${args[@]}" --print-target-config > "$work/g$g.$name.config.json"
    j=$((j + 1))
  done
  group_files "$g"
  natping_s=0  # the registrar's OPTIONS interval as the group's config says
  [ "$ping" = ping ] && natping_s=$(jq -rs '[.[] | .registrar.keepalive_options_interval // empty] | first // "0s" | rtrimstr("s")' "$work"/g"$g".*.config.json)
  [ "$mode" = rtpengine ] && start_rtpengine "$g"
  start_kamailio "$g" "$natping_s"
done
sleep 0.5  # the worker processes come up after the listening line

run_group() {  # the scenarios of group $1 one after the other; each status in $work/NAME.status
  local names j=0 status
  read -r _ _ names <<< "${groups[$1]}"
  for name in $names; do
    status=0
    run_args "$name" "$j" "$1"
    timeout 150 "$trunklab" run "${args[@]}" --out "$work/out" > "$work/$name.run.log" 2>&1 || status=$?
    echo "$status" > "$work/$name.status"
    j=$((j + 1))
  done
}
pids=()
for g in "${!groups[@]}"; do
  run_group "$g" &
  pids+=($!)
done
for pid in "${pids[@]}"; do wait "$pid" || true; done

failed=0
for group in "${groups[@]}"; do
  for name in ${group#* * }; do
    status=$(cat "$work/$name.status" 2>/dev/null || echo 1)
    if [ "$status" -ne 0 ]; then
      failed=1
      grep -qE '^(FAIL|ERROR) ' "$work/$name.run.log" || echo "FAIL $name: trunklab run exited $status"
      sed '/^[0-9]* scenario(s):/,$d' "$work/$name.run.log"
      echo "    wire:"; sed 's/^/    /' "$work/out/$name/wire.txt" 2>/dev/null || true
    else
      grep -E '^(PASS| +note:)' "$work/$name.run.log"
    fi
  done
done
# With rtpengine: the media went through it. Every stream a party heard came from an rtpengine
# port and every party sent its RTP to one (verdict.json "media" src, "media_sent"
# last_destination); media-timeout's parties send none.
if [ "$mode" = rtpengine ]; then
  for group in "${groups[@]}"; do
    for name in ${group#* * }; do
      verdict="$work/out/$name/verdict.json"
      [ -f "$verdict" ] || { echo "FAIL $name: no verdict.json"; failed=1; continue; }
      bad=$(jq -r --argjson lo "$rtp_min" --argjson hi "$rtp_max" '
        def port: split(":") | last | tonumber;
        def relayed: port as $p | $p >= $lo and $p <= $hi;
        ([.media[] | select(.src | relayed | not) | "\(.from) -> \(.to) heard from \(.src)"]
         + [.media_sent[] | select(.last_destination | relayed | not) | "\(.from) sent to \(.last_destination)"])
        | .[]' "$verdict")
      if [ -n "$bad" ]; then
        failed=1; echo "FAIL $name: media not through rtpengine ($rtp_min..$rtp_max):"; echo "$bad" | sed 's/^/    /'
      else
        echo "  $name: $(jq -r '[.media[] | "\(.from) -> \(.to) \(.packets) pkts via \(.src)"] | join(", ")' "$verdict")"
      fi
    done
  done
  for g in "${!rtpes[@]}"; do
    kill -0 "${rtpes[$g]}" 2>/dev/null || { echo "rtpengine $g exited during the run:"; tail -20 "$work/rtpengine.$g.log"; failed=1; }
  done
fi
for g in "${!kams[@]}"; do
  log="$work/kamailio.$g.log"
  kill -0 "${kams[$g]}" 2>/dev/null || { echo "kamailio $g exited during the run:"; tail -20 "$log"; failed=1; }
  if grep -qE "ERROR|CRITICAL" "$log"; then
    echo "kamailio $g logged errors:"; grep -E "ERROR|CRITICAL" "$log" | head -20
  fi
done
exit "$failed"
