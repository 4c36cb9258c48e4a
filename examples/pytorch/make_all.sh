#!/usr/bin/env bash
# Re-create every example model folder (examples/models/*) and CLI input (examples/inputs/*),
# then check them with the independent numpy forward pass.
# Needs: pip install -r requirements.txt, and espeak-ng (apt-get install espeak-ng) for the speech model.
set -euo pipefail
cd "$(dirname "$0")"
PY=${PYTHON:-python3}
# the shared reference fixtures (read-only), checked too when they are there
FIXTURES=${FIXTURES:-../../../shared/fixtures}

$PY train_digits.py
$PY train_news.py
$PY train_news_bilstm.py
$PY make_speech.py
$PY train_speech.py
$PY train_speech_bigru.py
$PY make_workloads.py
$PY make_variants.py
$PY test_export.py
$PY check_export.py
if compgen -G "$FIXTURES/*/model.json" > /dev/null; then
  $PY check_export.py "$FIXTURES"/*/
fi
