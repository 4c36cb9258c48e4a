#!/usr/bin/env bash
# Installs the Debian packages rnnguard builds against (libzmq, OpenBLAS, pkg-config), only when missing.
# Swift itself is expected on PATH (Swift 6.2 or later).
set -euo pipefail
needed=()
for pkg in libzmq3-dev libopenblas-dev pkg-config; do
  dpkg -s "$pkg" >/dev/null 2>&1 || needed+=("$pkg")
done
if [ ${#needed[@]} -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${needed[@]}"
fi
command -v swift >/dev/null || { echo "swift is not on PATH (Swift 6.2 or later is needed)" >&2; exit 1; }
