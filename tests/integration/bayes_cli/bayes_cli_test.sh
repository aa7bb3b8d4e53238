#!/usr/bin/env bash
# bayes_cli_test.sh SLUICE - the Bayes commands as an admin uses them.
# Synthetic mail (spam and ham with distinct vocabularies) in a scratch directory; checks
# exit codes, output formats, relearn detection, --forget, Maildir/mbox input, a missing
# model (rules alone, said so), and a trainer writing while other processes score.
set -euo pipefail
sluice=$1
work=$(mktemp -d /tmp/sluice-bayes-cli.XXXXXX)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

# A config of our own: the shipped defaults with one small rule file (compiles in
# milliseconds; the rules are not under test here), token DB and caches in the scratch
# directory.
cat >"$work/rules.yaml" <<'RULES'
rules:
  - id: SAYS_WINNER
    description: the word winner
    target: body
    words: ['winner']
    score: 1.0
RULES
sed -e "s#- \${SHARE}/rules/sluice.yaml#- $work/rules.yaml#" -e "s#\${STATE}#$work/state#g" \
  -e 's#score_log: .*#score_log: ""#' "$SLUICE_SOURCE_DIR/packaging/sluice.yaml" >"$work/sluice.yaml"
grep -q "$work/rules.yaml" "$work/sluice.yaml" || fail "could not point the config at the test rules"
s() { "$sluice" --config "$work/sluice.yaml" "$@"; }

mail() { # kind n
  if [ "$1" = spam ]; then
    printf 'From: deals%d@bargain.example\nTo: you@example.org\nSubject: cheap pills %d\nMessage-ID: <s%d@bargain.example>\n\nbuy cheap pills discount pharmacy offer winner %d\n' "$2" "$2" "$2" "$2"
  else
    printf 'From: colleague%d@work.example\nTo: you@example.org\nSubject: meeting agenda %d\nMessage-ID: <h%d@work.example>\n\nthe quarterly report draft and the meeting agenda %d\n' "$2" "$2" "$2" "$2"
  fi
}
mkdir -p "$work/spam" "$work/ham/cur" "$work/ham/new" "$work/ham/tmp"
for i in $(seq 1 30); do mail spam "$i" >"$work/spam/$i.eml"; mail ham "$i" >"$work/ham/cur/$i:2,S"; done
# An mbox of more ham.
for i in $(seq 31 40); do printf 'From colleague@work.example Mon Jan  1 00:00:00 2024\n'; mail ham "$i"; echo; done >"$work/ham.mbox"

# 1. No model yet: scored on rules alone, and the output says so.
mail spam 999 >"$work/probe-spam.eml"
mail ham 999 >"$work/probe-ham.eml"
s score --json "$work/probe-spam.eml" 2>"$work/err" >"$work/out" || fail "score without model"
grep -q '"available":false' "$work/out" || fail "no-model JSON must say bayes is unavailable"
grep -q 'bayes unavailable' "$work/out" || fail "no-model JSON must carry the note"
grep -q 'bayes unavailable' "$work/err" || fail "no-model score must warn on stderr"

# 1b. A --db that is no token DB: expire says so and creates nothing; a regular file is
# "not a directory" for every command (not "no token DB", not "cannot create").
set +e
s bayes expire --db "$work/nodb" >"$work/out" 2>"$work/err"
code=$?
set -e
[ "$code" -ne 0 ] || fail "expire of a missing DB must fail: $(cat "$work/out")"
[ ! -e "$work/nodb" ] || fail "expire created $work/nodb"
grep -q "no token DB at $work/nodb" "$work/err" || fail "expire, missing DB: $(cat "$work/err")"
echo "not a store" >"$work/afile"
for cmd in "bayes stats" "bayes dump pills" "bayes expire" "train --spam $work/spam"; do
  set +e
  # shellcheck disable=SC2086
  s $cmd --db "$work/afile" >/dev/null 2>"$work/err"
  code=$?
  set -e
  [ "$code" -ne 0 ] || fail "$cmd --db FILE must fail"
  grep -q "$work/afile is not a directory" "$work/err" || fail "$cmd --db FILE: $(cat "$work/err")"
done
s score --db "$work/afile" "$work/probe-ham.eml" >/dev/null 2>"$work/err" || true
grep -q "$work/afile is not a directory" "$work/err" || fail "score --db FILE: $(cat "$work/err")"
grep -q "no token DB" "$work/err" && fail "score --db FILE is not a missing DB: $(cat "$work/err")"
[ "$(cat "$work/afile")" = "not a store" ] || fail "the file given as --db was changed"

