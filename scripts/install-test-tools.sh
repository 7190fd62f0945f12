#!/usr/bin/env bash
# Installs the Debian packages the test suite drives for real: Chromium for the
# browser tests, redis-server for the shared rate-limit test, and bubblewrap
# with the system Python's pytest for the code sandbox. Only as root
# (apt-get needs it); otherwise it says what is missing and the tests that need
# it skip, which with CI=true is a failure.
set -euo pipefail

missing=()
command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ] || missing+=(chromium)
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
command -v bwrap >/dev/null 2>&1 || missing+=(bubblewrap)
/usr/bin/python3 -c "import pytest" >/dev/null 2>&1 || missing+=(python3-pytest)

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "test tools missing: ${missing[*]} (install them with apt-get as root)" >&2
  exit 0
fi
echo "installing test tools: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
