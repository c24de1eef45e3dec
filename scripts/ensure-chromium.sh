#!/usr/bin/env bash
# Browser tests need Chromium. Playwright's own browser download cannot work offline, so we use
# Debian's package: install it when missing (as root), or say exactly what to run.
set -euo pipefail
chromium=${CHROMIUM_PATH:-/usr/bin/chromium}
if [ -x "$chromium" ]; then exit 0; fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "[test] installing Chromium from Debian (apt-get install chromium)…"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  [ -x "$chromium" ] && exit 0
fi
echo "[test] Chromium is missing at $chromium. Install it with:" >&2
echo "         sudo apt-get update && sudo apt-get install -y chromium" >&2
echo "       or point CHROMIUM_PATH at a Chromium/Chrome binary." >&2
exit 1
