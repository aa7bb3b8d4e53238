#!/bin/sh
# same_hits.sh - do two sluice builds (and their rule trees) give the same rule hits?
#
#   bench/rules/same_hits.sh BASE_SLUICE BASE_RULES NEW_SLUICE NEW_RULES [SPAM_LIST HAM_LIST]
#
# Runs `sluice rules stats --hits-out` (ScanAll: every rule, helpers and meta rules
# included) with each build over the same messages (default: the corpus training split),
# then compares, message by message, the set of rules that hit, and prints per-rule hit
# counts that differ. Exit 0 when every message has the same hits, 1 otherwise.
set -eu
if [ $# -lt 4 ]; then
  echo "usage: $0 BASE_SLUICE BASE_RULES NEW_SLUICE NEW_RULES [SPAM_LIST HAM_LIST]" >&2
  exit 2
fi
here=$(cd "$(dirname "$0")/../.." && pwd)
spam=${5:-$here/.cache/corpus/train.spam}
ham=${6:-$here/.cache/corpus/train.ham}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

"$1" rules stats --rules "$2" --spam "$spam" --ham "$ham" --hits-out "$work/base.tsv" \
  > "$work/base.out"
"$3" rules stats --rules "$4" --spam "$spam" --ham "$ham" --hits-out "$work/new.tsv" \
  > "$work/new.out"

# One line per message: label, path, sorted rule ids (hit order may differ).
normalise() {
  awk -F'\t' '{ n = split($3, ids, " "); out = "";
                for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++)
                  if (ids[j] < ids[i]) { t = ids[i]; ids[i] = ids[j]; ids[j] = t }
                for (i = 1; i <= n; i++) out = out " " ids[i];
                print $1 "\t" $2 "\t" out }' "$1"
}
normalise "$work/base.tsv" > "$work/base.sorted"
normalise "$work/new.tsv" > "$work/new.sorted"
messages=$(wc -l < "$work/base.sorted")
# Per-rule hit counts (messages hit, spam and ham), to show what moved.
counts() { awk -F'\t' '{ n = split($3, ids, " "); for (i = 1; i <= n; i++) c[$1 " " ids[i]]++ }
                      END { for (k in c) print k, c[k] }' "$1" | sort; }
counts "$work/base.sorted" > "$work/base.counts"
counts "$work/new.sorted" > "$work/new.counts"
if cmp -s "$work/base.sorted" "$work/new.sorted"; then
  echo "same hits on all $messages messages ($(wc -l < "$work/base.counts") label/rule pairs)"
  exit 0
fi
echo "hits differ:"
diff "$work/base.counts" "$work/new.counts" || true
diff "$work/base.sorted" "$work/new.sorted" | head -40
exit 1
