#!/usr/bin/env bash
# same_scores.sh - do two sluice builds give every test message the same verdict?
#
#   bench/bayes/same_scores.sh OLD_SLUICE NEW_SLUICE DB_DIR [CONFIG]
#
# Scores the corpus test split (test.spam + test.ham, $CORPUS_DIR or .cache/corpus) with
# `sluice score --json --db DB_DIR` of both binaries (rules + Bayes, CONFIG or the default
# configuration) and compares the output with the per-stage times ("times_us") removed:
# score, action, rule hits, Bayes probability and clues, notes, size, Message-ID and
# Subject. Also compares the TSV output (`sluice score` without --json). Prints the first
# differing lines and exits 1 if anything differs, 0 if all is the same. Speed work on the
# scoring pipeline must leave this at 0.
set -euo pipefail
export LC_ALL=C
if [ $# -lt 3 ]; then
  echo "usage: $0 OLD_SLUICE NEW_SLUICE DB_DIR [CONFIG]" >&2
  exit 2
fi
old=$(realpath "$1")
new=$(realpath "$2")
db=$3
config=()
[ $# -ge 4 ] && config=(--config "$4")
here=$(cd "$(dirname "$0")/../.." && pwd)
corpus=${CORPUS_DIR:-$here/.cache/corpus}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cat "$corpus/test.spam" "$corpus/test.ham" >"$work/list"
echo "same_scores: $(wc -l <"$work/list") messages" >&2
status=0
for build in old new; do
  bin=${!build}
  "$bin" "${config[@]}" score --json --db "$db" "@$work/list" |
    sed 's/,\{0,1\}"times_us":{[^}]*}//' >"$work/$build.json"
  "$bin" "${config[@]}" score --db "$db" "@$work/list" >"$work/$build.tsv"
done
for kind in json tsv; do
  if ! cmp -s "$work/old.$kind" "$work/new.$kind"; then
    echo "same_scores: $kind output differs:" >&2
    diff "$work/old.$kind" "$work/new.$kind" | head -20 | cut -c1-300 >&2
    status=1
  else
    echo "same_scores: $kind: $(wc -l <"$work/new.$kind") lines identical" >&2
  fi
done
exit $status