# 2. Train: Maildir, directory, mbox; a missing path is reported, the rest is learned.
set +e
s train -q --spam "$work/spam" --ham "$work/ham" "$work/ham.mbox" "$work/nope" >"$work/out" 2>"$work/err"
code=$?
set -e
[ "$code" -eq 1 ] || fail "train with an unreadable path must exit 1, got $code"
grep -q "skipped $work/nope" "$work/err" || fail "unreadable path not reported"
grep -q "70 learned" "$work/out" || fail "expected 70 learned: $(cat "$work/out")"
grep -q "30 spam and 40 ham" "$work/out" || fail "totals: $(cat "$work/out")"

# 3. Relearning is detected; moving a message to the other class works; --forget undoes.
s train -q --spam "$work/spam" >"$work/out"
grep -q "30 already learned" "$work/out" || fail "relearn not detected: $(cat "$work/out")"
s train -q --ham "$work/spam/1.eml" >"$work/out"
grep -q "1 relearned" "$work/out" || fail "class move: $(cat "$work/out")"
grep -q "29 spam and 41 ham" "$work/out" || fail "after move: $(cat "$work/out")"
s train -q --forget --ham "$work/spam/1.eml" >"$work/out"
grep -q "1 forgotten" "$work/out" || fail "forget: $(cat "$work/out")"
grep -q "29 spam and 40 ham" "$work/out" || fail "after forget: $(cat "$work/out")"

# 4. Score: TSV and JSON; spam high, ham low; stats and dump.
s score "$work/probe-spam.eml" "$work/probe-ham.eml" >"$work/out"
[ "$(wc -l <"$work/out")" -eq 2 ] || fail "one line per message"
spam_score=$(awk -F'\t' 'NR==1{print $2}' "$work/out")
ham_score=$(awk -F'\t' 'NR==2{print $2}' "$work/out")
awk -v a="$spam_score" -v b="$ham_score" 'BEGIN{exit !(a > 5 && b < 0)}' ||
  fail "spam $spam_score should score > 5, ham $ham_score < 0"
awk -F'\t' 'NR==1 && $3 != "accept" {ok=1} END{exit !ok}' "$work/out" || fail "spam action"
s score --json "$work/probe-spam.eml" >"$work/out"
grep -q '"available":true' "$work/out" || fail "bayes should be available"
grep -q '"tokens":\[\["' "$work/out" || fail "JSON must list the strongest tokens"
grep -q '"times_us":{"bayes":' "$work/out" || fail "JSON must carry stage times"
s bayes stats >"$work/out"
grep -q "spam messages: 29" "$work/out" || fail "stats: $(cat "$work/out")"
s bayes dump pills s:cheap nosuchtoken >"$work/out"
awk -F'\t' '$1=="pills" && $2==29 && $3==0 {ok=1} END{exit !ok}' "$work/out" || fail "dump: $(cat "$work/out")"

# 5. A trainer writing while other processes score and read; a second trainer is refused.
# 3000 more ham in one mbox (awk: quick to write, a few seconds to learn).
awk 'BEGIN { for (i = 100; i < 3100; i++) {
  printf "From colleague@work.example Mon Jan  1 00:00:00 2024\n"
  printf "From: colleague%d@work.example\nSubject: meeting agenda %d\n\n", i, i
  printf "the quarterly report draft and the meeting agenda %d item%d\n\n", i, i % 97 } }' \
  >"$work/more.mbox"
# The trainer reads a FIFO, so it holds the store's lock until we feed it: everything
# below runs while a trainer is live, deterministically.
mkfifo "$work/feed"
s train -q --ham "$work/feed" >"$work/train-bg.out" 2>&1 &
trainer=$!
for _ in $(seq 1 100); do [ -e "$work/state/bayes/LOCK" ] && break; sleep 0.05; done
sleep 0.2
set +e
s train -q --spam "$work/probe-spam.eml" >"$work/out" 2>"$work/err"
code=$?
set -e
[ "$code" -eq 2 ] || fail "a second trainer must be refused with exit 2, got $code"
grep -q "locked" "$work/err" || fail "the refusal must say locked: $(cat "$work/err")"
s score "$work/probe-spam.eml" >"$work/out" 2>"$work/err" || fail "score next to a trainer"
! grep -q "unavailable" "$work/err" || fail "model unavailable next to a trainer: $(cat "$work/err")"
s bayes stats >/dev/null || fail "stats next to a trainer"
cat "$work/more.mbox" >"$work/feed" &
rounds=0
while kill -0 "$trainer" 2>/dev/null; do
  s score "$work/probe-ham.eml" >"$work/out" 2>"$work/err" || fail "score during training"
  ! grep -q "unavailable" "$work/err" || fail "model unavailable during training: $(cat "$work/err")"
  rounds=$((rounds + 1))
