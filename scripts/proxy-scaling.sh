#!/usr/bin/env bash
# Throughput through `rnnguard proxy` with 1, 2 and 3 one-worker sidecars (`serve --connect`), all on
# this machine over loopback: `rnnguard bench --server` against the proxy's frontend after each sidecar is
# added (docs/reliability.md, "Scale-out through the proxy").
# Usage: scripts/proxy-scaling.sh [RNNGUARD_BINARY] [MODEL]; REQUESTS (per client and phase, default 100),
# CLIENTS (default 6) and BASE_PORT (default 5700: it uses BASE_PORT+1..+2 and +11..+13) override.
set -euo pipefail
cd "$(dirname "$0")/.."
binary="${1:-.build/release/rnnguard}"
model="${2:-digits-lstm}"
base="${BASE_PORT:-5700}"
work="$(mktemp -d)"
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT
"$binary" proxy --frontend "tcp://127.0.0.1:$((base + 1))" --backend "tcp://127.0.0.1:$((base + 2))" --log-level error &
pids+=($!)
for n in 1 2 3; do
    port=$((base + 10 + n))
    cat > "$work/sidecar-$n.yaml" <<YAML
listen: tcp://127.0.0.1:$port
workers: 1
models:
  - {name: $model, path: examples/models/$model, decide: {accept_at_or_above: 0.05, refuse_below: 0.01}}
YAML
    "$binary" serve --config "$work/sidecar-$n.yaml" --connect "tcp://127.0.0.1:$((base + 2))" --log-level error &
    pids+=($!)
    # Its own endpoint answers once its model is loaded and it has connected to the proxy.
    "$binary" health --endpoint "tcp://127.0.0.1:$port" --timeout-ms 60000 >/dev/null
    echo "== $n sidecar(s)"
    "$binary" bench --server "tcp://127.0.0.1:$((base + 1))" --clients "${CLIENTS:-6}" --requests "${REQUESTS:-100}"
done
