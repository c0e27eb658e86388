#!/usr/bin/env bash
# The parity comparison fails on what a system under test can get wrong (a reordered message
# within a pair, a duplicated request) and passes on what real time changes legitimately (the
# interleaving of different pairs, a retransmission the ladder marks as such).
#   ladder_pairs_test.sh GOLDEN_LADDER
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=ladder_pairs.sh
. "$(dirname "$0")/ladder_pairs.sh"
golden=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failed=0
same() { diff <(ladder_by_pair "$golden") <(ladder_by_pair "$1") > /dev/null; }
expect_same() {
  if same "$2"; then echo "PASS $1"; else echo "FAIL $1: should compare equal"; diff <(ladder_by_pair "$golden") <(ladder_by_pair "$2") || true; failed=1; fi
}
expect_differs() {
  if same "$2"; then echo "FAIL $1: should differ"; failed=1; else echo "PASS $1"; fi
}

# The golden itself.
expect_same identical "$golden"
# Lines 5 and 6 of outbound-auth (trunk -> alice 100, trunk -> telnyx INVITE) swapped: two
# pairs interleaved differently.
sed -n '5{h;d};6{p;x};p' "$golden" > "$work/interleaved"
expect_same other-interleaving-of-pairs "$work/interleaved"
# A retransmission marked by the ladder is left out.
sed '4{p;s/$/  (retransmission)/}' "$golden" > "$work/retransmitted"
expect_same marked-retransmission "$work/retransmitted"
# The same INVITE twice, not marked: a duplicated request.
sed '4p' "$golden" > "$work/duplicated"
expect_differs duplicated-request "$work/duplicated"
# 180 before 100 between trunk and telnyx (lines 7 and 8): reordered within a pair.
sed -n '7{h;d};8{p;x};p' "$golden" > "$work/reordered"
expect_differs reordered-within-a-pair "$work/reordered"
# A message missing.
sed '10d' "$golden" > "$work/missing"
expect_differs missing-message "$work/missing"
exit "$failed"
