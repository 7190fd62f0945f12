#!/usr/bin/env bash
# Installs the Debian packages Archboard drives for real, when they are missing.
#   install-tools.sh run    bubblewrap and the system Python's pytest (the code sandbox)
#   install-tools.sh test   the above, plus Chromium (browser tests), redis-server, and
#                           nginx and openssl (the deployment files' check)
#   install-tools.sh bench  wrk (the load generator of `make bench`)
# Only as root (apt-get needs it); otherwise it says what is missing. Tests that
# need a missing tool skip, which with CI=true is a failure.
set -euo pipefail

want="${1:-test}"
missing=()
if [ "$want" = "bench" ]; then
  command -v wrk >/dev/null 2>&1 || missing+=(wrk)
else
  command -v bwrap >/dev/null 2>&1 || missing+=(bubblewrap)
  /usr/bin/python3 -c "import pytest" >/dev/null 2>&1 || missing+=(python3-pytest)
fi
if [ "$want" = "test" ]; then
  command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ] || missing+=(chromium)
  command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
  command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || missing+=(nginx)
  command -v openssl >/dev/null 2>&1 || missing+=(openssl)
fi

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "missing system packages: ${missing[*]} (install them with apt-get as root)" >&2
  exit 0
fi
echo "installing system packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
