#!/bin/sh
# Makes sure Playwright has a Chromium to drive, in this order:
#   1. one already found (Playwright's own, Debian/Ubuntu chromium, Chrome, Edge);
#   2. Playwright's own download (works on a machine with internet);
#   3. Debian/Ubuntu's chromium package via apt-get (as root, or with sudo).
# Prints what it found, or what to do, and exits non-zero if no browser can be had.
set -u
BIN=${1:-.venv/bin}
if "$BIN/python" -m koss_rpa.flows.browser --quiet; then exit 0; fi
echo "No Chromium found; trying 'playwright install chromium'..."
if "$BIN/python" -m playwright install chromium >/dev/null 2>&1 && "$BIN/python" -m koss_rpa.flows.browser --quiet; then
  exit 0
fi
if command -v apt-get >/dev/null 2>&1; then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  echo "Installing Debian/Ubuntu's chromium with apt-get..."
  # With Debian's headless shell where there is one (headless runs take it: less CPU per run).
  $SUDO apt-get update -qq && { $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-headless-shell >/dev/null 2>&1 \
    || $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; } \
    || $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium-browser >/dev/null
fi
"$BIN/python" -m koss_rpa.flows.browser
