#!/usr/bin/env python3
"""list_rules_grid.py - refit the mailing-list rules beside the Bayes score (training split).

fit.py fits the rule scores alone; the verdict adds them to 12 (2p - 1), and the Bayes
score already knows a mailing list's headers. This searches a grid of scores for the list
rules with each message's out-of-fold Bayes probability as a fixed offset, on both training
estimates, and prints the settings that keep the training ham at the spam threshold as it
is (the FP constraint), best 5-fold (1-AUC) first. rules/scores_with_bayes.yaml holds the
chosen row.

Inputs (training split only, see models/README.md):
  FOLDS_DUMP    sluice bayes cv --spam @train.spam --ham @train.ham --dump FILE
  HOLDOUT_DUMP  the same with --holdout-last 0.4
  RULES_JSON    sluice score --no-bayes --json @train.list (rule hits per message)
Make RULES_JSON with the rule set being refitted, i.e. a copy of rules/sluice.yaml without
its scores_with_bayes.yaml include (a configuration whose scoring.rules names the copy):
otherwise the refitted scores are read as the current ones.
"""
import json
import sys

RULES = ['HAS_LIST_UNSUBSCRIBE', 'X_MAILING_LIST_PROGRAM', 'PRECEDENCE_BULK']
GRID = [
    [-0.82, -0.6, -0.5, -0.4, -0.3, -0.2, -0.1, 0.01],
    [-0.28, -0.21, -0.14, -0.07, 0.01],
    [-0.24, -0.18, -0.12, -0.06, 0.01],
]
WEIGHT, THRESHOLD = 12.0, 5.0


def load_dump(path):
    rows = []
    with open(path) as f:
        next(f)
        for line in f:
            name, spam, probability = line.rstrip('\n').split('\t')[:3]
            rows.append((name, spam == '1', float(probability)))
    return rows


def one_minus_auc(scored):
    """(1-AUC)% by the rank sum; ties count half."""
    scored = sorted(scored)
    spam = sum(1 for _, s in scored if s)
    ham = len(scored) - spam
    rank_sum, i = 0.0, 0
    while i < len(scored):
        j = i
        while j < len(scored) and scored[j][0] == scored[i][0]:
            j += 1
        rank_sum += (i + 1 + j) / 2.0 * sum(1 for t in range(i, j) if scored[t][1])
        i = j
    return 100 * (1 - (rank_sum - spam * (spam + 1) / 2.0) / (spam * ham))


def evaluate(rows, hits, scores):
    scored = [(sum(scores.get(r, v) for r, v in hits[n].items()) + WEIGHT * (2 * p - 1), s)
              for n, s, p in rows]
    ham = [x for x, s in scored if not s]
    spam = [x for x, s in scored if s]
    fp = 100.0 * sum(1 for x in ham if x >= THRESHOLD) / len(ham)
    fn = 100.0 * sum(1 for x in spam if x < THRESHOLD) / len(spam)
    return one_minus_auc(scored), fp, fn


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    folds, holdout = load_dump(sys.argv[1]), load_dump(sys.argv[2])
    hits = {}
    with open(sys.argv[3]) as f:
        for line in f:
            message = json.loads(line)
            hits[message['path']] = {r['id']: r['score'] for r in message['rules']}
    now_f, now_h = evaluate(folds, hits, {}), evaluate(holdout, hits, {})
    print('current: 5-fold (1-AUC)%% %.4f FP%% %.3f FN%% %.2f | hold-out %.4f %.3f %.2f'
          % (now_f + now_h))
    kept = []
    for a in GRID[0]:
        for b in GRID[1]:
            for c in GRID[2]:
                scores = dict(zip(RULES, (a, b, c)))
                f, h = evaluate(folds, hits, scores), evaluate(holdout, hits, scores)
                if f[1] <= now_f[1] + 1e-9 and h[1] <= now_h[1] + 1e-9:
                    kept.append((f, h, (a, b, c)))
    kept.sort()
    for f, h, values in kept[:10]:
        print(' '.join('%s=%g' % rv for rv in zip(RULES, values)),
              '| 5-fold %.4f %.3f %.2f | hold-out %.4f %.3f %.2f' % (f + h))


if __name__ == '__main__':
    main()
