#!/usr/bin/env bash
# Soak run (issue 10 item 4; not part of CI): a release sidecar with config/guard.yaml under open-loop load
# at a share of its measured capacity, with malformed requests mixed in, for a number of minutes.
#
#   scripts/soak.sh [MINUTES=10] [LOAD_SHARE=0.8] [MALFORMED_SHARE=0.05]
#
# 1. builds and starts `rnnguard serve --config config/guard.yaml` (release) and waits for `health`;
# 2. measures capacity: `rnnguard bench --server` (closed loop, 4 clients), certify (threshold) req/s;
# 3. runs `rnnguard bench --server --rate (LOAD_SHARE x capacity) --duration (MINUTES x 60)
#    --malformed-share MALFORMED_SHARE`: p50/p99 per minute, and lost / mismatched replies;
# 4. samples the server's resident memory (VmRSS of /proc/PID/status) at start, every minute and at the
#    end, then stops the server with SIGTERM and checks it exits 0.
# The sidecar listens on SOAK_PORT (default 5575) instead of the config's 5555, and its metrics on a free
# port, so a soak can run beside another sidecar; everything else is config/guard.yaml as committed.
# Exits non-zero when a reply was lost or mismatched, or the server did not stop cleanly.
set -euo pipefail
cd "$(dirname "$0")/.."
minutes=${1:-10}
load_share=${2:-0.8}
malformed_share=${3:-0.05}
endpoint=tcp://127.0.0.1:${SOAK_PORT:-5575}
work=$(mktemp -d)
sed -e "s#^listen: .*#listen: $endpoint#" -e "s#^metrics: .*#metrics: 127.0.0.1:0#" config/guard.yaml >"$work/guard.yaml"

swift build -c release --product rnnguard
bin=.build/release/rnnguard

"$bin" serve --config "$work/guard.yaml" --log-level warning 2>"$work/serve.log" &
pid=$!
trap 'kill -TERM "$pid" 2>/dev/null || true' EXIT
rss() { awk '/^VmRSS/ {print $2 " kB"}' "/proc/$pid/status"; }
for _ in $(seq 1 100); do
    "$bin" health --endpoint "$endpoint" --timeout-ms 500 >/dev/null 2>&1 && break
    sleep 0.2
done
"$bin" health --endpoint "$endpoint" >/dev/null
echo "$(date -u +%FT%TZ) server pid $pid up; RSS $(rss)"

"$bin" bench --server "$endpoint" --clients 4 --requests 200 | tee "$work/capacity.txt"
capacity=$(awk -F '  +' '/^certify/ {print $5}' "$work/capacity.txt")
rate=$(awk -v c="$capacity" -v s="$load_share" 'BEGIN {printf "%.1f", c * s}')
echo "capacity ${capacity} certify/s; soak at ${rate}/s for ${minutes} min, malformed share ${malformed_share}"

echo "$(date -u +%FT%TZ) soak start: RSS $(rss)"
( while kill -0 "$pid" 2>/dev/null; do sleep 60; echo "$(date -u +%FT%TZ) RSS $(rss)"; done ) &
sampler=$!
"$bin" bench --server "$endpoint" --rate "$rate" --duration "$((minutes * 60))" --malformed-share "$malformed_share" \
    | tee "$work/soak.txt"
echo "$(date -u +%FT%TZ) soak end: RSS $(rss)"
kill "$sampler" 2>/dev/null || true

kill -TERM "$pid"
status=0
wait "$pid" || status=$?
trap - EXIT
echo "server exit status $status; log: $work/serve.log ($(wc -l <"$work/serve.log") lines)"
summary=$(grep '^summary:' "$work/soak.txt")
[[ $status -eq 0 && $summary == *" lost=0 mismatched=0 "* ]]
