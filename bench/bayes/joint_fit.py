#!/usr/bin/env python3
"""joint_fit.py - rule scores fitted beside the Bayes score, judged with nested folds.

fit.py fits the rule scores on the rules alone and on the whole training split, so any
estimate of rules + Bayes on that split sees the rules in sample. This script refits the
rules inside each training part only and scores the held-out part, for three ways of
fitting (standard library only, training split only):

  shipped  the scores in use (scores.yaml + scores_with_bayes.yaml): in sample, a reference
  alone    fit.py's method on the training part: rules alone, then the largest scale c that
           keeps every training-part ham below the threshold with the rules alone
  joint    logistic regression on the rule hits AND the Bayes evidence (2p - 1) as one more
           feature, so a rule is weighed by what it adds beside Bayes; the rule weights times
           the c that catches the most training-part spam at the threshold with rules +
           W (2p - 1), calling no more training-part ham spam than `alone` does there
  ratio    the same fit, each rule scored W * w_rule / w_bayes (in proportion to the Bayes
           weight W it was fitted beside), no scale search

Every message's p is out of sample for the Bayes model: inside a training part it comes
from a cross-validation of that part alone (an INNER dump), on the scored part from the
model of the training part (the OUTER dump). Inputs:

  --hits HITS.tsv   sluice rules stats --spam train.spam --ham train.ham --hits-out HITS.tsv
                    (hits do not depend on scores, so the shipped rule files do)
  --estimate NAME OUTER INNER [INNER ...]
                    OUTER: sluice bayes cv --dump of the estimate (5-fold, --holdout-last 0.4,
                    or with --holdout-first 1); each INNER: sluice bayes cv --dump over the
                    messages of one training part (for 5 folds, one per fold); the scored
                    messages of an INNER are the OUTER rows whose names it does not hold.

Prints FP% / FN% at the threshold, (1-AUC)% and recall at FP <= 0.1% of rules + W (2p - 1)
per estimate and method (models/README.md, "Three estimates, nested rules").

Making the INNER dumps: write each training part's spam and ham paths to list files, in the
order of train.spam / train.ham (for the 5 folds: the OUTER 5-fold dump's rows whose index
mod 5 is not k; for a hold-out: the training rows that its OUTER dump does not hold), then
    sluice bayes cv --spam @part.spam --ham @part.ham --dump inner.tsv
Example (hold-out): joint_fit.py --hits hits.tsv --estimate ho ho.tsv inner-ho.tsv
"""
import argparse
import math
import os
import re
import sys

sys.dont_write_bytecode = True  # no __pycache__ left in rules/tools or here
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "rules", "tools"))
import fit  # noqa: E402  (rules/tools/fit.py: hand scores and its constants)

from logistic_grid import metrics  # noqa: E402

THRESHOLD = 5.0


def read_dump(path):
    """name -> (spam, p, rules score as scored by cv)"""
    rows = {}
    order = []
    with open(path) as f:
        header = next(f).rstrip("\n").split("\t")
        at = {k: i for i, k in enumerate(header)}
        for line in f:
            c = line.rstrip("\n").split("\t")
            rows[c[0]] = (c[at["spam"]] == "1", float(c[at["probability"]]), float(c[at["rules"]]))
            order.append(c[0])
    return rows, order


def read_hits(path):
    hits = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            parts = line.rstrip("\n").split("\t")
            if len(parts) < 2:
                continue
            ids = parts[2].split() if len(parts) > 2 else []
            hits[parts[1]] = [i for i in ids if not i.startswith("__")]
    return hits


def read_scores(path):
    out = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            m = re.match(r"\s+(\w+): (-?[\d.]+)\s*$", line)
            if m:
                out[m.group(1)] = float(m.group(2))
    return out


def train_lr(xs, ys, n_features, l2, iterations=600, rate=0.5, dense=None):
    """fit.py's L2 logistic regression (balanced classes), plus optional dense features:
    dense[k][j] is message k's value of extra feature j. Returns (weights, dense_weights)."""
    w = [0.0] * n_features
    nd = len(dense[0]) if dense else 0
    v = [0.0] * nd
    b = 0.0
    n_spam = sum(ys)
    n = len(ys)
    sw = [0.5 / n_spam if y else 0.5 / (n - n_spam) for y in ys]
    for _ in range(iterations):
        grad = [l2 * wi for wi in w]
        grad_v = [l2 * vi for vi in v]
        grad_b = 0.0
        for k, (x, y, s) in enumerate(zip(xs, ys, sw)):
            z = b + sum(w[i] for i in x)
            if nd:
                z += sum(vj * dj for vj, dj in zip(v, dense[k]))
            p = 1 / (1 + math.exp(-max(-30, min(30, z))))
            g = (p - y) * s
            grad_b += g
            for i in x:
                grad[i] += g
            for j in range(nd):
                grad_v[j] += g * dense[k][j]
        w = [wi - rate * gi * 10 for wi, gi in zip(w, grad)]
        v = [vi - rate * gi * 10 for vi, gi in zip(v, grad_v)]
        b -= rate * grad_b * 10
    return w, v


