# shellcheck shell=bash
# Sourced by the baresip interop tests: a headless baresip (Debian 12: 1.0.0) on 127.0.0.1,
# registered at `trunklab serve` and driven over its ctrl_tcp module (netstring JSON commands).
# Needs tests/lib/serve.sh sourced first (wait_for). Every wait is bounded.

# baresip_config DIR SIP_PORT CTRL_PORT RTP_PORTS SERVE_PORT PASSWORD AUSRC AUPLAY: DIR/config,
# accounts and contacts for office1 registering at serve on 127.0.0.1:SERVE_PORT over UDP; audio
# from AUSRC and to AUPLAY ("module,device"). The DNS server is CTRL_PORT + 4, a closed port:
# nothing is resolved.
baresip_config() {
  local dir=$1 sip_port=$2 ctrl_port=$3 rtp_ports=$4 serve_port=$5 password=$6 ausrc=$7 auplay=$8
  mkdir -p "$dir"
  cat > "$dir/config" <<EOF
poll_method		epoll
sip_listen		127.0.0.1:$sip_port
call_local_timeout	30
call_max_calls		1
audio_player		$auplay
audio_source		$ausrc
audio_alert		$auplay
rtp_ports		$rtp_ports
rtp_timeout		0
net_interface		127.0.0.1
dns_server		127.0.0.1:$((ctrl_port + 4))
module_path		/usr/lib/baresip/modules
module			g711.so
module			aubridge.so
module			aufile.so
module			ctrl_tcp.so
module_tmp		account.so
module_app		menu.so
ctrl_tcp_listen		127.0.0.1:$ctrl_port
EOF
  cat > "$dir/accounts" <<EOF
<sip:office1@default.registrar.example.test;transport=udp>;auth_pass=$password;outbound="sip:127.0.0.1:$serve_port;transport=udp";regint=600;answermode=manual;medianat=;mediaenc=
EOF
  : > "$dir/contacts"
}

# start_baresip DIR LOG: baresip with DIR's configuration in the background, its own life
# bounded by -t; BARESIP_PID is its pid.
start_baresip() {
  baresip -f "$1" -t 60 < /dev/null > "$2" 2>&1 &
  BARESIP_PID=$!
}

# baresip_ctrl PORT LOG COMMAND PARAMS: one ctrl_tcp command, as a netstring holding
# {"command":..,"params":..,"token":..}; every netstring baresip sends back is appended to LOG.
# True when its response (the netstring with "response":true, events aside) says "ok":true.
baresip_ctrl() {
  local port=$1 log=$2 json="{\"command\":\"$3\",\"params\":\"$4\",\"token\":\"$3\"}" len body
  local LC_ALL=C  # netstring lengths are bytes
  exec 3<>"/dev/tcp/127.0.0.1/$port" || return 1
  printf '%d:%s,' "${#json}" "$json" >&3
  while IFS= read -r -t 5 -d ':' len <&3 && [[ "$len" =~ ^[0-9]+$ ]] &&
        IFS= read -r -t 5 -N "$len" body <&3 && IFS= read -r -t 5 -N 1 _ <&3; do
    echo "$body" >> "$log"
    if [[ "$body" == *'"response":true'* ]]; then
      exec 3>&-
      [[ "$body" == *'"ok":true'* ]]
      return
    fi
  done
  exec 3>&-
  return 1
}

# wait_registered SECONDS SERVE_LOG SIP_PORT: true once serve has logged baresip's REGISTER -> 200.
wait_registered() {
  wait_for "$1" "$2" "REGISTER sip:default\.registrar\.example\.test(;[^ ]*)? from 127\.0\.0\.1:$3 .*-> 200"
}

# stop_baresip CTRL_PORT LOG: asks baresip to quit, and waits up to 5 s for it to go.
stop_baresip() {
  baresip_ctrl "$1" "$2" quit "" || true
  for _ in $(seq 50); do kill -0 "$BARESIP_PID" 2>/dev/null || break; sleep 0.1; done
}
