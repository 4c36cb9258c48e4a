#!/usr/bin/env bash
# Certify throughput of one sidecar with 1 and then 2 worker threads (issue 11, item 8), and what one
# long request gains from borrowing an idle core. Release build; run from the repository root:
#   scripts/worker-scaling.sh [REQUESTS_PER_CLIENT]
# Each run serves digits-lstm in threshold mode (config/guard.yaml's policy, without its deadline) on a
# private port and drives it with `rnnguard bench --server` from 4 clients. Prints the bench reports;
# docs/performance.md holds the figures measured on the development machine.
set -euo pipefail
requests=${1:-40}
binary=.build/release/rnnguard
[ -x "$binary" ] || swift build -c release --product rnnguard
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
for workers in 1 2 1 2; do
    port=$((5700 + RANDOM % 200))
    cat > "$dir/guard.yaml" <<YAML
listen: tcp://127.0.0.1:$port
workers: $workers
limits: {max_message_bytes: 1048576, max_sequence_length: 512, queue_depth: 64}
models:
  - name: digits-lstm
    path: examples/models/digits-lstm
    certify: {norm: 2, frames: all, mode: threshold}
    decide: {accept_at_or_above: 0.04, refuse_below: 0.025}
YAML
    "$binary" serve --config "$dir/guard.yaml" > "$dir/serve.log" 2>&1 &
    server=$!
    for _ in $(seq 50); do "$binary" health --endpoint "tcp://127.0.0.1:$port" > /dev/null 2>&1 && break; sleep 0.2; done
    echo "== workers: $workers"
    "$binary" bench --server "tcp://127.0.0.1:$port" --clients 4 --requests "$requests" | grep -E "phase|predict|certify"
    kill -TERM "$server"
    wait "$server" || true
done
