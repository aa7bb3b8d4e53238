#!/usr/bin/env python3
"""logistic_grid.py - rules + model mappings on `sluice bayes cv --learner both --dump` files.

Usage: logistic_grid.py FIVE_FOLD.tsv HOLDOUT.tsv [REVERSE_HOLDOUT.tsv ...] [--threshold 5]

Each dump (one per training-split estimate: 5-fold, --holdout-last 0.4, and
--holdout-last 0.4 --holdout-first 1, newer predicting older) holds, per out-of-fold message, its label, the chi-square probability, the
logistic margin and the rule score (training split only). For naive Bayes, the logistic
model (P = sigmoid(scale * margin)) and both (log odds averaged), and a grid of weights,
prints the whole verdict's figures on every estimate: FP% / FN% at the spam threshold,
(1-AUC)% and recall at FP <= 0.1%. Nothing here looks at the test split.
"""
import argparse
import csv
import math


def load(path):
    with open(path) as f:
        return [r for r in csv.DictReader(f, delimiter="\t")]


def metrics(scores, labels, threshold):
    spam = [s for s, y in zip(scores, labels) if y]
    ham = sorted((s for s, y in zip(scores, labels) if not y), reverse=True)
    fp = 100.0 * sum(s >= threshold for s in ham) / len(ham)
    fn = 100.0 * sum(s < threshold for s in spam) / len(spam)
    # (1-AUC) with ties half, by sorting once (as filter/bayes/metrics.cc).
    pairs = sorted(zip(scores, labels))
    wins, ham_below, i = 0.0, 0, 0
    while i < len(pairs):
        j, h, s = i, 0, 0
        while j < len(pairs) and pairs[j][0] == pairs[i][0]:
            if pairs[j][1]:
                s += 1
            else:
                h += 1
            j += 1
        wins += s * (ham_below + h / 2.0)
        ham_below += h
        i = j
    auc = 100.0 * (1 - wins / (len(spam) * len(ham)))
    allowed = int(math.floor(len(ham) * 0.1 / 100 + 1e-9))
    recall = 100.0 * sum(s > ham[allowed] for s in spam) / len(spam)
    return fp, fn, auc, recall


def sigmoid(x):
    return 1 / (1 + math.exp(-max(-700.0, min(700.0, x))))


def log_odds(p):
    p = min(max(p, 1e-6), 1 - 1e-6)
    return math.log(p / (1 - p))


def model_p(row, model, scale, offset):
    nb = float(row["probability"])
    m = scale * float(row["logistic_margin"])
    if model == "bayes":
        return nb
    if model == "logistic":
        return sigmoid(m - offset)
    return sigmoid((log_odds(nb) + m) / 2 - offset)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dumps", nargs="+", help="one cv --dump file per estimate")
    ap.add_argument("--threshold", type=float, default=5)
    ap.add_argument("--weights", default="8,10,12,14,16")
    ap.add_argument("--scales", default="0.25,0.5,1,2")
    ap.add_argument("--offsets", default="0", help="log odds subtracted before the mapping")
    ap.add_argument("--models", default="bayes,logistic,both")
    args = ap.parse_args()
    sets = [load(path) for path in args.dumps]
    weights = [float(w) for w in args.weights.split(",")]
    scales = [float(s) for s in args.scales.split(",")]
    offsets = [float(s) for s in args.offsets.split(",")]
    print("model scale offset weight | FP/FN/(1-AUC)/recall per dump: " + " | ".join(args.dumps))
    for model in args.models.split(","):
        for scale in scales if model != "bayes" else [1]:
            for offset in offsets if model != "bayes" else [0]:
                for w in weights:
                    cells = []
                    for rows in sets:
                        labels = [r["spam"] == "1" for r in rows]
                        scores = [float(r["rules"]) + w * (2 * model_p(r, model, scale, offset) - 1)
                                  for r in rows]
                        cells.append("%.3f/%.2f/%.4f/%.1f" % metrics(scores, labels, args.threshold))
                    print("%-8s %5g %5g %5g | %s" % (model, scale, offset, w, " | ".join(cells)))


if __name__ == "__main__":
    main()
