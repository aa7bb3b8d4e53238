#!/usr/bin/env python3
"""nested_rules.py - rules + Bayes variants judged with the rule scores fitted out of sample.

joint_fit.py's `alone` method (fit.py's: rules alone, L2 logistic regression, the largest
scale that keeps every training-part ham below the threshold) does not look at the Bayes
probability, so the nested rule scores of an estimate depend only on which messages each
training part holds, not on the Bayes variant. This script fits them once per estimate and
then scores any number of Bayes variants' dumps against them, cheaply:

  fit   --hits HITS.tsv --estimate NAME DUMP [...] --out DIR
        HITS.tsv: sluice rules stats --spam @train.spam --ham @train.ham --hits-out HITS.tsv.
        DUMP: any `sluice bayes cv --dump` of the estimate (its rows are the scored messages;
        a dump with several folds is a k-fold estimate, each fold's rules fitted on the others;
        otherwise the training part is every message of HITS.tsv that the dump does not hold).
        Writes DIR/NAME.tsv: name, spam, the nested rule score.
  eval  --rules DIR --estimate NAME DUMP [...] [--weights 12] [--offsets 0] [--threshold 5]
        rules + W (2p - 1) + OFFSET for each message of DUMP (p from the dump), and prints
        FP% / FN% at the threshold, (1-AUC)% and recall at FP <= 0.1% per estimate.

Training split only (models/README.md, "Three estimates, nested rules").
"""
import argparse
import os
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "rules", "tools"))
import fit  # noqa: E402
import joint_fit  # noqa: E402
from logistic_grid import metrics  # noqa: E402


def read_dump(path):
    """[(name, spam, p, fold)] in the dump's order."""
    rows = []
    with open(path) as f:
        at = {k: i for i, k in enumerate(next(f).rstrip("\n").split("\t"))}
        for line in f:
            c = line.rstrip("\n").split("\t")
            fold = int(c[at["fold"]]) if "fold" in at else 0
            rows.append((c[0], c[at["spam"]] == "1", float(c[at["probability"]]), fold))
    return rows


def read_labels(path):
    labels = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            parts = line.rstrip("\n").split("\t")
            if len(parts) >= 2:
                labels[parts[1]] = parts[0] == "spam"
    return labels


def cmd_fit(args):
    hand = fit.hand_scores([os.path.join(args.rules_dir, n) for n in (
        "headers.yaml", "body_en.yaml", "body_ru.yaml", "html.yaml", "uri.yaml",
        "attachments.yaml", "meta.yaml")])
    hits = joint_fit.read_hits(args.hits)
    labels = read_labels(args.hits)
    fitter = joint_fit.Fitter(hits, hand, hand, 12.0, args.l2)
    os.makedirs(args.out, exist_ok=True)
    for name, path in args.estimate:
        rows = read_dump(path)
        folds = sorted({r[3] for r in rows})
        parts = []  # (training part, scored rows)
        if len(folds) > 1:
            for k in folds:
                parts.append(([(n, s, p) for n, s, p, f in rows if f != k],
                              [r for r in rows if r[3] == k]))
        else:
            scored = {r[0] for r in rows}
            parts.append(([(n, s, 0.5) for n, s in labels.items() if n not in scored], rows))
        with open(os.path.join(args.out, name + ".tsv"), "w") as out:
            for train, scored in parts:
                scores = fitter.fit(train, "alone")
                for n, s, _, _ in scored:
                    out.write("%s\t%d\t%.6f\n" % (n, 1 if s else 0, fitter.rule_sum(n, scores)))
        print("fitted", name, len(parts), "part(s)", file=sys.stderr)


def cmd_eval(args):
    weights = [float(w) for w in args.weights.split(",")]
    offsets = [float(o) for o in args.offsets.split(",")]
    for name, path in args.estimate:
        rules = {}
        with open(os.path.join(args.rules, name + ".tsv")) as f:
            for line in f:
                n, _, r = line.rstrip("\n").split("\t")
                rules[n] = float(r)
        rows = read_dump(path)
        labels = [s for _, s, _, _ in rows]
        for w in weights:
            for o in offsets:
                scores = [rules[n] + w * (2 * p - 1) + o for n, _, p, _ in rows]
                fp, fn, auc, recall = metrics(scores, labels, args.threshold)
                print("%-8s W %-4g offset %-5g FP/FN/(1-AUC)/recall@0.1 %.3f/%.2f/%.4f/%.1f  %s" %
                      (name, w, o, fp, fn, auc, recall, path))


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    f = sub.add_parser("fit")
    f.add_argument("--hits", required=True)
    f.add_argument("--rules-dir", default="rules")
    f.add_argument("--l2", type=float, default=fit.L2)
    f.add_argument("--out", required=True)
    f.add_argument("--estimate", nargs=2, action="append", required=True, metavar=("NAME", "DUMP"))
    e = sub.add_parser("eval")
    e.add_argument("--rules", required=True)
    e.add_argument("--estimate", nargs=2, action="append", required=True, metavar=("NAME", "DUMP"))
    e.add_argument("--weights", default="12")
    e.add_argument("--offsets", default="0")
    e.add_argument("--threshold", type=float, default=5.0)
    args = ap.parse_args()
    cmd_fit(args) if args.cmd == "fit" else cmd_eval(args)


if __name__ == "__main__":
    main()
