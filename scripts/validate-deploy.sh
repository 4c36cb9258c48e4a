#!/usr/bin/env bash
# Validates the deployment files without a container engine (none runs on the development machines):
# the Kubernetes manifests against the API schemas (kubernetes-validate, from PyPI), and the policy the
# ConfigMap holds with `rnnguard serve --check-config` (its model paths pointed at examples/models), alone
# and with the workers' `--connect` of proxy.yaml.
# Usage: scripts/validate-deploy.sh [RNNGUARD_BINARY]
set -euo pipefail
cd "$(dirname "$0")/.."
binary="${1:-.build/debug/rnnguard}"
command -v kubernetes-validate >/dev/null || python3 -m pip install -q kubernetes-validate
kubernetes-validate --strict deploy/kubernetes/*.yaml
policy="$(mktemp)"
trap 'rm -f "$policy"' EXIT
python3 - "$policy" <<'PY'
import sys, yaml
docs = [d for d in yaml.safe_load_all(open("deploy/kubernetes/policy.yaml")) if d]
text = docs[0]["data"]["guard.yaml"].replace("/opt/rnnguard/models/", "examples/models/")
open(sys.argv[1], "w").write(text)
PY
"$binary" serve --config "$policy" --check-config
# The same policy as proxy.yaml's workers run it: behind the proxy (connect cannot be combined with curve).
"$binary" serve --config "$policy" --connect tcp://rnnguard-proxy-backend:5556 --check-config
