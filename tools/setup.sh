#!/usr/bin/env bash
# Installs the Debian packages trunklab needs to build and test, only those missing.
# Idempotent: a machine that has them all does no apt-get at all.
set -euo pipefail

build_packages=(
  cmake g++ make pkg-config
  libosip2-dev libpcap-dev nlohmann-json3-dev libfmt-dev libssl-dev libcli11-dev
  libgtest-dev libgmock-dev libbenchmark-dev libsqlite3-dev libcpp-httplib-dev
)
# Test-only: real third-party peers and viewers the interop and report tests drive (openssl: the
# CLI the TLS tests make their certificates with and connect with, s_client; kamailio-tls-modules:
# Kamailio beside serve over TLS in bench/tls/run.sh).
# rtpengine-daemon and kamailio-xml-modules (XMLRPC, for rtpengine's media-timeout callback): the
# Kamailio + rtpengine interop test, which starts its own rtpengine (the packaged service is
# kept from starting, below). nodejs drives chromium over the DevTools protocol for the browser
# checks of the SVG/HTML ladders (tests/reports/browser), measured with fonts-dejavu-core.
test_packages=(tshark sngrep chromium nodejs fonts-dejavu-core libxml2-utils sipsak baresip kamailio kamailio-xml-modules
  rtpengine-daemon sipvicious sip-tester jq iproute2 curl openssl kamailio-tls-modules)

want=("${build_packages[@]}")
if [[ "${1:-}" == "--tests" ]]; then want+=("${test_packages[@]}"); fi

missing=()
for pkg in "${want[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$pkg")
  fi
done

if ((${#missing[@]} == 0)); then exit 0; fi

SUDO=""
if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
echo "setup: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
# tshark asks whether non-root users may capture; answer no without a prompt.
echo "wireshark-common wireshark-common/install-setuid boolean false" | $SUDO debconf-set-selections
$SUDO apt-get update -qq
# Services that packages start on install (kamailio, rtpengine-daemon) would take ports on this
# machine; the tests start their own peers, so keep the packages' daemons from starting
# (policy-rc.d; without systemd their postinst only asks invoke-rc.d, which this denies).
policy=/usr/sbin/policy-rc.d
created_policy=0
if [[ ! -e $policy ]]; then
  printf '#!/bin/sh\nexit 101\n' | $SUDO tee $policy >/dev/null
  $SUDO chmod +x $policy
  created_policy=1
fi
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
if ((created_policy)); then $SUDO rm -f $policy; fi