done
wait "$trainer" || fail "background trainer failed: $(cat "$work/train-bg.out")"
s bayes stats | grep -q "ham messages:  3040" || fail "after background training: $(s bayes stats)"
# cv --dump: one line per scored message with its label, probability and rule score; the
# synthetic classes are disjoint, so every spam line must be spammy and every ham hammy.
s bayes cv --spam "$work/spam" --ham "$work/ham" --folds 3 --dump "$work/cv.tsv" >/dev/null ||
  fail "bayes cv --dump"
head -1 "$work/cv.tsv" | grep -q "^name.spam.probability" || fail "cv dump header: $(head -1 "$work/cv.tsv")"
[ "$(wc -l <"$work/cv.tsv")" -eq 61 ] || fail "cv dump must have 60 messages: $(wc -l <"$work/cv.tsv")"
awk -F'\t' 'NR > 1 && (($2 == 1) != ($3 > 0.5)) { bad++ } END { exit bad > 0 }' "$work/cv.tsv" ||
  fail "cv dump: a message on the wrong side: $(cat "$work/cv.tsv")"
awk -F'\t' 'NR > 1 && $2 == 1 && $8 != 1 { bad++ } END { exit bad > 0 }' "$work/cv.tsv" ||
  fail "cv dump: spam rule score must be the SAYS_WINNER score 1: $(cat "$work/cv.tsv")"
# cv folds are stratified: 5 spam among 25 ham, dealt by position into 3 folds, would all
# land in fold 0 (the classes interleave 1:5); dealt per class they reach every fold.
mkdir -p "$work/few-spam" "$work/many-ham"
for i in $(seq 1 5); do cp "$work/spam/$i.eml" "$work/few-spam/"; done
for i in $(seq 1 25); do cp "$work/ham/cur/$i:2,S" "$work/many-ham/$i.eml"; done
s bayes cv --spam "$work/few-spam" --ham "$work/many-ham" --folds 3 --dump "$work/strat.tsv" \
  >/dev/null || fail "bayes cv (stratified folds)"
head -1 "$work/strat.tsv" | grep -q "	fold$" || fail "cv dump: no fold column: $(head -1 "$work/strat.tsv")"
spam_folds=$(awk -F'\t' 'NR > 1 && $2 == 1 { print $NF }' "$work/strat.tsv" | sort -u | tr '\n' ' ')
[ "$spam_folds" = "0 1 2 " ] || fail "cv: spam must reach every fold, got folds: $spam_folds"
ham_per_fold=$(awk -F'\t' 'NR > 1 && $2 == 0 { n[$NF]++ } END { for (f in n) print n[f] }' \
  "$work/strat.tsv" | sort -n | tr '\n' ' ')
[ "$ham_per_fold" = "8 8 9 " ] || fail "cv: ham must be dealt evenly, got: $ham_per_fold"
# cv --learner both: the logistic experiment's margin beside each message, on the right side
# of 0 for these disjoint classes; --score-spam/--score-ham score only those, learning the rest.
s bayes cv --spam "$work/spam" --ham "$work/ham" --folds 3 --learner both --features both \
  --epochs 5 --dump "$work/lr.tsv" >"$work/lr.out" || fail "bayes cv --learner both"
grep -q "^logistic both" "$work/lr.out" || fail "cv logistic line: $(cat "$work/lr.out")"
head -1 "$work/lr.tsv" | grep -q "rules.logistic_margin.fold$" || fail "lr dump header: $(head -1 "$work/lr.tsv")"
awk -F'\t' 'NR > 1 && (($2 == 1) != ($9 > 0)) { bad++ } END { exit bad > 0 }' "$work/lr.tsv" ||
  fail "lr dump: a message on the wrong side: $(cat "$work/lr.tsv")"
mkdir -p "$work/new-spam" "$work/new-ham"
for i in 91 92; do mail spam "$i" >"$work/new-spam/$i.eml"; mail ham "$i" >"$work/new-ham/$i.eml"; done
s bayes cv --spam "$work/spam" --ham "$work/ham" --learner logistic --score-spam "$work/new-spam" \
  --score-ham "$work/new-ham" --dump "$work/new.tsv" >"$work/new.out" || fail "bayes cv --score-spam"
