#!/usr/bin/env bash
# Throughput through `rnnguard proxy` with one-worker sidecars (`serve --connect`), all on this machine
# over loopback: starts a proxy and SIDECARS sidecars, waits until each answers, then runs
# `rnnguard bench --server` against the proxy's frontend (docs/reliability.md, "Scale-out through the proxy").
# Usage: scripts/proxy-scaling.sh [RNNGUARD_BINARY] [SIDECARS] [MODEL]
# Each process gets a session of its own (setsid), as a daemon or a container would: with the kernel's
# autogroup scheduling (Debian's default) a session's processes share one CPU share, so sidecars started
# from one shell would only split that share between them instead of using the cores they are meant to add.
# Environment: REQUESTS per client and phase (default 100), CLIENTS (default 6), BASE_PORT (default 5700;
# ports BASE_PORT+1, +2, and +11 upwards), so that several runs can go side by side.
set -euo pipefail
cd "$(dirname "$0")/.."
binary="${1:-.build/release/rnnguard}"
sidecars="${2:-1}"
model="${3:-digits-lstm}"
base="${BASE_PORT:-5700}"
work="$(mktemp -d)"
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT
setsid "$binary" proxy --frontend "tcp://127.0.0.1:$((base + 1))" --backend "tcp://127.0.0.1:$((base + 2))" --log-level error &
pids+=($!)
for n in $(seq 1 "$sidecars"); do
    port=$((base + 10 + n))
    cat > "$work/sidecar-$n.yaml" <<YAML
listen: tcp://127.0.0.1:$port
workers: 1
models:
  - {name: $model, path: examples/models/$model, decide: {accept_at_or_above: 0.05, refuse_below: 0.01}}
YAML
    setsid "$binary" serve --config "$work/sidecar-$n.yaml" --connect "tcp://127.0.0.1:$((base + 2))" --log-level error &
    pids+=($!)
done
# Each sidecar's own endpoint answers once its model is loaded and it has connected to the proxy.
for n in $(seq 1 "$sidecars"); do
    "$binary" health --endpoint "tcp://127.0.0.1:$((base + 10 + n))" --timeout-ms 60000 >/dev/null
done
echo "== $sidecars sidecar(s) behind the proxy"
"$binary" bench --server "tcp://127.0.0.1:$((base + 1))" --clients "${CLIENTS:-6}" --requests "${REQUESTS:-100}"
