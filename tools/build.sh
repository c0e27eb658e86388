#!/usr/bin/env bash
# Configures and builds trunklab into build/ (Release with debug info). Used by run.sh and test.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/setup.sh "$@"
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)"
