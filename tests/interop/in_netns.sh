#!/usr/bin/env bash
# Runs a command in a network namespace of its own whose only interface is its loopback: peers
# such as sipsak bind 0.0.0.0 whatever their options say, and must not listen beyond 127.0.0.1.
# Without the privilege to create one (not root), the command runs as is.
set -euo pipefail
if [ -z "${TRUNKLAB_IN_NETNS:-}" ] && unshare --net true 2>/dev/null; then
  exec unshare --net env TRUNKLAB_IN_NETNS=1 bash -c 'ip link set lo up && exec "$@"' bash "$@"
fi
exec "$@"
