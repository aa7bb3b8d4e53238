#!/usr/bin/env python3
"""differential.py - compare `sluice mime --json` with Python's email package.

For every message in ../shared/mime-cases (INDEX.tsv, kind "message") this parses the file
with Python (email.message_from_bytes, policy=default) and collects get_content() of every
leaf part whose main type is text, keyed by a part path numbered like sluice's ("1", "1.2",
a message/rfc822 body is "<path>.1"). It runs `sluice mime --json FILE` and compares the
"text" of the part at the same path, after normalising line endings and runs of whitespace.

A file agrees when every Python text part has an equal sluice text, where a run of U+FFFD in
Python's text (bytes Python could not decode, e.g. undeclared 8-bit text read as ASCII) may
stand for any 1..k characters in sluice's; both counts are printed. Files where Python finds
no text part (or fails to decode all of them) are not counted. Exits 1 when agreement is
below the threshold (default 95%), 77 (skipped) when the shared cases are absent. With
--list, prints every disagreeing file with both texts' first differing characters.
"""
import argparse
import email
import email.policy
import json
import os
import re
import subprocess
import sys


# Python splits these into pseudo-messages (one per block of status fields); sluice keeps
# each as one text part. They are not compared.
REPORT_TYPES = {"message/delivery-status", "message/disposition-notification",
                "message/feedback-report", "message/global-delivery-status",
                "message/global-disposition-notification"}


def python_texts(msg, path, out):
    if msg.get_content_type() in REPORT_TYPES:
        return
    if msg.is_multipart():
        for i, sub in enumerate(msg.get_payload()):
            python_texts(sub, f"{path}.{i + 1}", out)
        return
    if msg.get_content_maintype() != "text":
        return
    try:
        out[path] = msg.get_content()
    except Exception as e:  # Python itself could not decode: not comparable
        out[path] = e


def normalise(text):
    return " ".join(text.replace("\r\n", "\n").replace("\r", "\n").split())


def agree_modulo_replacement(a, b):
    """True when b equals a except where a has U+FFFD runs (Python could not decode those
    bytes: a run of k replacement characters may stand for 1..k characters in sluice)."""
    if "\ufffd" not in a:
        return False
    pattern = ""
    for m in re.finditer("(\ufffd+)|([^\ufffd]+)", a):
        pattern += ".{1,%d}" % len(m.group(1)) if m.group(1) else re.escape(m.group(2))
    return re.fullmatch(pattern, b, re.S) is not None


def first_difference(a, b):
    n = min(len(a), len(b))
    i = next((k for k in range(n) if a[k] != b[k]), n)
    return i, a[max(0, i - 30):i + 50], b[max(0, i - 30):i + 50]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("sluice")
    parser.add_argument("cases")
    parser.add_argument("--threshold", type=float, default=0.95)
    parser.add_argument("--list", action="store_true")
    args = parser.parse_args()
    index = os.path.join(args.cases, "INDEX.tsv")
    if not os.path.exists(index):
        print(f"SKIP: shared MIME cases not found at {args.cases}")
        return 77

    files = []
    with open(index, encoding="utf-8") as f:
        next(f)
        for line in f:
            cols = line.rstrip("\n").split("\t")
            if len(cols) >= 4 and cols[3] == "message":
                files.append(cols[1])

    compared = agreed = agreed_strict = crashed = 0
    disagreements = []
    for rel in files:
        path = os.path.join(args.cases, rel)
        with open(path, "rb") as f:
            raw = f.read()
        run = subprocess.run([args.sluice, "mime", "--json", path], capture_output=True)
        if run.returncode != 0:
            crashed += 1
            disagreements.append((rel, f"sluice exit {run.returncode}: {run.stderr[-200:]!r}"))
            continue
        ours = {p["path"]: p.get("text") for p in json.loads(run.stdout)["parts"]}
        theirs = {}
        try:
            python_texts(email.message_from_bytes(raw, policy=email.policy.default), "1", theirs)
        except Exception as e:
            continue  # Python cannot parse it at all: nothing to compare
        theirs = {k: v for k, v in theirs.items() if isinstance(v, str)}
        if not theirs:
            continue
        compared += 1
        problems = []
        strict = True
        for part, text in theirs.items():
            mine = ours.get(part)
            if mine is None:
                problems.append(f"part {part}: no text in sluice")
                continue
            a, b = normalise(text), normalise(mine)
            if a == b:
                continue
            strict = False
            if agree_modulo_replacement(a, b):
                continue
            i, pa, pb = first_difference(a, b)
            problems.append(f"part {part}: differ at {i}: python {pa!r} / sluice {pb!r}")
        if problems:
            disagreements.append((rel, "; ".join(problems)))
        else:
            agreed += 1
            agreed_strict += strict

    rate = agreed / compared if compared else 0.0
    print(f"differential vs Python email: {agreed}/{compared} files with text parts agree "
          f"({100 * rate:.1f}%; {agreed_strict} identical, {agreed - agreed_strict} equal except "
          f"where Python gave U+FFFD), {crashed} sluice failures, "
          f"threshold {100 * args.threshold:.0f}%")
    if args.list or rate < args.threshold or crashed:
        for rel, why in disagreements:
            print(f"  {rel}: {why}")
    return 0 if rate >= args.threshold and crashed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
