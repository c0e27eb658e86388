#!/usr/bin/env bash
# CI sees every file: a scenario file that cannot be used is in junit.xml (an <error> in a
# testcase named by the file, with file, JSON path and reason) and in index.html; a folder
# without a scenario is unusable input (exit 2); a scenario in a folder with golden/ but without
# its golden ladder fails until `--update` writes it.
#   every_file_test.sh TRUNKLAB SOURCE_DIR
set -euo pipefail
trunklab=$1 src=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failed=0
check() {  # check NAME CONDITION...
  local name=$1
  shift
  if "$@"; then echo "PASS $name"; else echo "FAIL $name"; failed=1; fi
}
status_of() {  # status_of OUTFILE ARGS...: runs trunklab, prints its exit status
  local out=$1 status=0
  shift
  "$trunklab" run "$@" > "$out" 2>&1 || status=$?
  echo "$status"
}

# A folder with a valid, an invalid and a broken-JSON scenario.
mkdir -p "$work/mixed"
cp "$src/tests/scenario/data/invalid.json" "$work/mixed/"
cp "$src/scenarios/register-auth.json" "$work/mixed/"
printf '{ "parties": \n' > "$work/mixed/truncated.json"
status=$(status_of "$work/mixed.log" "$work/mixed" --out "$work/out")
check "unusable files: exit 2" test "$status" = 2
junit="$work/out/junit.xml"
check "junit counts 3 tests, 2 errors" grep -q 'tests="3" failures="0" errors="2"' "$junit"
check "junit: testcase named by the invalid file with file, path, reason" \
  grep -q '<testcase name="invalid.json".*' "$junit"
check "junit: the <error> says file, JSON path and reason" \
  grep -q "<error message=\"$work/mixed/invalid.json: \\\$.steps\\[0\\].bob: unknown party &quot;bob&quot;; there are no parties" "$junit"
check "junit: broken JSON is an error too" grep -q '<testcase name="truncated.json"' "$junit"
check "junit validates against tests/reports/junit.xsd" \
  xmllint --noout --schema "$src/tests/reports/junit.xsd" "$junit"
check "index.html lists the unusable files" \
  grep -q 'invalid.json.*ERROR (unusable file)' "$work/out/index.html"
check "index.html counts them" grep -q '3 scenarios, 1 passed, 0 failed, 2 unusable' "$work/out/index.html"

# A folder without scenarios.
mkdir -p "$work/empty"
status=$(status_of "$work/empty.log" "$work/empty")
check "empty folder: exit 2" test "$status" = 2
check "empty folder: says so" grep -q "no scenario file" "$work/empty.log"
status=$(status_of "$work/filter.log" "$src/scenarios" --filter no-such-scenario)
check "nothing matches --filter: exit 2" test "$status" = 2

# A new scenario beside golden ladders has none yet: FAIL until --update writes it.
mkdir -p "$work/suite/golden"
cp "$src/scenarios/register-auth.json" "$work/suite/new-scenario.json"
status=$(status_of "$work/golden1.log" "$work/suite")
check "missing golden: exit 1" test "$status" = 1
check "missing golden: says how to write it" grep -q "golden ladder .*new-scenario.ladder.txt is missing: write it with \`trunklab run .* --update\`" "$work/golden1.log"
status=$(status_of "$work/golden2.log" "$work/suite" --update)
check "--update writes it" test "$status" = 0 -a -s "$work/suite/golden/new-scenario.ladder.txt"
status=$(status_of "$work/golden3.log" "$work/suite")
check "then it passes" test "$status" = 0
# Elsewhere (no golden/ folder) only --require-golden asks for one.
mkdir -p "$work/loose"
cp "$src/scenarios/register-auth.json" "$work/loose/"
check "no golden/ folder: passes" test "$(status_of "$work/loose1.log" "$work/loose")" = 0
check "--require-golden: fails" test "$(status_of "$work/loose2.log" "$work/loose" --require-golden)" = 1
if [ "$failed" -ne 0 ]; then
  for log in "$work"/*.log; do echo "== $log"; cat "$log"; done
fi
exit "$failed"
