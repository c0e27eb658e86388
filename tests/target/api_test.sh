#!/usr/bin/env bash
# The management API of `trunklab serve --api`, driven with curl as the product's documents do,
# while SIPp places calls through serve:
#   1. serve starts with no provider and no route: a SIPp call through the trunk is refused;
#   2. curl POSTs a provider (a SIPp UAS on another port plays it) and a route naming it by the
#      product's "provider_id": the next calls reach that provider and are answered, with no
#      restart; refusals say why (401 without the token, 400 with the JSON path, 409 deleting
#      the provider the route uses);
#   3. serve restarts on the same --db: the provider and the route are still there (the API's
#      configuration is stored beside the bindings), and a call reaches the provider again;
#   4. --reset-config drops them.
# Everything on 127.0.0.1, every wait bounded.
#   api_test.sh TRUNKLAB PORT
# Ports: PORT serve (UDP), +1 the API (TCP), +2 the provider SIPp, +4 the calling SIPp, +10..+21
# SIPp media (unused).
set -euo pipefail
trunklab=$1 port=$2
command -v sipp >/dev/null || { echo "FAIL: sipp not installed (tools/setup.sh --tests: sip-tester)"; exit 1; }
command -v curl >/dev/null || { echo "FAIL: curl not installed (tools/setup.sh --tests)"; exit 1; }
here=$(cd "$(dirname "$0")" && pwd)
sipp_dir=$here/../interop/sipp
# shellcheck source-path=SCRIPTDIR source=../lib/serve.sh
. "$here/../lib/serve.sh"
serve_port=$port api_port=$((port + 1)) provider_port=$((port + 2)) call_port=$((port + 4))
api="http://127.0.0.1:$api_port/v1.0"
token=test-token-0123456789
user=office1 password=office1-secret number=+15551234567  # the built-in example's extension
peer_test_workdir
fail() { fail_with_logs 30 "$@"; }

# The built-in example without its provider and route; MD5 first for SIPp.
"$trunklab" serve --print-config > "$work/example.json"
python3 - "$work/example.json" "$work/serve.json" <<'PY'
import json, sys
config = json.load(open(sys.argv[1]))
config["auth"]["algorithms"] = ["MD5"]
config["providers"] = []
config["routes"] = []
json.dump(config, open(sys.argv[2], "w"), indent=2)
PY

# serve on --db in $work (the API's configuration is stored there); LOG is its output.
serve_with_api() {
  "$trunklab" serve --config "$work/serve.json" --listen "udp:127.0.0.1:$serve_port" --db "$work/serve.db" \
    --api "$api_port" --api-token "$token" "$@" > "$work/$log" 2>&1 &
  SERVE_PID=$!
  wait_for 5 "$work/$log" "management API on http://127.0.0.1:$api_port/" || fail "serve did not start its API"
}

# HTTP status of a curl call: curl_status OUTPUT_FILE CURL_ARGS...
curl_status() {
  local out=$1
  shift
  curl -sS --max-time 10 -o "$work/$out" -w '%{http_code}' "$@"
}
expect_status() {  # WHAT WANT OUTPUT CURL_ARGS...
  local what=$1 want=$2 out=$3 got
  shift 3
  got=$(curl_status "$out" "$@") || fail "$what: curl failed"
  [ "$got" = "$want" ] || fail "$what: HTTP $got, expected $want: $(cat "$work/$out")"
}

# calls N NAME: N SIPp calls through the trunk (407, digest), their SIPp's exit status.
calls() {
  local status=0
  sipp -i 127.0.0.1 -mi 127.0.0.1 -p "$call_port" -mp $((port + 10)) -nostdin -timeout 30s -timeout_error \
    -recv_timeout 10s -trace_stat -stf "$work/$2.csv" -trace_err -error_file "$work/$2-errors.log" \
    127.0.0.1:"$serve_port" -sf "$sipp_dir/call.xml" -s "$user" -key domain main.trunk.example.test \
    -key number "$number" -au "$user" -ap "$password" -m "$1" -r 5 -l 4 > "$work/$2.out" 2>&1 || status=$?
  return "$status"
}
# provider N NAME: a SIPp UAS answering N calls as the provider, in the background.
provider() {
  sipp -i 127.0.0.1 -mi 127.0.0.1 -p "$provider_port" -mp $((port + 16)) -nostdin -timeout 40s -timeout_error \
    -sf "$sipp_dir/provider_200.xml" -m "$1" -default_behaviors all,-abortunexp > "$work/$2.out" 2>&1 &
  PROVIDER_PID=$!
  pids+=("$PROVIDER_PID")
}

