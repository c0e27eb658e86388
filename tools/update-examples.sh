#!/usr/bin/env bash
# Regenerates reports/examples/: the ladders (text, Mermaid, SVG) of every bundled scenario,
# for the docs. `--check` compares instead of writing and fails when an example is stale.
# Usage: tools/update-examples.sh [--check] [TRUNKLAB_BINARY]
set -euo pipefail
cd "$(dirname "$0")/.."
check=0
if [[ "${1:-}" == "--check" ]]; then check=1; shift; fi
trunklab="${1:-build/trunklab}"
[[ -x "$trunklab" ]] || { echo "no $trunklab: build first (tools/build.sh)" >&2; exit 2; }

out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
"$trunklab" run scenarios/ --out "$out" -q >/dev/null

stale=0
for dir in "$out"/*/; do
  name="$(basename "$dir")"
  for file in ladder.txt ladder.mmd ladder.svg; do
    target="reports/examples/$name/$file"
    if ((check)); then
      if ! cmp -s "$dir/$file" "$target"; then
        echo "stale: $target (run tools/update-examples.sh)" >&2
        stale=1
      fi
    else
      mkdir -p "reports/examples/$name"
      cp "$dir/$file" "$target"
    fi
  done
done
if ((check)); then exit "$stale"; fi
echo "wrote reports/examples/ for $(ls "$out" | grep -cv -e index.html -e junit.xml) scenarios"
