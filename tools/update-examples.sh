#!/usr/bin/env bash
# Regenerates reports/examples/: the ladders (text, Mermaid, SVG) of every bundled scenario, for
# the docs, and the HTML ladder of the showcase scenarios below. `--check` compares instead of
# writing and fails when an example is stale, missing, or left over from a scenario that is gone.
# Usage: tools/update-examples.sh [--check] [TRUNKLAB_BINARY]
set -euo pipefail
cd "$(dirname "$0")/.."
check=0
if [[ "${1:-}" == "--check" ]]; then check=1; shift; fi
trunklab="${1:-build/trunklab}"
[[ -x "$trunklab" ]] || { echo "no $trunklab: build first (tools/build.sh)" >&2; exit 2; }

# What the docs point at (reports/examples/README.md): a NAT rebinding, the two legs of a B2BUA
# call, RTP streams, a failover. Their ladder.html is kept too (the others' would double the
# folder's size).
showcase=(nat-reregister inbound-call media-both-ways failover-5xx)

out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
"$trunklab" run scenarios/ --out "$out" -q >/dev/null

stale=0
for name in "${showcase[@]}"; do
  if [[ ! -d "$out/$name" ]]; then
    echo "showcase scenario $name is gone: update the list in tools/update-examples.sh and reports/examples/README.md" >&2
    stale=1
  fi
done
is_showcase() {
  local name
  for name in "${showcase[@]}"; do [[ "$name" == "$1" ]] && return 0; done
  return 1
}
for dir in "$out"/*/; do
  name="$(basename "$dir")"
  files=(ladder.txt ladder.mmd ladder.svg)
  if is_showcase "$name"; then files+=(ladder.html); fi
  for file in "${files[@]}"; do
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
# Examples of scenarios that no longer exist.
for dir in reports/examples/*/; do
  name="$(basename "$dir")"
  if [[ ! -d "$out/$name" ]]; then
    if ((check)); then
      echo "stale: reports/examples/$name has no scenario (run tools/update-examples.sh)" >&2
      stale=1
    else
      rm -rf "reports/examples/$name"
    fi
  fi
done
if ((check)); then exit "$stale"; fi
((stale == 0)) || exit 1
echo "wrote reports/examples/ for $(find "$out" -mindepth 1 -maxdepth 1 -type d | wc -l) scenarios (ladder.html for ${showcase[*]})"
