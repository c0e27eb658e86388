#!/usr/bin/env bash
# `trunklab run --out DIR` writes DIR/summary.json beside junit.xml and DIR/index.html, with one
# entry per scenario whatever its verdict: passed, failed (each failed expectation apart), a
# limit reached, a file that could not be used; swarm runs list every seed.
#   run_report_cli_test.sh TRUNKLAB SOURCE_DIR
set -euo pipefail
trunklab=$1 src=$2
cd "$src"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failed=0
check() {  # check NAME CONDITION...
  local name=$1
  shift
  if "$@"; then echo "PASS $name"; else echo "FAIL $name"; failed=1; fi
}
q() {  # q FILE JQ-EXPRESSION: true when the expression holds
  jq -e "$2" "$1" > /dev/null
}

status=0
"$trunklab" run -q tests/scenario/data/broken-ladder.json tests/scenario/data/invalid.json \
  scenarios/register-auth.json scenarios/inbound-call.json --out "$work/a" > "$work/a.log" 2>&1 || status=$?
check "unusable input: exit 2" test "$status" = 2
s="$work/a/summary.json"
check "summary.json beside junit.xml" test -s "$s" -a -s "$work/a/junit.xml"
check "totals by verdict" q "$s" '.totals | .scenarios == 4 and .passed == 2 and .failed == 1 and .limit == 0 and .error == 1'
check "totals count the messages" q "$s" '.totals.counts.messages == ([.scenarios[].counts.messages // 0] | add)'
check "in the order run" \
  q "$s" '[.scenarios[].name] == ["broken-ladder", "invalid.json", "register-auth", "inbound-call"]'
check "failed: verdict, seed, each failing expectation" \
  q "$s" '.scenarios[0] | .verdict == "failed" and .seed == 4 and (.failures | length) == 1
          and (.failures[0] | startswith("ladder (exact): expected line 2 \"trunk -> alice 200\", got \"trunk -> alice 401 Unauthorized\""))'
check "failed: reproduce command" \
  q "$s" '.scenarios[0].reproduce == "trunklab run tests/scenario/data/broken-ladder.json --seed 4"'
check "passed: description from the scenario file" \
  q "$s" '.scenarios[2] | .verdict == "passed" and .description == "REGISTER challenged with 401, re-sent with credentials, accepted with 200" and .failures == [] and .limit == null'
check "passed: counts agree with verdict.json" \
  test "$(jq '.scenarios[2].counts.messages' "$s")" = "$(jq '.messages' "$work/a/register-auth/verdict.json")"
check "passed: requests + responses = messages" \
  q "$s" '.scenarios[2].counts | .requests + .responses == .messages and .messages > 0'
check "a call: counted, with its RTP streams" \
  q "$s" '.scenarios[3].counts | .calls == 1 and .rtp_streams >= 2 and .rtp_packets > 0'
check "links point at the written files" \
  test -s "$work/a/$(jq -r '.scenarios[2].links.ladder_dir' "$s")/ladder.svg" -a \
       -s "$work/a/$(jq -r '.scenarios[2].links.pcap' "$s")"
check "unusable: file, JSON path and reason apart" \
  q "$s" '.scenarios[1] | .verdict == "error" and .file == "tests/scenario/data/invalid.json"
          and .error.json_path == "$.steps[0].bob" and (.error.reason | contains("unknown party \"bob\""))'
check "times: virtual from the scenario, wall measured" \
  q "$s" '.scenarios[2] | .virtual_duration_ms > 0 and .wall_duration_ms > 0'
html="$work/a/index.html"
check "index.html: summary, then failures, then unusable files, then all scenarios" \
  sh -c "grep -n -e 'class=\"summary\"' -e '<h2>' '$html' | cut -d: -f1 | sort -n -c && \
         grep -o -e 'class=\"summary\"' -e '<h2>[A-Z][a-z]*' '$html' | tr '\n' ' ' | \
         grep -q 'class=\"summary\" <h2>Failures <h2>Unusable <h2>All'"
check "index.html: the description" grep -q 'REGISTER challenged with 401, re-sent with credentials' "$html"
check "index.html: the failure's text" grep -q 'got &quot;trunk -&gt; alice 401 Unauthorized&quot;' "$html"

status=0
"$trunklab" run -q scenarios/outbound-auth.json --max-messages 3 --out "$work/b" > "$work/b.log" 2>&1 || status=$?
check "limit reached: exit 1" test "$status" = 1
check "limit reached: verdict limit, the cap named" \
  q "$work/b/summary.json" '.totals.limit == 1 and (.scenarios[0] | .verdict == "limit" and .limit == "messages"
                             and (.failures[0] | startswith("limit reached: limits.messages")))'

status=0
"$trunklab" run -q scenarios/register-auth.json --swarm 3 --out "$work/c" > "$work/c.log" 2>&1 || status=$?
check "swarm: exit 0" test "$status" = 0
check "swarm: one entry per seed with its draw and reproduction" \
  q "$work/c/summary.json" '.totals.scenarios == 3 and .totals.passed == 3 and
     all(.scenarios[]; .seed as $seed | (.reproduce | contains("--swarm-seed \($seed)")) and (.swarm_draw | length) > 0
         and .description != "" and .links.ladder_dir == null)'

if [ "$failed" -ne 0 ]; then
  for log in "$work"/*.log; do echo "== $log"; cat "$log"; done
  cat "$work/a/summary.json"
fi
exit "$failed"
