#!/usr/bin/env bash
# The README's main command: installs what is missing, builds, and runs the main job.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/build.sh
if build/trunklab run --help >/dev/null 2>&1; then
  exec build/trunklab run scenarios/ --out out/ "$@"
fi
# Until the scenario runner exists, the main job is what the binary offers.
exec build/trunklab --help
