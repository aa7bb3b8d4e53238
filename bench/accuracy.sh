#!/usr/bin/env bash
# accuracy.sh BUILD_DIR - the accuracy benchmark of issue 4 (`make bench-accuracy`).
#
# Trains a fresh sluice model on the training split, scores the test split (rules + Bayes,
# default config and thresholds), and prints FP% and FN% at the default spam threshold,
# (1-AUC)% (ties count half) and spam recall at FP <= 0.1/0.5/1%. In the same run it
# trains bogofilter (its defaults: -C, a fresh wordlist) on the same split and prints its
# row beside ours (unsure counted as ham at its default cutoffs; ranked by spamicity).
# Also prints sluice's Bayes alone (ranked by the Bayes probability) and rules alone.
# Nothing here tunes anything: the split is fixed (DEVELOPERS.md), test is for reporting.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$here/build}" && pwd)
sluice=$build/sluice
corpus=${CORPUS_DIR:-$here/.cache/corpus}
"$here/tools/fetch-corpus.sh"
for list in train.spam train.ham test.spam test.ham; do
  [ -s "$corpus/$list" ] || { echo "accuracy.sh: missing $corpus/$list" >&2; exit 1; }
done
work=$(mktemp -d /tmp/sluice-accuracy.XXXXXX)
trap 'rm -rf "$work"' EXIT
config="$work/sluice.yaml"
# The shipped default configuration, with the token DB moved to the scratch directory.
sed "s#db: \${STATE}/bayes#db: $work/db#; s#score_log: .*#score_log: \"\"#; s#rules_cache: .*#rules_cache: $work/cache#" \
  "$here/packaging/sluice.yaml" | sed "s#\${SHARE}#$here#g" >"$config"
threshold=$(awk '/^  actions:/{a=1;next} a&&/^    [a-z_]+:/{print $2; exit}' "$config")

echo "== sluice: training on $(wc -l <"$corpus/train.spam") spam, $(wc -l <"$corpus/train.ham") ham"
"$sluice" --config "$config" train -q --spam "@$corpus/train.spam" --ham "@$corpus/train.ham"

echo "== sluice: scoring $(wc -l <"$corpus/test.spam") spam, $(wc -l <"$corpus/test.ham") ham"
# One JSON object per message; keys are sorted, so the top-level score is the one before
# "size" and the Bayes probability is in "bayes":{...}.
score_json() { # label list
  "$sluice" --config "$config" score --json "@$2" |
    sed -n 's/.*"probability":\([^,}]*\).*,"score":\([^,]*\),"size".*/'"$1"'\t\2\t\1/p'
}
{ score_json spam "$corpus/test.spam"; score_json ham "$corpus/test.ham"; } >"$work/sluice.tsv"
scored=$(wc -l <"$work/sluice.tsv")
expected=$(cat "$corpus/test.spam" "$corpus/test.ham" | wc -l)
if [ "$scored" -ne "$expected" ]; then
  echo "accuracy.sh: scored $scored of $expected messages" >&2
  exit 1
fi
cut -f1,2 "$work/sluice.tsv" >"$work/sluice.scores"
cut -f1,3 "$work/sluice.tsv" >"$work/bayes.scores"
{ "$sluice" --config "$config" score --no-bayes "@$corpus/test.spam" | awk -F'\t' '{print "spam\t" $2}'
  "$sluice" --config "$config" score --no-bayes "@$corpus/test.ham" | awk -F'\t' '{print "ham\t" $2}'
} >"$work/rules.scores"

bogo_row=""
if command -v bogofilter >/dev/null; then
  echo "== bogofilter $(bogofilter -V 2>&1 | head -1 | awk '{print $3}'): training, then scoring (bulk -b)"
  mkdir -p "$work/bogo"
  while read -r f; do bogofilter -C -d "$work/bogo" -s <"$f"; done <"$corpus/train.spam"
  while read -r f; do bogofilter -C -d "$work/bogo" -n <"$f"; done <"$corpus/train.ham"
  # -v -b: "file X-Bogosity: Spam|Ham|Unsure, ..., spamicity=P, ..." per message; its exit
  # code is the last message's class, so it is not an error here.
  bogo_classify() { # label list
    { bogofilter -C -d "$work/bogo" -v -b --spamicity-formats='%0.12e, %0.12e, %0.12e' \
        <"$2" || true; } |
      sed -n 's/.*X-Bogosity: \([A-Za-z]*\),.*spamicity=\([^,]*\),.*/'"$1"'\t\2\t\1/p'
  }
  { bogo_classify spam "$corpus/test.spam"; bogo_classify ham "$corpus/test.ham"; } >"$work/bogo.tsv"
  cut -f1,2 "$work/bogo.tsv" >"$work/bogo.scores"
  # At its default cutoffs: S is spam, H and U (unsure) are not.
  awk -F'\t' '{print $1 "\t" ($3 == "Spam" ? 1 : 0)}' "$work/bogo.tsv" >"$work/bogo.default"
  bogo_fpfn=$("$sluice" bayes metrics --threshold 1 "$work/bogo.default" |
    sed 's/.*FP% *\([0-9.]*\) *FN% *\([0-9.]*\).*/\1 \2/')
  bogo_row=$("$sluice" bayes metrics --threshold 0.99 "$work/bogo.scores")
else
  echo "(bogofilter not installed: no peer row)"
fi

metric_row() { # name metrics-line [fp fn override]
  echo "$2" | awk -v name="$1" -v over="${3:-}" '{
    for (i = 1; i <= NF; i++) {
      if ($i == "FP%") fp = $(i+1); if ($i == "FN%") fn = $(i+1);
      if ($i == "(1-AUC)%") auc = $(i+1); if ($i == "recall@FP<=0.1%") r1 = $(i+1);
      if ($i == "@0.5%") r5 = $(i+1); if ($i == "@1%") r10 = $(i+1);
    }
    if (over != "") { split(over, o, " "); fp = o[1]; fn = o[2]; }
    printf "| %-34s | %6.2f | %6.2f | %8.3f | %6.1f | %6.1f | %6.1f |\n", name, fp, fn, auc, r1, r5, r10
  }'
}
echo
echo "Test split: $(grep -c '^spam' "$work/sluice.scores") spam, $(grep -c '^ham' "$work/sluice.scores") ham." \
  "sluice threshold $threshold (first non-accept action)."
echo
echo "| system | FP% | FN% | (1-AUC)% | recall @FP<=0.1% | @0.5% | @1% |"
echo "|---|---|---|---|---|---|---|"
metric_row "sluice (rules + Bayes)" "$("$sluice" bayes metrics --threshold "$threshold" "$work/sluice.scores")"
metric_row "sluice Bayes alone (p >= 0.5)" "$("$sluice" bayes metrics --threshold 0.5 "$work/bayes.scores")"
metric_row "sluice rules alone" "$("$sluice" bayes metrics --threshold "$threshold" "$work/rules.scores")"
if [ -n "$bogo_row" ]; then
  metric_row "bogofilter (defaults, unsure = ham)" "$bogo_row" "$bogo_fpfn"
fi
