#!/bin/sh
# A swarm lists each failing seed with a command; that command, run as printed, must give the
# same draw and the same failures (and exit 1), and the same swarm twice gives the same output.
set -eu
trunklab=$1
data=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
status=0
"$trunklab" run "$data/swarm-fragile.json" --swarm 30 >"$tmp/swarm.txt" || status=$?
[ "$status" -eq 1 ] || { echo "expected exit 1 from the swarm, got $status"; cat "$tmp/swarm.txt"; exit 1; }
"$trunklab" run "$data/swarm-fragile.json" --swarm 30 >"$tmp/again.txt" || true
# Wall times differ from run to run; everything else must not.
sed 's/[0-9.]* ms wall//' "$tmp/swarm.txt" >"$tmp/a"
sed 's/[0-9.]* ms wall//' "$tmp/again.txt" >"$tmp/b"
cmp -s "$tmp/a" "$tmp/b" || { echo "the same swarm gave different results"; diff "$tmp/a" "$tmp/b"; exit 1; }
grep -q "^FAIL swarm-fragile  *30 seeds, [1-9][0-9]* failed" "$tmp/swarm.txt" || { echo "no per-scenario summary"; cat "$tmp/swarm.txt"; exit 1; }
command=$(sed -n 's/^ *reproduce with `\(.*\)`$/\1/p' "$tmp/swarm.txt" | head -n 1)
[ -n "$command" ] || { echo "no reproduction command"; cat "$tmp/swarm.txt"; exit 1; }
seed=$(echo "$command" | sed 's/.*--swarm-seed \([0-9]*\).*/\1/')
# The failing seed's block in the swarm's output: from its FAIL line to its reproduction line.
sed -n "/^FAIL swarm-fragile seed $seed\$/,/--swarm-seed $seed\`/p" "$tmp/swarm.txt" >"$tmp/expected"
status=0
# shellcheck disable=SC2086 # the printed command is words to split
"$trunklab" ${command#trunklab } >"$tmp/one.txt" || status=$?
[ "$status" -eq 1 ] || { echo "expected exit 1 from \`$command\`, got $status"; cat "$tmp/one.txt"; exit 1; }
sed -n "/^FAIL swarm-fragile seed $seed\$/,/--swarm-seed $seed\`/p" "$tmp/one.txt" >"$tmp/actual"
[ -s "$tmp/expected" ] || { echo "failing seed $seed not found in the swarm output"; exit 1; }
cmp -s "$tmp/expected" "$tmp/actual" || { echo "\`$command\` did not reproduce seed $seed:"; diff "$tmp/expected" "$tmp/actual"; exit 1; }
grep -q "swarm draw: .*latency alice-trunk" "$tmp/actual" || { echo "the draw is not printed"; cat "$tmp/actual"; exit 1; }
echo "ok: \`$command\` reproduced seed $seed"