# 1. No provider, no route: the call is refused.
log=serve1.log
serve_with_api
if calls 1 before; then fail "a call with no route was answered"; fi
grep -Eq "INVITE sip:\\$number@main\.trunk\.example\.test from 127\.0\.0\.1:$call_port.* -> (404|503)" "$work/serve1.log" ||
  fail "serve did not refuse the call without a route"

# 2. The provider and the route, as the product's documents write them.
expect_status "POST without the token" 401 noauth.json -X POST "$api/providers" \
  --header 'Content-Type: application/json' --data '{"name": "sneaky"}'
expect_status "a provider with a bad address" 400 bad.json -X POST "$api/providers?token=$token" \
  --header 'Content-Type: application/json' --data '{"name": "x", "address": "not an address"}'
python3 -c 'import json,sys; e = json.load(open(sys.argv[1])); assert e["path"] == "$.address", e' "$work/bad.json" ||
  fail "the 400 does not name \$.address: $(cat "$work/bad.json")"
expect_status "POST provider" 201 provider.json -X POST "$api/providers?token=$token" \
  --header 'Content-Type: application/json' \
  --data "{\"name\": \"Primary SIP Provider\", \"type\": \"sip\", \"hostname\": \"sip.provider.example\", \"address\": \"127.0.0.1:$provider_port\"}"
expect_status "POST route" 201 route.json -X POST "$api/routes?token=$token" \
  --header 'Content-Type: application/json' \
  --data '{"name": "Default Outbound Route", "provider_id": "Primary SIP Provider", "priority": 1}'
expect_status "DELETE the provider the route uses" 409 used.json -X DELETE \
  "$api/providers/Primary%20SIP%20Provider" --header "Authorization: Bearer $token"
grep -q 'route \\"Default Outbound Route\\"' "$work/used.json" || fail "the 409 does not name the route: $(cat "$work/used.json")"

provider 3 provider1
sleep 0.3
calls 3 after || fail "calls after the API change were not all answered"
wait "$PROVIDER_PID" || fail "the provider SIPp did not answer 3 calls"
answered=$(grep -Ec "INVITE sip:\\$number@sip\.provider\.example to 127\.0\.0\.1:$provider_port.* -> 200" "$work/serve1.log" || true)
[ "$answered" -eq 3 ] || fail "serve's log shows $answered INVITEs answered by the new provider, expected 3"
stop_serve || fail "serve did not stop cleanly"
grep -q "management API: .* 2 changes" "$work/serve1.log" || fail "serve's summary does not count 2 changes"

# 3. A restart on the same --db keeps the API's configuration.
log=serve2.log
serve_with_api
grep -q "using the configuration the management API stored in $work/serve.db (revision 2), not --config" \
  "$work/serve2.log" || fail "serve did not say it used the stored configuration"
expect_status "GET routes after the restart" 200 routes.json "$api/routes?token=$token"
python3 -c 'import json,sys; r = json.load(open(sys.argv[1])); assert [x["provider"] for x in r] == ["Primary SIP Provider"], r' \
  "$work/routes.json" || fail "the route is gone after the restart: $(cat "$work/routes.json")"
provider 1 provider2
sleep 0.3
calls 1 restarted || fail "the call after the restart was not answered"
wait "$PROVIDER_PID" || fail "the provider SIPp did not answer the call after the restart"
stop_serve || fail "serve did not stop cleanly"

# 4. --reset-config: the file's configuration again, without the provider.
log=serve3.log
serve_with_api --reset-config
expect_status "GET providers after --reset-config" 200 reset.json "$api/providers?token=$token"
[ "$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))))' "$work/reset.json")" = 0 ] ||
  fail "--reset-config kept the providers: $(cat "$work/reset.json")"
stop_serve || fail "serve did not stop cleanly"
echo "PASS: a provider and a route added with curl took the next 3 calls (SIPp) without a restart, and a restart kept them"
