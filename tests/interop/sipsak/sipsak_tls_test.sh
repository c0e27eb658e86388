#!/usr/bin/env bash
# Interop over TLS with a second TLS stack: sipsak (Debian 0.9.8, built with GnuTLS) registers
# with digest at `trunklab serve --listen tls:...` using certificates this test makes with the
# openssl CLI. Passes when sipsak trusting the test's CA registers (serve's log shows the 401 and
# the 200 over one TLS connection, its summary counts one handshake), and a serve requiring client
# certificates (--ca) refuses sipsak, which sends none: no REGISTER reaches that registrar and its
# log gives OpenSSL's reason. (This sipsak does not check serve's certificate whatever CA it is
# given, so the refusal is tested on serve's side.)
#
#   sipsak_tls_test.sh TRUNKLAB PORT    (PORT and PORT+1)
set -euo pipefail
trunklab=$(realpath "$1") port=$2
# Never a silent skip: without sipsak or openssl the test fails (tools/setup.sh --tests).
command -v sipsak >/dev/null || { echo "FAIL: sipsak not installed (tools/setup.sh --tests)"; exit 1; }
command -v openssl >/dev/null || { echo "FAIL: openssl not installed (tools/setup.sh --tests)"; exit 1; }
sipsak -V 2>&1 | grep -q TLS_SUPPORT || { echo "FAIL: this sipsak is built without TLS"; exit 1; }
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source-path=SCRIPTDIR source=../../lib/serve.sh
. "$here/../../lib/serve.sh"
peer_test_workdir
fail() { fail_with_logs 40 "$@"; }

ec=(-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes)
cd "$work"
openssl req -x509 "${ec[@]}" -days 2 -subj /CN=lab-ca -keyout ca.key -out ca.pem 2> openssl.log
openssl req -new "${ec[@]}" -subj /CN=127.0.0.1 -keyout server.key -out server.csr 2>> openssl.log
echo 'subjectAltName=IP:127.0.0.1' > server.ext
openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 -extfile server.ext \
  -out server.pem 2>> openssl.log

"$trunklab" serve --listen "tls:127.0.0.1:$port" --cert server.pem --key server.key --db :memory: \
  > serve.log 2>&1 &
SERVE_PID=$!
wait_for 5 serve.log "listening on tls:127\.0\.0\.1:$port " || fail "serve did not start on TLS"

register() {  # CA_FILE: sipsak's REGISTER with digest for alice, trusting CA_FILE
  timeout 20 sipsak --transport=tls --tls-ca-cert="$1" -p "127.0.0.1:$port" -U -i \
    -C "sips:alice@127.0.0.1:5099" -u alice -a alice-secret -x 120 \
    -s sip:alice@default.registrar.example.test -H 127.0.0.1
}
register ca.pem > sipsak.out 2>&1 || fail "sipsak trusting serve's CA did not register over TLS"
grep -Eq "REGISTER sip:default\.registrar\.example\.test from 127\.0\.0\.1:[0-9]+ aor alice@default\.registrar\.example\.test -> 401" serve.log ||
  fail "no 401 in serve's log"
grep -Eq "REGISTER sip:default\.registrar\.example\.test from 127\.0\.0\.1:[0-9]+ aor alice@default\.registrar\.example\.test -> 200 OK" serve.log ||
  fail "no 200 in serve's log"

stop_serve || fail "serve did not stop cleanly"
grep -q "REGISTER 2 (401 1, 200 1, 403 0)" serve.log || fail "serve counted other REGISTERs than the 401 and the 200"
grep -q "connections accepted 1 opened 0 closed 1 (idle 0, over the limit 0), handshakes 1 (failed 0, timed out 0)" serve.log ||
  fail "serve's summary does not count the one connection and handshake"

port=$((port + 1))
"$trunklab" serve --listen "tls:127.0.0.1:$port" --cert server.pem --key server.key --ca ca.pem --db :memory: \
  > serve-mutual.log 2>&1 &
SERVE_PID=$!
wait_for 5 serve-mutual.log "listening on tls:127\.0\.0\.1:$port " || fail "serve --ca did not start"
if register ca.pem > sipsak-no-cert.out 2>&1; then fail "sipsak registered without the client certificate --ca requires"; fi
wait_for 5 serve-mutual.log "tls: 127\.0\.0\.1:[0-9]+: handshake failed: peer did not return a certificate" ||
  fail "serve did not log why it refused the handshake"
stop_serve || fail "serve --ca did not stop cleanly"
grep -q "REGISTER 0 (401 0, 200 0, 403 0)" serve-mutual.log || fail "a REGISTER got past the refused handshake"
echo "PASS: sipsak registered over TLS; without a client certificate serve --ca refused it ($(grep -o 'handshake failed: .*' serve-mutual.log | head -1))"
