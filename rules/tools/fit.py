#!/usr/bin/env python3
"""fit.py - fits the shipped rule scores on the training split (standard library only).

Input: the hits file written by
    sluice rules stats --rules rules/sluice.yaml --spam .cache/corpus/train.spam \
        --ham .cache/corpus/train.ham --hits-out hits.tsv
(one line per message: label TAB path TAB rule ids). Output: rules/scores.yaml, a
`scores:` override map that rules/sluice.yaml includes last.

Method (rules/TUNING.md has the why):
 1. L2-regularised logistic regression, batch gradient descent, features = rules that
    fired (0/1). Helper rules ("__") have no score and are left out.
 2. Weights become scores by one common factor c, clipped to [MIN_SCORE, MAX_SCORE];
    c is the largest on a grid for which no training ham reaches the reject-free
    add_header threshold (5) with rules alone, maximising spam caught at 5.
 3. Rules with fewer than MIN_HITS hits in training keep their hand-set score (capped at
    HAND_CAP): the corpus cannot tell us about them (e.g. the Russian rules).
"""
import math
import re
import sys

MIN_HITS = 5
HAND_CAP = 1.5
MIN_SCORE, MAX_SCORE = -3.0, 3.5
L2 = 0.02
THRESHOLD = 5.0
FIXED = {'GTUBE'}  # never refitted


def read_hits(path):
    rows = []
    with open(path, encoding='utf-8') as f:
        for line in f:
            parts = line.rstrip('\n').split('\t')
            if len(parts) < 3:
                continue
            ids = [i for i in parts[2].split() if not i.startswith('__')]
            rows.append((1 if parts[0] == 'spam' else 0, ids))
    return rows


def hand_scores(files):
    """id -> score as written in the rule files (the last definition wins)."""
    scores = {}
    for name in files:
        current = None
        with open(name, encoding='utf-8') as f:
            for line in f:
                m = re.match(r'\s*- id: (\w+)', line)
                if m:
                    current = m.group(1)
                m = re.match(r'\s+score: (-?[\d.]+)', line)
                if m and current:
                    scores[current] = float(m.group(1))
    return scores


def fit(rows, features, iterations=600, rate=0.5):
    index = {f: i for i, f in enumerate(features)}
    w = [0.0] * len(features)
    b = 0.0
    n = len(rows)
    xs = [[index[i] for i in ids if i in index] for _, ids in rows]
    ys = [y for y, _ in rows]
    # Balance the classes: spam and ham weigh the same in total.
    n_spam = sum(ys)
    weights = [0.5 / n_spam if y else 0.5 / (n - n_spam) for y in ys]
    for _ in range(iterations):
        grad = [L2 * wi for wi in w]
        grad_b = 0.0
        for x, y, sw in zip(xs, ys, weights):
            z = b + sum(w[i] for i in x)
            p = 1 / (1 + math.exp(-max(-30, min(30, z))))
            g = (p - y) * sw
            grad_b += g
            for i in x:
                grad[i] += g
        w = [wi - rate * gi * 10 for wi, gi in zip(w, grad)]
        b -= rate * grad_b * 10
    return dict(zip(features, w)), b


def main():
    if len(sys.argv) != 4:
        sys.exit('usage: fit.py HITS.tsv RULES_DIR OUT.yaml')
    hits_path, rules_dir, out_path = sys.argv[1:]
    rows = read_hits(hits_path)
    files = [f'{rules_dir}/{n}' for n in ('headers.yaml', 'body_en.yaml', 'body_ru.yaml',
                                          'html.yaml', 'uri.yaml', 'attachments.yaml',
                                          'meta.yaml')]
    hand = hand_scores(files)
    counts = {}
    for _, ids in rows:
        for i in ids:
            counts[i] = counts.get(i, 0) + 1
    features = sorted(f for f, c in counts.items() if c >= MIN_HITS and f not in FIXED)
    weights, bias = fit(rows, features)

    def scores_for(c):
        out = {}
        for rule, hand_score in hand.items():
            if rule.startswith('__') or rule in FIXED:
                continue
            if rule in weights:
                s = max(MIN_SCORE, min(MAX_SCORE, c * weights[rule]))
            else:
                s = max(-HAND_CAP, min(HAND_CAP, hand_score))
            # A rule the fit zeroes keeps 0.01: still reported, not 'unreachable'.
            out[rule] = round(s, 2) if abs(round(s, 2)) >= 0.01 else 0.01
        return out

    def evaluate(scores):
        spam_caught = ham_flagged = 0
        for y, ids in rows:
            total = sum(scores.get(i, hand.get(i, 0)) for i in ids)
            if total >= THRESHOLD:
                if y:
                    spam_caught += 1
                else:
                    ham_flagged += 1
        return spam_caught, ham_flagged

    best = None
    for step in range(1, 81):
        c = step * 0.05
        scores = scores_for(c)
        caught, flagged = evaluate(scores)
        if flagged == 0 and (best is None or caught > best[1]):
            best = (c, caught, scores)
    if best is None:
        sys.exit('no scale keeps the training ham below the threshold')
    c, caught, scores = best
    n_spam = sum(y for y, _ in rows)
    n_ham = len(rows) - n_spam
    with open(out_path, 'w', encoding='utf-8') as f:
        f.write('# scores.yaml - rule scores fitted on the training split by rules/tools/fit.py.\n')
        f.write('# Generated: do not edit; override scores in a local file instead.\n')
        f.write(f'# Logistic regression (L2 {L2}), scale {c:.2f}, clipped to '
                f'[{MIN_SCORE}, {MAX_SCORE}]; rules with < {MIN_HITS} training hits keep\n')
        f.write(f'# their hand-set score capped at +-{HAND_CAP}. On the training split, rules '
                f'alone at {THRESHOLD}: spam {caught}/{n_spam}, ham 0/{n_ham}.\n')
        f.write('scores:\n')
        for rule in sorted(scores):
            f.write(f'  {rule}: {scores[rule]}\n')
    print(f'scale {c:.2f}: spam caught {caught}/{n_spam} at {THRESHOLD}, ham flagged 0/{n_ham}; '
          f'{len(features)} rules fitted, bias {bias:.2f}')


if __name__ == '__main__':
    main()