[ "$(wc -l <"$work/new.tsv")" -eq 5 ] || fail "--score-*: only the 4 new messages: $(cat "$work/new.tsv")"
grep -q "spam     2 ham     2" "$work/new.out" || fail "--score-* counts: $(cat "$work/new.out")"
# --holdout-last F scores the last F of each directory, --holdout-first 1 the first F instead.
s bayes cv --spam "$work/spam" --ham "$work/ham" --holdout-last 0.4 --dump "$work/last.tsv" >/dev/null ||
  fail "bayes cv --holdout-last"
s bayes cv --spam "$work/spam" --ham "$work/ham" --holdout-last 0.4 --holdout-first 1 \
  --dump "$work/first.tsv" >/dev/null || fail "bayes cv --holdout-first"
[ "$(wc -l <"$work/first.tsv")" -eq "$(wc -l <"$work/last.tsv")" ] || fail "hold-out sizes differ"
first=$(ls "$work/spam" | sort | head -1)
grep -q "/spam/$first	" "$work/first.tsv" || fail "--holdout-first must score $first: $(cut -f1 "$work/first.tsv")"
! grep -q "/spam/$first	" "$work/last.tsv" || fail "--holdout-last must not score $first"
# --features selected --logistic-drop: the logistic learner does not see the dropped tokens.
# Here only the subject tells the classes apart, so without "s:" it cannot rank at all.
mkdir -p "$work/subj-spam" "$work/subj-ham"
for i in $(seq 1 20); do
  printf 'From: a@same.example\nSubject: cheap pills\n\nhello there\n' >"$work/subj-spam/$i.eml"
  printf 'From: a@same.example\nSubject: meeting agenda\n\nhello there\n' >"$work/subj-ham/$i.eml"
done
s bayes cv --spam "$work/subj-spam" --ham "$work/subj-ham" --learner logistic --epochs 5 \
  --features selected --logistic-drop sender,hn: >"$work/sel.out" || fail "cv --features selected"
grep -q "^logistic selected.*(1-AUC)%  *0.0000" "$work/sel.out" ||
  fail "the subject alone must rank: $(cat "$work/sel.out")"
s bayes cv --spam "$work/subj-spam" --ham "$work/subj-ham" --learner logistic --epochs 5 \
  --features selected --logistic-drop s: >"$work/sel.out" || fail "cv --logistic-drop s:"
grep -q "^logistic selected.*(1-AUC)%  *50.0000" "$work/sel.out" ||
  fail "without the subject nothing must rank: $(cat "$work/sel.out")"
set +e
s bayes cv --spam "$work/subj-spam" --ham "$work/subj-ham" --learner logistic \
  --features selected --logistic-drop nonsense >"$work/out" 2>"$work/err"
code=$?
set -e
[ "$code" -eq 2 ] && grep -q "neither a family nor a tag" "$work/err" ||
  fail "--logistic-drop nonsense must be refused with exit 2: $code $(cat "$work/err")"
# --shapes digits: here the classes differ only in how a number is written (every number
# different), so the words cannot rank and the digit shapes can.
mkdir -p "$work/num-spam" "$work/num-ham"
for i in $(seq 1 20); do
  printf 'From: a@same.example\nSubject: hi\n\ncall 555-%04d now\n' "$i" >"$work/num-spam/$i.eml"
  printf 'From: a@same.example\nSubject: hi\n\ncall %d now\n' "$((70000 + i))" >"$work/num-ham/$i.eml"
done
s bayes cv --spam "$work/num-spam" --ham "$work/num-ham" >"$work/num.out" || fail "cv numbers"
grep -q "sh=0 .*(1-AUC)%  *50.0000" "$work/num.out" ||
  fail "without shapes the numbers must not rank: $(cat "$work/num.out")"
s bayes cv --spam "$work/num-spam" --ham "$work/num-ham" --shapes digits >"$work/num.out" ||
  fail "cv --shapes digits"
grep -q "sh=1 .*(1-AUC)%  *0.0000" "$work/num.out" ||
  fail "the digit shapes must rank: $(cat "$work/num.out")"
set +e
s bayes cv --spam "$work/num-spam" --ham "$work/num-ham" --shapes nonsense >"$work/out" 2>"$work/err"
code=$?
set -e
[ "$code" -eq 2 ] && grep -q "unknown shape family" "$work/err" ||
  fail "--shapes nonsense must be refused with exit 2: $code $(cat "$work/err")"
echo "bayes_cli: ok ($rounds scoring rounds during training)"
