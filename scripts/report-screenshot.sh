#!/usr/bin/env bash
# Renders one chart of a calibration report as a PNG with headless Chromium (Debian: apt-get install
# chromium): the report's header and one section, at a given window width.
#   scripts/report-screenshot.sh REPORT.html OUT.png [SECTION] [WIDTH] [HEIGHT]
# SECTION is a section id of the report (radii, gap, thresholds, sensitivity, settings; default
# thresholds); WIDTH x HEIGHT the window (default 1280 x 760). The README's image is
#   scripts/report-screenshot.sh docs/reports/digits-lstm.html docs/reports/digits-lstm-thresholds.png
set -euo pipefail
report=$1 out=$2 section=${3:-thresholds} width=${4:-1280} height=${5:-760}
page=$(mktemp --suffix=.html)
trap 'rm -f "$page"' EXIT
# The report writes its head and header on lines 1-2 and each section on a line of its own.
{
    sed -n 1,2p "$report"
    grep "^<section id=\"$section\">" "$report"
    echo '</main></body></html>'
} > "$page"
chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --force-device-scale-factor=1 \
    --screenshot="$(realpath -m "$out")" --window-size="$width,$height" "file://$page" 2>/dev/null
echo "wrote $out"
