#!/usr/bin/env bash
# The RFC 4475 / RFC 5118 torture corpus against Kamailio 5.6, judged by the table the
# reference's tests use (tests/sip/torture_corpus.hpp): one fresh Kamailio per message, like
# TortureServe. Kamailio runs tests/interop/kamailio/trunk.cfg plus force_rport() (answer the
# source address, as trunklab serve does; without it Kamailio answers the Via's sent-by, here
# unresolvable hosts). Everything runs in a network namespace whose only interface is lo, so
# nothing Kamailio resolves or forwards leaves the machine. Root (unshare); about 90 s.
#
#   bench/torture/kamailio.sh        prints one line per message, then "N/61 conformant"
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
command -v kamailio >/dev/null || { echo "kamailio not installed (tools/setup.sh --tests)"; exit 77; }
if [ -z "${TRUNKLAB_IN_NETNS:-}" ]; then
  exec unshare --net env TRUNKLAB_IN_NETNS=1 bash -c 'ip link set lo up && exec "$@"' bash "$0" "$@"
fi
port=29000
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "1 sip:127.0.0.1:$((port + 1)) 0 99 name=telnyx" > "$work/dispatcher.list"
sed "s/KAMAILIO_PORT/$port/; s|KAMAILIO_DISPATCHER_LIST|$work/dispatcher.list|
     s/^request_route {$/request_route {\n  force_rport();/" \
  "$root/tests/interop/kamailio/trunk.cfg" > "$work/kamailio.cfg"

for file in "$root"/tests/sip/torture/*.dat; do
  kamailio -f "$work/kamailio.cfg" -DD -E -w "$work" > "$work/kamailio.log" 2>&1 &
  kam=$!
  for _ in $(seq 50); do grep -q "Listening on" "$work/kamailio.log" && break; sleep 0.1; done
  sleep 0.5  # the worker processes come up after the listening line
  python3 - "$file" "$port" <<'PY' >> "$work/answers"
import os, socket, sys
path, port = sys.argv[1], int(sys.argv[2])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 0))
s.settimeout(1.5)
s.sendto(open(path, "rb").read(), ("127.0.0.1", port))
lines = []
try:
    while True:
        line = s.recvfrom(65535)[0].split(b"\r\n")[0].decode("latin1")
        lines.append(line)
        if line.startswith("SIP/2.0 ") and line[8] != "1":
            s.settimeout(0.2)
except socket.timeout:
    pass
print(os.path.basename(path)[:-4] + "\t" + "\t".join(lines))
PY
  kill -0 "$kam" 2>/dev/null || echo "$(basename "$file" .dat)	CRASHED" >> "$work/answers"
  kill -TERM "$kam" 2>/dev/null || true
  for _ in $(seq 30); do kill -0 "$kam" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$kam" 2>/dev/null || true
  wait "$kam" 2>/dev/null || true
done

# The judgement of tests/sip/torture_corpus.hpp's judge(), over its table.
python3 - "$root/tests/sip/torture_corpus.hpp" "$work/answers" <<'PY'
import re, sys
table = re.findall(r'\{"([\w-]+)", "(RFC [^"]+)", E::(\w+), (\d+), (?:true|false)\}', open(sys.argv[1]).read())
answers = {}
for row in open(sys.argv[2]):
    name, *lines = row.rstrip("\n").split("\t")
    answers[name] = [l for l in lines if l]
conformant = crashes = 0
for name, section, expect, status in table:
    got = answers.get(name, [])
    crashes += "CRASHED" in got
    final = next((l for l in got if l.startswith("SIP/2.0 ") and l[8] != "1"), None)
    if expect == "dropped":
        ok = not got
    elif expect == "processed":
        ok = final is not None and final[8:11] not in ("400", "416", "420", "505")
    else:
        ok = final is not None and final[8:11] == status
    conformant += ok
    print(f"  {'ok  ' if ok else 'MISS'} {name:<30} {section:<20} {got[-1] if got else '(no answer)'}")
print(f"RFC 4475/5118 torture corpus (Kamailio 5.6, trunk.cfg + force_rport): {conformant}/{len(table)} conformant, {crashes} crashes")
PY
