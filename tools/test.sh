#!/usr/bin/env bash
# The README's test command: installs what is missing, builds, runs every test with CTest.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/build.sh --tests
cd build
ctest --output-on-failure -j"$(nproc)" "$@"