class Fitter:
    def __init__(self, hits, hand, shipped, weight, l2):
        self.hits, self.hand, self.shipped = hits, hand, shipped
        self.weight, self.l2 = weight, l2

    def scores_from(self, features, w, c):
        out = {}
        for rule, hand_score in self.hand.items():
            if rule.startswith("__") or rule in fit.FIXED:
                continue
            out[rule] = max(-fit.HAND_CAP, min(fit.HAND_CAP, hand_score))
        for f, wi in zip(features, w):
            s = max(fit.MIN_SCORE, min(fit.MAX_SCORE, c * wi))
            out[f] = round(s, 2) if abs(round(s, 2)) >= 0.01 else 0.01
        for rule in fit.FIXED:
            if rule in self.hand:
                out[rule] = self.hand[rule]
        return out

    def rule_sum(self, name, scores):
        return sum(scores.get(i, self.hand.get(i, 0)) for i in self.hits[name])

    def fit(self, train, method):
        """train: list of (name, spam, p). Returns a score map."""
        counts = {}
        for name, _, _ in train:
            for i in self.hits[name]:
                counts[i] = counts.get(i, 0) + 1
        features = sorted(f for f, c in counts.items() if c >= fit.MIN_HITS and f not in fit.FIXED)
        index = {f: i for i, f in enumerate(features)}
        xs = [[index[i] for i in self.hits[n] if i in index] for n, _, _ in train]
        ys = [1 if s else 0 for _, s, _ in train]
        offsets = [self.weight * (2 * p - 1) for _, _, p in train]
        dense = [[2 * p - 1] for _, _, p in train] if method in ("joint", "ratio") else None
        w, v = train_lr(xs, ys, len(features), self.l2, dense=dense)
        if method == "ratio":
            # The rules in proportion to the Bayes evidence they were fitted beside: W (2p-1)
            # keeps its weight, a rule gets W * w_r / v.
            return self.scores_from(features, w, self.weight / v[0])
        # The scale: fit.py's rule (no ham at the threshold on rules alone) for `alone`;
        # for `joint`, rules + Bayes with no more ham than `alone` calls spam there.
        best = None
        alone_flagged = None
        if method == "joint":
            alone = self.fit(train, "alone")
            alone_flagged = sum(1 for (n, s, _), o in zip(train, offsets)
                                if not s and self.rule_sum(n, alone) + o >= THRESHOLD)
        for step in range(1, 81):
            c = step * 0.05
            scores = self.scores_from(features, w, c)
            sums = [self.rule_sum(n, scores) for n, _, _ in train]
            if method == "alone":
                flagged = sum(1 for (_, s, _), r in zip(train, sums) if not s and r >= THRESHOLD)
                caught = sum(1 for (_, s, _), r in zip(train, sums) if s and r >= THRESHOLD)
                ok = flagged == 0
            else:
                flagged = sum(1 for (_, s, _), r, o in zip(train, sums, offsets)
                              if not s and r + o >= THRESHOLD)
                caught = sum(1 for (_, s, _), r, o in zip(train, sums, offsets)
                             if s and r + o >= THRESHOLD)
                ok = flagged <= alone_flagged
            if ok and (best is None or caught > best[0]):
                best = (caught, scores)
        if best is None:
            return self.scores_from(features, w, 0.05)
        return best[1]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--hits", required=True)
    ap.add_argument("--rules-dir", default="rules")
    ap.add_argument("--estimate", nargs="+", action="append", default=[],
                    metavar="NAME OUTER INNER", help="NAME OUTER_DUMP INNER_DUMP...")
    ap.add_argument("--weight", type=float, default=12.0, help="Bayes weight W in W (2p - 1)")
    ap.add_argument("--l2", type=float, default=fit.L2)
    ap.add_argument("--methods", default="shipped,alone,joint,ratio")
    args = ap.parse_args()
    files = [os.path.join(args.rules_dir, n) for n in (
        "headers.yaml", "body_en.yaml", "body_ru.yaml", "html.yaml", "uri.yaml",
        "attachments.yaml", "meta.yaml")]
    hand = fit.hand_scores(files)
    shipped = dict(hand)
    shipped.update(read_scores(os.path.join(args.rules_dir, "scores.yaml")))
    shipped.update(read_scores(os.path.join(args.rules_dir, "scores_with_bayes.yaml")))
    hits = read_hits(args.hits)
    fitter = Fitter(hits, hand, shipped, args.weight, args.l2)
    methods = args.methods.split(",")
    for spec in args.estimate:
        name, outer_path, inner_paths = spec[0], spec[1], spec[2:]
        outer, _ = read_dump(outer_path)
        results = {m: ([], []) for m in methods}
        for inner_path in inner_paths:
            inner, _ = read_dump(inner_path)
            train = [(n, s, p) for n, (s, p, _) in inner.items()]
            scored = [(n, s, p) for n, (s, p, _) in outer.items() if n not in inner]
            for m in methods:
                scores = shipped if m == "shipped" else fitter.fit(train, m)
                for n, s, p in scored:
                    results[m][0].append(fitter.rule_sum(n, scores) + args.weight * (2 * p - 1))
                    results[m][1].append(s)
        for m in methods:
            print("%-10s %-8s W %g  FP/FN/(1-AUC)/recall@0.1 %.3f/%.2f/%.4f/%.1f" %
                  ((name, m, args.weight) + metrics(results[m][0], results[m][1], THRESHOLD)))
        sys.stdout.flush()


if __name__ == "__main__":
    main()
