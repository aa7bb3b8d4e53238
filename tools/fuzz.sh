#!/usr/bin/env bash
# fuzz.sh - run every libFuzzer target in a fuzz build for N seconds each.
#
# Seeds come from tests/data/fuzz/NAME/ (kept in git); new corpus entries go to
# .cache/fuzz/NAME/. A crash leaves crash-* files in .cache/fuzz/artifacts/ and fails the run:
# copy the input into tests/data/fuzz/NAME/ once fixed, so it stays a regression test.
set -euo pipefail
build=${1:-build-fuzz}
seconds=${2:-60}
here=$(cd "$(dirname "$0")/.." && pwd)
status=0
for fuzzer in $(find "$build" -type f -name 'fuzz_*' -perm -u+x ! -name '*_regress' | sort); do
  name=$(basename "$fuzzer"); name=${name#fuzz_}
  work="$here/.cache/fuzz/$name"; artifacts="$here/.cache/fuzz/artifacts/$name/"
  mkdir -p "$work" "$artifacts"
  echo "fuzz: $name for ${seconds}s"
  seeds=()
  [ -d "$here/tests/data/fuzz/$name" ] && seeds+=("$here/tests/data/fuzz/$name")
  if ! "$fuzzer" -max_total_time="$seconds" -artifact_prefix="$artifacts" -print_final_stats=1 \
      -rss_limit_mb=4096 -timeout=10 "$work" "${seeds[@]}" 2>"$here/.cache/fuzz/$name.log"; then
    echo "fuzz: $name FAILED; see .cache/fuzz/$name.log and $artifacts"
    tail -40 "$here/.cache/fuzz/$name.log"
    status=1
  else
    grep -E 'stat::number_of_executed_units|cov:' "$here/.cache/fuzz/$name.log" | tail -2
  fi
done
exit $status
