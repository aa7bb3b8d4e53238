#!/usr/bin/env bash
# run.sh - what `make bench` runs: every Google Benchmark program of the build (bench/<topic>/),
# one after the other on one core, median of REPS repetitions, plus the whole-pipeline
# `sluice score` run over the corpus test split. Results land in <build>/bench-results/
# (one JSON file per program, and a summary on stdout); write the figures that matter up in
# bench/RESULTS.md by hand, with the conditions of the run.
#
# The machine is shared: absolute numbers drift, so compare builds in the same run (run this
# script on two build directories one after the other, or use each program's baseline rows).
# The end-to-end harnesses have their own targets: `make bench-accuracy`, `make bench-mta`,
# and bench/smtp.sh.
#
# Usage: bench/run.sh [BUILD_DIR]   (env: REPS=3, CPU=1 for taskset, FILTER=regex)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-build}
[[ $build = /* ]] || build=$here/$build
reps=${REPS:-3}
cpu=${CPU:-1}
filter=${FILTER:-.}
out=$build/bench-results
mkdir -p "$out"

pin=()
if command -v taskset >/dev/null && taskset -c "$cpu" true 2>/dev/null; then
  pin=(taskset -c "$cpu")
fi

shopt -s nullglob
programs=("$build"/bench/*)
if [ ${#programs[@]} -eq 0 ]; then
  echo "bench/run.sh: no benchmark programs in $build/bench (configure with -DSLUICE_BENCH=ON)" >&2
  exit 1
fi

for program in "${programs[@]}"; do
  [ -x "$program" ] && [ -f "$program" ] || continue
  name=$(basename "$program")
  echo "== $name" >&2
  "${pin[@]}" "$program" --benchmark_filter="$filter" --benchmark_repetitions="$reps" \
    --benchmark_report_aggregates_only=true --benchmark_out="$out/$name.json" \
    --benchmark_out_format=json
done

# Whole pipeline (MIME + rules + Bayes when a model exists) as an admin runs it.
corpus=$here/.cache/corpus
if [ -s "$corpus/test.spam" ] && [ -s "$corpus/test.ham" ]; then
  echo "== sluice score over the test split (one core, $reps runs)" >&2
  files=$(mktemp)
  trap 'rm -f "$files"' EXIT
  cat "$corpus/test.spam" "$corpus/test.ham" >"$files"
  count=$(wc -l <"$files")
  for run in $(seq "$reps"); do
    start=$(date +%s.%N)
    # shellcheck disable=SC2046
    "${pin[@]}" "$build/sluice" score $(cat "$files") >/dev/null
    end=$(date +%s.%N)
    awk -v s="$start" -v e="$end" -v n="$count" -v r="$run" \
      'BEGIN { printf "run %d: %d messages in %.2f s wall = %.0f msgs/s\n", r, n, e - s, n / (e - s) }'
  done
else
  echo "bench/run.sh: no corpus in $corpus (make corpus): skipped the sluice score run" >&2
fi
echo "JSON results: $out" >&2
