#!/usr/bin/env bash
# Writes the committed calibration reports (docs/reports/) of the bundled digits, news and speech models
# on their held-out sets (examples/data/), with the policies of config/guard.yaml marked and a suggestion
# for 99% accepted accuracy printed after each. Run from anywhere; needs a release build (made here).
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product rnnguard
bin=.build/release/rnnguard
for model in digits-lstm news-lstm speech-gru; do
    echo "== $model"
    "$bin" report --model "examples/models/$model" --data "examples/data/$model.jsonl" --config config/guard.yaml \
        --out "docs/reports/$model.html" --suggest --target-accuracy 0.99
done
