#!/usr/bin/env bash
# Installs Debian's chromium for the report test (tests/integration/test_report_browser.py):
# the drill's HTML report is opened in real headless Chromium, its console checked and a
# screenshot taken. Idempotent: a quick no-op when chromium is on PATH.
set -euo pipefail

if command -v chromium >/dev/null 2>&1; then
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
command -v chromium >/dev/null
