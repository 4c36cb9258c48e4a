#!/usr/bin/env bash
# The short fuzz run of CI: every libFuzzer target for FUZZ_SECONDS (default 10) on its seed corpus,
# about a minute in all once built. A crash, timeout or OOM fails the run (scripts/fuzz.sh keeps the input).
# The long runs behind docs/reliability.md use scripts/fuzz.sh directly.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
seconds=${FUZZ_SECONDS:-10}
failed=()
for target in FuzzRequestDecoder FuzzSafeTensors FuzzManifest FuzzPolicy FuzzONNX; do
  echo "== $target ($seconds s)"
  "$root/scripts/fuzz.sh" "$target" "$seconds" || failed+=("$target")
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz-ci: findings in ${failed[*]} (inputs in Fuzz/findings/)" >&2
  exit 1
fi
echo "fuzz-ci: no findings"
