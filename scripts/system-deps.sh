#!/usr/bin/env bash
# Installs the Debian packages the test suite needs (Chromium for Playwright, Kamailio and its
# modules for the Kamailio project, sipp for the foreign-UA scenario, PostgreSQL for the
# sender's push queue tests) when any is missing.
# Needs root (apt-get); otherwise prints the command to run.
set -euo pipefail
PACKAGES=(
  chromium
  kamailio kamailio-websocket-modules kamailio-extra-modules kamailio-presence-modules kamailio-sqlite-modules
  kamailio-tls-modules
  sip-tester sqlite3
  postgresql
)
missing=()
for pkg in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
((${#missing[@]} == 0)) && exit 0
if [ "$(id -u)" != 0 ]; then
  echo "system-deps: missing Debian packages: ${missing[*]}" >&2
  echo "system-deps: run: sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
echo "system-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq "${missing[@]}" >/dev/null
