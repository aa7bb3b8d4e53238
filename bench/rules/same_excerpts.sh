#!/bin/sh
# same_excerpts.sh - do two builds give the same hits, counts, targets and excerpts?
#
#   bench/rules/same_excerpts.sh BASE_HITS_DUMP BASE_RULES NEW_HITS_DUMP NEW_RULES [LIST...]
#
# Runs each build's hits_dump (bench/rules/hits_dump.cc; for an older commit, build it there
# from this file's copy) over the same messages (default: the corpus train and test splits)
# and compares the outputs byte for byte: every Scan and ScanAll hit with its id, count,
# target and excerpt, in the order the engine returns them. Exit 0 when identical.
set -eu
if [ $# -lt 4 ]; then
  echo "usage: $0 BASE_HITS_DUMP BASE_RULES NEW_HITS_DUMP NEW_RULES [LIST...]" >&2
  exit 2
fi
here=$(cd "$(dirname "$0")/../.." && pwd)
base=$1 base_rules=$2 new=$3 new_rules=$4
shift 4
if [ $# -eq 0 ]; then
  c=$here/.cache/corpus
  set -- "$c/train.spam" "$c/train.ham" "$c/test.spam" "$c/test.ham"
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$base" "$base_rules" "$@" > "$work/base.txt"
"$new" "$new_rules" "$@" > "$work/new.txt"
if cmp -s "$work/base.txt" "$work/new.txt"; then
  echo "same hits, counts, targets and excerpts ($(wc -l < "$work/base.txt") lines)"
  exit 0
fi
echo "hits differ (- base, + new):"
diff "$work/base.txt" "$work/new.txt" | head -40
exit 1
