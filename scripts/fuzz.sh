#!/usr/bin/env bash
# Builds one libFuzzer target of Fuzz/ (a separate package, so the root `swift build` never sees it) with
# libFuzzer and AddressSanitizer, and runs it for SECONDS on a copy of its seed corpus.
#   scripts/fuzz.sh TARGET SECONDS [extra libFuzzer flags...]
#   TARGET: FuzzRequestDecoder FuzzSafeTensors FuzzManifest FuzzPolicy FuzzONNX
# Exits non-zero when the target crashes, times out or runs out of memory; the input that did it is kept
# in Fuzz/findings/TARGET/ (git-ignored). Reproduce with: Fuzz/.build-fuzz/debug/TARGET FILE
# docs/reliability.md ("Fuzzing") has the figures of past runs.
set -euo pipefail
[ $# -ge 2 ] || { echo "usage: $0 TARGET SECONDS [libFuzzer flags...]" >&2; exit 2; }
target=$1 seconds=$2
shift 2
root=$(cd "$(dirname "$0")/.." && pwd)
seeds=$root/Fuzz/Corpus/$target
[ -d "$seeds" ] || { echo "no seed corpus $seeds (unknown target $target?)" >&2; exit 2; }

# Debug build: the sanitizers and Swift's own overflow and bounds checks both stay on (release would not
# trap on an overflow, it would go on with a wrapped value). -parse-as-library: the files have no main.
swift build -c debug --package-path "$root/Fuzz" --scratch-path "$root/Fuzz/.build-fuzz" \
  -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library --product "$target"
binary=$root/Fuzz/.build-fuzz/debug/$target

# libFuzzer adds every new interesting input to its first corpus folder: give it a throw-away copy so
# that the committed seeds stay the few small, readable files they are.
work=$(mktemp -d "${TMPDIR:-/tmp}/fuzz-$target.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/corpus" "$root/Fuzz/findings/$target"
cp "$seeds"/* "$work/corpus/"

# -timeout: one input taking 10 s is a finding (a request must never hold a worker that long).
# -rss_limit_mb / -malloc_limit_mb: the machine is shared, and a 2 GB allocation from a 1 KB input is a
# finding too. Leak detection is off: Swift's runtime caches (metadata, Foundation) look like leaks to LSan.
set +e
ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0} "$binary" -max_total_time="$seconds" -timeout=10 \
  -rss_limit_mb=2048 -malloc_limit_mb=1024 -print_final_stats=1 \
  -artifact_prefix="$root/Fuzz/findings/$target/" "$@" "$work/corpus"
status=$?
set -e
if [ $status -ne 0 ]; then
  echo "fuzz.sh: $target failed (exit $status); input saved in Fuzz/findings/$target/" >&2
  echo "reproduce: $binary Fuzz/findings/$target/<file>" >&2
fi
exit $status
