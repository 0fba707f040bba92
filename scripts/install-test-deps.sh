#!/usr/bin/env bash
# Installs what the test suite needs beyond Rust: ngIRCd (a second IRC server
# the client is tested against), faketime (irctest runs LIST time filters
# under it) and the font/windowing development files Slint builds with.
# Debian/Ubuntu; run as root (CI does).
set -euo pipefail
need=()
command -v ngircd >/dev/null 2>&1 || [ -x /usr/sbin/ngircd ] || need+=(ngircd)
pkg-config --exists fontconfig 2>/dev/null || need+=(libfontconfig-dev)
command -v pkg-config >/dev/null 2>&1 || need+=(pkg-config)
# irctest runs LIST's time filters under faketime (a minute per 2 seconds).
command -v faketime >/dev/null 2>&1 || need+=(faketime)
if [ ${#need[@]} -gt 0 ]; then
  echo "installing: ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}"
fi
# The Debian package starts a system ngIRCd on port 6667; the tests start their own.
if command -v systemctl >/dev/null 2>&1; then systemctl stop ngircd >/dev/null 2>&1 || true; fi
if [ -x /etc/init.d/ngircd ]; then /etc/init.d/ngircd stop >/dev/null 2>&1 || true; fi
